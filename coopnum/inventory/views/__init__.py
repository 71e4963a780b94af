"""Pages of the inventory domain: assets and kits (``assets``), reservations and loans (``bookings``), availability
and the calendars of an asset or a kit (``calendars``), maintenance, audits and the reports (``care``), the public
page of a label (``public``)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.models import Role

bp = Blueprint("inventory", __name__, url_prefix="/inventory")
public_bp = Blueprint("inventory_public", __name__)


def register_navigation() -> None:
    navigation.register("inventory.index", _l("Matériel"), (Role.COORDINATOR, Role.MEDIATOR), 500)


from coopnum.inventory.views import assets, bookings, calendars, care, public  # noqa: E402,F401
