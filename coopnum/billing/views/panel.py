"""The coordinator's billing panel on the dashboard: drafts to issue, money to collect, overdue invoices, and the
month to invoice; the ECB rates that reminders wait for."""

from datetime import timedelta

from coopnum.billing import queries
from coopnum.billing.services import dunning
from coopnum.billing.views import bp
from coopnum.core import clock, dashboard
from coopnum.core.clock import paris_today
from coopnum.core.db import db
from coopnum.core.models import Role


def _panel(_user) -> dict:
    today = paris_today(clock.now())
    last_month = today.replace(day=1) - timedelta(days=1)
    waiting = [item.message for item in dunning.missing_rates(db.session, now=clock.now())]
    return {"figures": queries.panel_figures(db.session, today), "last_month": last_month.replace(day=1),
            "waiting_rates": waiting}


def register() -> None:
    dashboard.register("billing", "billing/panel.html", (Role.COORDINATOR,), _panel, 35)


@bp.app_template_global()
def last_month_bounds() -> tuple:
    """(first day, last day) of last month in Paris: the default period to invoice."""
    end = paris_today(clock.now()).replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end
