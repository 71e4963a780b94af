"""The training home, training sessions, attendance (signing per half-day), the émargement sheet and certificates."""

from flask import render_template

from coopnum.core.access import roles_required
from coopnum.core.models import Role
from coopnum.training.views import bp


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER)
def index():
    return render_template("training/index.html")


def register_panels() -> None:
    """Dashboard panel, calendar sources."""
