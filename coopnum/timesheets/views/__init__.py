"""Pages of the timesheets domain (/missions/…): hours, session confirmations and month timesheets."""

from flask import Blueprint

bp = Blueprint("timesheets", __name__, url_prefix="/missions")

# Each area declares its routes on ``bp`` when imported (by ``timesheets.init_app``).
from coopnum.timesheets.views import (  # noqa: E402, F401
    bulk,
    hours,
)
