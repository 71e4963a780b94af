"""Pages of the reports domain (/missions/…): reports to authorities and their share links (``public_bp``, no login)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/missions")
public_bp = Blueprint("reports_public", __name__)

# Each area declares its routes on ``bp`` when imported (by ``reports.init_app``).
from coopnum.reports.views import (  # noqa: E402, F401
    reports,
)
