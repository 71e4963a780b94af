"""Pages of the missions domain (/missions/…): missions, sessions, assignment, absences, calendars and iCal feeds, requests
for services from authorities.
``public_bp`` serves the secret iCal feeds (no login)."""

from flask import Blueprint

bp = Blueprint("missions", __name__, url_prefix="/missions")
public_bp = Blueprint("missions_public", __name__)

# Each area declares its routes on ``bp`` / ``public_bp`` when imported (by ``missions.init_app``).
from coopnum.missions.views import calendars, planning, requests  # noqa: E402, F401
