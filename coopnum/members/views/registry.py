"""Members, colleges and the share capital: the register, a member's page, the capital ledger and its page."""

from flask import render_template
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.access import roles_required
from coopnum.core.models import Role
from coopnum.members.views import bp

navigation.register("members.index", _l("Vie coopérative"), (Role.COORDINATOR, Role.MEMBER), 400)


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def index():
    return render_template("members/index.html")
