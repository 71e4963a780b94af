"""The read-only queries of the billing pages (lists, choices, the detail of an invoice, the portal, the dashboard
panels). They take the session and plain values, return rows or values, and never write: the services keep their
own writes, the views call these by name."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import contains_eager, defer, lazyload, selectinload
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.billing.models import (
    BilledItem,
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    Quote,
    QuoteStatus,
    balance_sql,
    owed_sql,
)
from coopnum.core.pagination import COUNT_LIMIT, Page, paginate
from coopnum.missions.models import MissionSession
from coopnum.organisations.models import Contact, Convention, ConventionStatus, Organisation, Service

# --- invoices: the list ---------------------------------------------------------------------------------------------


def invoiced_organisations(session: Session) -> list:
    """(id, name) of the organisations having an invoice, by name: the filter's choices."""
    return session.execute(select(Organisation.id, Organisation.name)
                           .where(select(Invoice.id).where(Invoice.organisation_id == Organisation.id).exists())
                           .order_by(Organisation.name)).all()


def invoiced_conventions(session: Session) -> list:
    """(id, reference) of the conventions having an invoice, by reference: the filter's choices."""
    return session.execute(select(Convention.id, Convention.reference)
                           .where(Convention.id.in_(select(Invoice.convention_id)))
                           .order_by(Convention.reference)).all()


def first_issue_date(session: Session) -> date | None:
    return session.execute(select(func.min(Invoice.issue_date))).scalar()


def _owed(today: date, *conditions):
    """Count and amount of the invoices still owed (matching ``conditions``), then of the overdue ones: read from the
    partial index ``ix_invoices_owed``, not from every invoice ever issued."""
    balance = balance_sql()
    late = Invoice.due_date < today
    return (select(func.count().label("n"), func.coalesce(func.sum(balance), 0).label("cents"),
                   func.count(case((late, 1))).label("late"),
                   func.coalesce(func.sum(case((late, balance))), 0).label("late_cents"))
            .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.kind == InvoiceKind.INVOICE, owed_sql(),
                   *conditions))


def _drafts_and_owed(today: date, *draft_conditions) -> Select:
    """One row: count and amount of the drafts (matching ``draft_conditions``), of the invoices still owed and of
    the overdue ones. Two subqueries, each read from its own index: the drafts from the list's order (status first),
    the owed ones from ``ix_invoices_owed``."""
    drafts = (select(func.count().label("n"), func.coalesce(func.sum(Invoice.total_incl_cents), 0).label("cents"))
              .where(Invoice.status == InvoiceStatus.DRAFT, *draft_conditions).subquery())
    owed = _owed(today).subquery()
    return (select(drafts.c.n, drafts.c.cents, owed.c.n, owed.c.cents, owed.c.late, owed.c.late_cents)
            .select_from(drafts.join(owed, true())))


def invoice_summary(session: Session, today: date) -> dict:
    """Count and amount of the drafts, of the invoices to be paid and of the overdue ones (one query)."""
    row = [int(v) for v in session.execute(_drafts_and_owed(today)).one()]
    return {"drafts": (row[0], row[1]), "open": (row[2], row[3]), "overdue": (row[4], row[5])}


# The frozen documents' columns a list never shows (the seller's identity and the VAT breakdown are JSON: decoding
# them for 50 rows was most of a list's loading time).
LIST_DEFERRED = (Invoice.seller, Invoice.vat_breakdown, Invoice.notes)


def _light(stmt):
    """No lines, no convention services, no frozen documents' columns: a list shows only the invoices' own columns
    and the client."""
    # the client and the convention in their own queries: joined, every invoice's row was widened by both before
    # the sort that picks the page's 25
    return stmt.options(lazyload(Invoice.lines), selectinload(Invoice.organisation),
                        selectinload(Invoice.convention).lazyload(Convention.services),
                        *(defer(column) for column in LIST_DEFERRED))


