"""The coordinator's billing panel on the dashboard: drafts to issue, money to collect, overdue invoices, and the
month to invoice."""

from datetime import timedelta

from sqlalchemy import case, func, select

from coopnum.billing.models import Invoice, InvoiceKind, InvoiceStatus
from coopnum.billing.views import bp
from coopnum.core import clock, dashboard
from coopnum.core.clock import paris_today
from coopnum.core.db import db
from coopnum.core.models import Role


def figures(session, today) -> dict:
    """Drafts, open and overdue invoices (count, amount) in one query."""
    balance = Invoice.total_incl_cents - Invoice.credited_cents - Invoice.paid_cents
    issued = (Invoice.status == InvoiceStatus.ISSUED) & (Invoice.kind == InvoiceKind.INVOICE) & (balance > 0)
    overdue = issued & (Invoice.due_date < today)
    draft = (Invoice.status == InvoiceStatus.DRAFT) & (Invoice.kind == InvoiceKind.INVOICE)
    row = session.execute(select(
        func.sum(case((draft, 1), else_=0)), func.sum(case((draft, Invoice.total_incl_cents), else_=0)),
        func.sum(case((issued, 1), else_=0)), func.sum(case((issued, balance), else_=0)),
        func.sum(case((overdue, 1), else_=0)), func.sum(case((overdue, balance), else_=0)),
    )).one()
    keys = ("drafts", "drafts_cents", "open", "open_cents", "overdue", "overdue_cents")
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


def _panel(_user) -> dict:
    today = paris_today(clock.now())
    last_month = today.replace(day=1) - timedelta(days=1)
    return {"figures": figures(db.session, today), "last_month": last_month.replace(day=1)}


def register() -> None:
    dashboard.register("billing", "billing/panel.html", (Role.COORDINATOR,), _panel, 35)


@bp.app_template_global()
def last_month_bounds() -> tuple:
    """(first day, last day) of last month in Paris: the default period to invoice."""
    end = paris_today(clock.now()).replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end
