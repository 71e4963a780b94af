"""Pages of the inventory domain."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.access import roles_required
from coopnum.core.models import Role

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

navigation.register("inventory.index", _l("Matériel"), (Role.COORDINATOR, Role.MEDIATOR), 500)


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def index():
    return render_template("inventory/index.html")