# Drafts first (they have no issue date: it is set at issue), then the newest issued: the order of the index
# ``ix_invoices_list_order``, so that a page is read from it, not sorted from every invoice.
INVOICE_ORDER = (Invoice.status.asc(), Invoice.issue_date.desc(), Invoice.id.desc())


@dataclass
class InvoiceFilters:
    status: str | None = None  # draft | issued
    kind: str | None = None
    organisation_id: int | None = None
    convention_id: int | None = None
    state: str | None = None  # open | overdue | paid
    year: int | None = None
    q: str | None = None


def invoices_stmt(filters: InvoiceFilters, *, today: date):
    stmt = select(Invoice)
    if filters.status:
        stmt = stmt.where(Invoice.status == filters.status)
    if filters.kind:
        stmt = stmt.where(Invoice.kind == filters.kind)
    if filters.organisation_id:
        stmt = stmt.where(Invoice.organisation_id == filters.organisation_id)
    if filters.convention_id:
        stmt = stmt.where(Invoice.convention_id == filters.convention_id)
    if filters.year:
        stmt = stmt.where(or_(and_(Invoice.issue_date >= date(filters.year, 1, 1),
                                   Invoice.issue_date <= date(filters.year, 12, 31)),
                              and_(Invoice.issue_date.is_(None), Invoice.status == InvoiceStatus.DRAFT)))
    balance = balance_sql()
    if filters.state in ("open", "overdue", "paid"):
        stmt = stmt.where(Invoice.status == InvoiceStatus.ISSUED, Invoice.kind == InvoiceKind.INVOICE)
        if filters.state == "paid":
            stmt = stmt.where(balance <= 0)
        else:
            stmt = stmt.where(owed_sql())
        if filters.state == "overdue":
            stmt = stmt.where(Invoice.due_date < today)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(or_(Invoice.number.ilike(like), Invoice.buyer_name.ilike(like),
                              Invoice.title.ilike(like)))
    return stmt.order_by(*INVOICE_ORDER)


def invoice_list(session: Session, filters: InvoiceFilters, today: date, page: int, per_page: int) -> Page:
    """One page of the invoices matching the filters (their own columns and the client only)."""
    return paginate(session, _light(invoices_stmt(filters, today=today)), page, per_page, count_limit=COUNT_LIMIT)


def month_invoices(session: Session, month: date, month_end: date) -> list[Invoice]:
    """The invoices of a month's run (period = the whole month), by status, buyer and id."""
    stmt = (select(Invoice).where(Invoice.kind == InvoiceKind.INVOICE, Invoice.period_start == month,
                                  Invoice.period_end == month_end)
            .order_by(Invoice.status, Invoice.buyer_name, Invoice.id))
    return list(session.execute(_light(stmt)).unique().scalars())


# --- invoices: choices of the forms ---------------------------------------------------------------------------------

def signed_conventions(session: Session) -> list[Convention]:
    rows = session.execute(select(Convention).where(Convention.status == ConventionStatus.SIGNED)
                           .options(lazyload(Convention.services)).order_by(Convention.reference))
    return list(rows.unique().scalars())


def open_organisations(session: Session, keep: int | None = None) -> list:
    """(id, name) of the organisations not archived — and of ``keep`` even if archived (a value already chosen)."""
    stmt = select(Organisation.id, Organisation.name)
    if keep is None:
        stmt = stmt.where(Organisation.archived.is_(False))
    else:
        stmt = stmt.where(Organisation.archived.is_(False) | (Organisation.id == keep))
    return session.execute(stmt.order_by(Organisation.name)).all()


def active_services(session: Session) -> list[Service]:
    return list(session.execute(select(Service).where(Service.active.is_(True)).order_by(Service.name)).scalars())


def catalogue_prices(session: Session) -> dict[int, int]:
    """The catalogue price of each active service."""
    return {r.id: r.unit_price_cents for r in session.execute(
        select(Service.id, Service.unit_price_cents).where(Service.active.is_(True)))}


# --- invoices: the detail -------------------------------------------------------------------------------------------

