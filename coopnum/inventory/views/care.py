"""The inventory's home (dashboard: out, overdue, in maintenance), maintenance cases, audits, the usage report."""

from flask import render_template

from coopnum.core.access import roles_required
from coopnum.core.models import Role
from coopnum.inventory.views import bp


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def index():
    return render_template("inventory/index.html")


def register_panels() -> None:
    """The dashboard panel (coopnum.core.dashboard)."""
