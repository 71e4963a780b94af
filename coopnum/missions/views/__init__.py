"""Pages of the missions domain. ``bp`` serves /missions/…; ``public_bp`` serves the URLs that need no login
(open data of places, secret iCal feeds)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.models import Role

bp = Blueprint("missions", __name__, url_prefix="/missions")
public_bp = Blueprint("public", __name__)

navigation.register("missions.index", _l("Missions"), (Role.COORDINATOR, Role.MEDIATOR), 100)

# Each area registers its routes on ``bp`` / ``public_bp`` when imported.
from coopnum.missions.views import (  # noqa: E402, F401
    activities,
    beneficiaries,
    calendars,
    catalogue,
    conventions,
    exports,
    hours,
    organisations,
    places,
    planning,
    reports,
    requests,
)