def sessions_by_id(session: Session, ids: set[int]) -> dict[int, MissionSession]:
    if not ids:
        return {}
    return {s.id: s for s in session.execute(
        select(MissionSession).where(MissionSession.id.in_(ids))
        .options(lazyload(MissionSession.assignments))).unique().scalars()}


def rows_of(session: Session, model, invoice_id: int, order) -> list:
    """The rows of a model attached to an invoice (payments, reminders, sendings), in the given order."""
    return list(session.execute(select(model).where(model.invoice_id == invoice_id).order_by(order))
                .unique().scalars())


def documents_without_content(session: Session, invoice_id: int) -> dict[str, InvoiceDocument]:
    """The stored documents by kind, without their bytes (name, size, SHA-256 only)."""
    rows = session.execute(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice_id)
                           .options(defer(InvoiceDocument.content))).scalars()
    return {doc.kind: doc for doc in rows}


def contact_emails(session: Session, organisation_id: int, ids: list[int]) -> dict[int, str]:
    """The e-mail address of those of the contacts ``ids`` that belong to the organisation and have one."""
    if not ids:
        return {}
    return {c.id: c.email for c in session.execute(select(Contact).where(
        Contact.id.in_(ids), Contact.organisation_id == organisation_id)).scalars() if c.email}


def billed_items(session: Session, line_ids: list[int]) -> dict[int, list]:
    """The billed items of several lines (line id → rows of ``session_id`` and ``month``, in creation order), in
    one query: plain columns, a list of invoices bills hundreds of sessions."""
    out: dict[int, list] = {}
    if line_ids:
        for row in session.execute(select(BilledItem.line_id, BilledItem.session_id, BilledItem.month)
                                   .where(BilledItem.line_id.in_(line_ids)).order_by(BilledItem.id)):
            out.setdefault(row.line_id, []).append(row)
    return out


def document_rows(session: Session, invoice_ids: list[int]) -> dict[int, list[tuple]]:
    """(kind, filename, sha256, size) of the stored documents of several invoices (not their content)."""
    out: dict[int, list[tuple]] = {}
    if invoice_ids:
        rows = session.execute(select(InvoiceDocument.invoice_id, InvoiceDocument.kind, InvoiceDocument.filename,
                                      InvoiceDocument.sha256, InvoiceDocument.size)
                               .where(InvoiceDocument.invoice_id.in_(invoice_ids))
                               .order_by(InvoiceDocument.kind.desc()))
        for row in rows:
            out.setdefault(row[0], []).append(row[1:])
    return out


# --- quotes -------------------------------------------------------------------------------------------------------

def quote_list_stmt(*, status: str | None = None, organisation_id: int | None = None, q: str | None = None,
              today: date | None = None) -> Select:
    """Quotes, newest first, filtered. ``status`` is the effective one (a sent quote past validity is expired)."""
    stmt = select(Quote).order_by(Quote.created_at.desc(), Quote.id.desc())
    if status:
        if status == QuoteStatus.SENT and today is not None:
            stmt = stmt.where(Quote.status == QuoteStatus.SENT,
                              (Quote.valid_until.is_(None)) | (Quote.valid_until >= today))
        elif status == QuoteStatus.EXPIRED and today is not None:
            stmt = stmt.where((Quote.status == QuoteStatus.EXPIRED)
                              | ((Quote.status == QuoteStatus.SENT) & (Quote.valid_until < today)))
        else:
            stmt = stmt.where(Quote.status == status)
    if organisation_id:
        stmt = stmt.where(Quote.organisation_id == organisation_id)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(func.lower(Quote.title).like(like) | func.lower(func.coalesce(Quote.number, "")).like(like))
    return stmt


# --- payments -------------------------------------------------------------------------------------------------------

@dataclass
class PaymentFilters:
    date_from: date | None = None
    date_to: date | None = None
    method: str | None = None
    organisation_id: int | None = None


