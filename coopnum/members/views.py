"""Pages of the members domain."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.access import roles_required
from coopnum.core.models import Role

bp = Blueprint("members", __name__, url_prefix="/members")

navigation.register("members.index", _l("Vie coopérative"), (Role.COORDINATOR, Role.MEMBER), 400)


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def index():
    return render_template("members/index.html")
