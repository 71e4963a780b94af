"""Pages of the organisations domain (/missions/…): organisations and contacts, places, the service catalogue,
conventions. ``public_bp`` serves the open data of places (no login)."""

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/missions")
public_bp = Blueprint("organisations_public", __name__)

# Each area declares its routes on ``bp`` when imported (by ``organisations.init_app``).
from coopnum.organisations.views import (  # noqa: E402, F401
    catalogue,
    conventions,
    organisations,
    places,
)
