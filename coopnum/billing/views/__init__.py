"""Pages of the billing domain (/billing/…). Each area registers its routes on ``bp`` when imported;
``coopnum.billing.init_app`` registers the blueprint and the menu entries."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.models import Role

bp = Blueprint("billing", __name__, url_prefix="/billing")



def register_navigation() -> None:
    """The menu entries of the billing pages (idempotent: keyed by endpoint)."""
    navigation.register("billing.invoices", _l("Factures"), (Role.COORDINATOR,), 300, group="billing")
    navigation.register("billing.quotes", _l("Devis"), (Role.COORDINATOR,), 301, group="billing")
    navigation.register("billing.payments", _l("Règlements"), (Role.COORDINATOR,), 302, group="billing")
    navigation.register("billing.aptic", _l("Chèques APTIC"), (Role.COORDINATOR,), 303, group="billing")
    navigation.register("billing.receivables", _l("Balance âgée"), (Role.COORDINATOR,), 304, group="billing")
    navigation.register("billing.accounting", _l("Export comptable"), (Role.COORDINATOR,), 305, group="billing")
    navigation.register("billing.settings", _l("Identité et facturation"), (Role.COORDINATOR,), 906, group="admin")
    navigation.register("billing.portal_invoices", _l("Mes factures"), (Role.AUTHORITY,), 56)


from coopnum.billing.views import (  # noqa: E402, F401
    accounting,
    aptic,
    invoices,
    panel,
    payments,
    portal,
    quotes,
    sending,
    settings,
)
