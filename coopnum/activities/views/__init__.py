"""Pages of the activities domain (/missions/…): activity reports (CRA), beneficiaries, reference lists, exports."""

from flask import Blueprint

bp = Blueprint("activities", __name__, url_prefix="/missions")

# Each area declares its routes on ``bp`` when imported (by ``activities.init_app``).
from coopnum.activities.views import (  # noqa: E402, F401
    activities,
    beneficiaries,
    exports,
)
