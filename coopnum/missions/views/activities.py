"""Pages of the activities area (being written)."""

from coopnum.missions.views import bp  # noqa: F401

from flask import abort

from coopnum.core.access import login_required


@bp.get("/activities/new")
@login_required
def activity_new():
    """Placeholder until the activity form lands: ``?session=<id>&kind=Individuel|Collectif``."""
    abort(404)
