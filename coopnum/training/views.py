"""Pages of the training domain."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.access import roles_required
from coopnum.core.models import Role

bp = Blueprint("training", __name__, url_prefix="/training")

navigation.register("training.index", _l("Formation"), (Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER), 600)


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER)
def index():
    return render_template("training/index.html")
