"""Pages of the missions domain: planning (missions, sessions, assignments, absences)."""

from flask import render_template

from coopnum.core.access import roles_required
from coopnum.core.models import Role
from coopnum.missions.views import bp


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def index():
    return render_template("missions/index.html")