def _payment_filter(stmt, filters: PaymentFilters):
    if filters.date_from:
        stmt = stmt.where(Payment.received_on >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(Payment.received_on <= filters.date_to)
    if filters.method:
        stmt = stmt.where(Payment.method == filters.method)
    if filters.organisation_id:
        stmt = stmt.where(Invoice.organisation_id == filters.organisation_id)
    return stmt


def payments_stmt(filters: PaymentFilters):
    """Payments with their invoice (its number) and its organisation (one query), newest first."""
    stmt = (select(Payment).join(Payment.invoice)
            .options(contains_eager(Payment.invoice).joinedload(Invoice.organisation),
                     contains_eager(Payment.invoice).lazyload(Invoice.convention),
                     contains_eager(Payment.invoice).lazyload(Invoice.lines),
                     *(contains_eager(Payment.invoice).defer(column) for column in LIST_DEFERRED)))
    return _payment_filter(stmt, filters).order_by(Payment.received_on.desc(), Payment.id.desc())


def payments_total(session: Session, filters: PaymentFilters) -> tuple[int, int]:
    """(count, sum of amounts) of the filtered payments."""
    stmt = select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount_cents), 0)).select_from(Payment)
    if filters.organisation_id:  # the only filter on the invoice: without it, no join over years of payments
        stmt = stmt.join(Invoice, Invoice.id == Payment.invoice_id)
    stmt = _payment_filter(stmt, filters)
    count, total = session.execute(stmt).one()
    return int(count), int(total)


def organisations_with_invoices(session: Session) -> list[tuple[int, str]]:
    """Organisations that have issued invoices (for filters)."""
    stmt = (select(Organisation.id, Organisation.name)
            .where(select(Invoice.id).where(Invoice.organisation_id == Organisation.id,
                                            Invoice.status == InvoiceStatus.ISSUED).exists())
            .order_by(Organisation.name))
    return [(r.id, r.name) for r in session.execute(stmt).all()]


# --- the dashboard panel of coordination ----------------------------------------------------------------------------

def panel_figures(session: Session, today: date) -> dict:
    """Drafts (invoices, not credit notes), open and overdue invoices (count, amount) in one query."""
    row = session.execute(_drafts_and_owed(today, Invoice.kind == InvoiceKind.INVOICE)).one()
    keys = ("drafts", "drafts_cents", "open", "open_cents", "overdue", "overdue_cents")
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


# --- the portal of an authority -------------------------------------------------------------------------------------

def issued_of(organisation_id: int) -> Select:
    """The organisation's issued invoices and credit notes, newest first."""
    return (select(Invoice)
            .where(Invoice.organisation_id == organisation_id, Invoice.status == InvoiceStatus.ISSUED)
            .order_by(Invoice.issue_date.desc(), Invoice.id.desc()))


def portal_page(session: Session, organisation_id: int, page: int, per_page: int) -> Page:
    return paginate(session, issued_of(organisation_id), page, per_page)


def latest_issued(session: Session, organisation_id: int, limit: int) -> list[Invoice]:
    return list(session.execute(issued_of(organisation_id).limit(limit)).scalars().unique().all())


def document_kinds(session: Session, invoice_ids: list[int]) -> dict[int, list[str]]:
    """The stored document kinds of several invoices, in one query (not their content)."""
    result: dict[int, list[str]] = {i: [] for i in invoice_ids}
    if invoice_ids:
        rows = session.execute(select(InvoiceDocument.invoice_id, InvoiceDocument.kind)
                               .where(InvoiceDocument.invoice_id.in_(invoice_ids)))
        for invoice_id, kind in rows:
            result[invoice_id].append(kind)
    order = {DocumentKind.FACTURX: 0, DocumentKind.PDF: 1}
    return {i: sorted(kinds, key=lambda k: order.get(k, 9)) for i, kinds in result.items()}


def due_of(session: Session, organisation_id: int, today: date) -> tuple[int, int, int, int]:
    """(what is due, open count, what is overdue, overdue count) on the organisation's issued invoices."""
    count, due, late_count, late = session.execute(_owed(today, Invoice.organisation_id == organisation_id)).one()
    return int(due), int(count), int(late), int(late_count)
