"""Pages of the missions domain."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.access import roles_required
from coopnum.core.models import Role

bp = Blueprint("missions", __name__, url_prefix="/missions")

navigation.register("missions.index", _l("Missions"), (Role.COORDINATOR, Role.MEDIATOR), 100)


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def index():
    return render_template("missions/index.html")
