"""Billing pages of the authority portal: the organisation's issued invoices and credit notes (never drafts, never
another organisation's), their state, their stored documents (Factur-X and plain PDF, the exact bytes stored at
issue) and, for an invoice of a convention over a period, the activity report of that period. Also the dashboard
panel of an authority contact (what is due)."""

from dataclasses import dataclass
from datetime import date

from flask import abort, make_response, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.billing import queries
from coopnum.billing.forms.invoices import KIND_LABELS, STATE_BADGES, STATE_LABELS
from coopnum.billing.models import (
    DocumentKind,
    Invoice,
    InvoiceStatus,
)
from coopnum.billing.services import issuing
from coopnum.billing.views import bp
from coopnum.core import clock, dashboard, slots
from coopnum.core.access import has_role, roles_required
from coopnum.core.clock import paris_today
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import page_args
from coopnum.core.views import link_to
from coopnum.reports.services.reports import Period

PER_PAGE = 20
DOCUMENT_LABELS = {DocumentKind.FACTURX: _l("Factur-X"), DocumentKind.PDF: _l("PDF")}


def report_link(invoice: Invoice) -> str | None:
    """The activity report of the invoiced period, for an invoice of a convention over a period."""
    if not (invoice.convention_id and invoice.period_start and invoice.period_end):
        return None
    return link_to("reports.convention_report", invoice.convention_id,
                   **Period("custom", invoice.period_start, invoice.period_end).args())


def report_pdf_link(invoice: Invoice) -> str | None:
    if not (invoice.convention_id and invoice.period_start and invoice.period_end):
        return None
    return link_to("reports.convention_report_pdf", invoice.convention_id,
                   **Period("custom", invoice.period_start, invoice.period_end).args())


@bp.route("/portal/invoices")
@roles_required(Role.AUTHORITY)
def portal_invoices():
    organisation_id = current_user.organisation_id
    if not organisation_id:
        return render_template("portal/no_organisation.html", link_to=link_to)
    page = queries.portal_page(db.session, organisation_id, page_args(PER_PAGE)[0], PER_PAGE)
    today = paris_today(clock.now())
    kinds = queries.document_kinds(db.session, [i.id for i in page.items])
    return render_template(
        "billing/portal/invoices.html", page=page, today=today, kinds=kinds,
        summary=summary(organisation_id, today), state_labels=STATE_LABELS, state_badges=STATE_BADGES,
        kind_labels=KIND_LABELS, document_labels=DOCUMENT_LABELS, report_link=report_link,
        report_pdf_link=report_pdf_link)


@bp.route("/portal/invoices/<int:invoice_id>/<kind>")
@roles_required(Role.AUTHORITY)
def portal_invoice_document(invoice_id: int, kind: str):
    """The stored document, byte for byte. 404 for a draft, another organisation's invoice or an unknown kind."""
    invoice = db.session.get(Invoice, invoice_id)
    if (invoice is None or invoice.status != InvoiceStatus.ISSUED or not current_user.organisation_id
            or invoice.organisation_id != current_user.organisation_id or kind not in set(DocumentKind)):
        abort(404)
    document = issuing.document(db.session, invoice, kind)
    if document is None:
        abort(404)
    response = make_response(document.content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = document.sha256
    return response


# --- what is due: the summary of the list page and the dashboard panel ----------------------------------------------

@dataclass(frozen=True)
class Summary:
    due_cents: int  # what the organisation still owes on issued invoices
    open_count: int
    overdue_cents: int
    overdue_count: int


def summary(organisation_id: int, today: date) -> Summary:
    return Summary(*queries.due_of(db.session, organisation_id, today))


def _panel(user) -> dict:
    if not user.organisation_id or not has_role(user, Role.AUTHORITY):
        return {"summary": None}
    today = paris_today(clock.now())
    latest = queries.latest_issued(db.session, user.organisation_id, 3)
    return {"summary": summary(user.organisation_id, today), "latest": latest, "today": today,
            "state_labels": STATE_LABELS, "state_badges": STATE_BADGES, "kind_labels": KIND_LABELS}


def _portal_home_panel(user, organisation) -> dict:
    return _panel(user)


def register() -> None:
    dashboard.register("portal_invoices", "billing/portal/panel.html", (Role.AUTHORITY,), _panel, 25)
    slots.register("portal.home", "billing/portal/panel.html", _portal_home_panel, 25)  # the same, on the portal
