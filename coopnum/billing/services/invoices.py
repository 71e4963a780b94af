"""Invoices from the work done, drafts, issue, credit notes and the monthly run.

- **Billable work** of a convention over a period: the sessions *held* whose hours are *validated* (every time
  entry of the session lies in a validated month timesheet), priced by the convention's pricing mode, and the
  months of a flat fee; minus what an active line already bills (``BilledItem``: one session or one month is
  billed once; a credit note releases it).
- **Drafts** are freely edited (lines, quantities, free lines, discounts); they have no number.
- **Issue** gives the number of the year's series inside the transaction that freezes the invoice (seller
  identity, buyer, totals) and stores its rendered documents with their SHA-256; if anything fails, the whole
  transaction rolls back and the number is not burnt. Issued documents are immutable
  (``coopnum.billing.immutability``).
- **Credit notes** have their own series, refer to the invoice, credit all or part of its lines, and release the
  sessions/months of fully credited lines so that they can be billed again.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload
from sqlmodel import Session

from coopnum.billing import amounts, company, numbering
from coopnum.billing.document_inputs import frozen_terms
from coopnum.billing.models import (
    BilledItem,
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    LineUnit,
)
from coopnum.core import audit, settings
from coopnum.core.clock import paris_midnight, paris_today
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import User
from coopnum.core.validation import domain_text
from coopnum.missions.models import (
    Convention,
    ConventionStatus,
    Mission,
    MissionKind,
    MissionSession,
    Organisation,
    PricingMode,
    SessionStatus,
    TimeEntry,
    Timesheet,
    TimesheetStatus,
    VatRegime,
)
from coopnum.missions.services.reports import add_months

PARIS_FMT = "dd/MM"
MAX_LINES = 200
MAX_QUANTITY = Decimal("100000")


# --- helpers --------------------------------------------------------------------------------------------------------

def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return add_months(_month_start(day), 1) - timedelta(days=1)


def _month_words(day: date) -> str:
    return format_date(day, "MMMM y", locale="fr")


def _period_words(start: date, end: date) -> str:
    if start == _month_start(start) and end == _month_end(start):
        return _month_words(start)
    return f"du {format_date(start, 'dd/MM/y', locale='fr')} au {format_date(end, 'dd/MM/y', locale='fr')}"


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def _hours_words(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d}" if m else f"{h} h"


def _lock(session: Session, row, model) -> None:
    """Lock a row until the end of the transaction and reload it as the transactions that held the lock before
    committed it (PostgreSQL: SELECT … FOR UPDATE; SQLite: writing transactions are BEGIN IMMEDIATE, one at a time)."""
    session.flush()
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(model.id).where(model.id == row.id).with_for_update())
    session.refresh(row)


def lock_invoice(session: Session, invoice: Invoice) -> None:
    """Lock the invoice before checking its state: of two requests issuing the same draft at once, the second sees
    the first's number and is refused (Conflict), instead of numbering it again."""
    if invoice.id is not None:
        _lock(session, invoice, Invoice)


def ensure_draft(invoice: Invoice) -> None:
    if not invoice.is_draft:
        raise Conflict(f"La facture {invoice.number} est émise : elle ne peut plus être modifiée. "
                          "Corrigez-la par un avoir.")


def _check_period(start: date, end: date) -> None:
    if start is None or end is None:
        raise DomainError("Indiquez le début et la fin de la période.", field="period_start")
    if end < start:
        raise DomainError("La fin de la période précède son début.", field="period_end")
    if (end - start).days > 366:
        raise DomainError("La période ne peut pas dépasser un an.", field="period_end")


# --- billable work --------------------------------------------------------------------------------------------------

@dataclass
class ProposedLine:
    kind: str
    description: str
    detail: str
    quantity: Decimal
    unit: str
    unit_price_cents: int
    vat_rate_bp: int
    period_start: date
    period_end: date
    service_id: int | None = None
    sessions: list[tuple[int, int]] = field(default_factory=list)  # (session id, minutes)
    months: list[date] = field(default_factory=list)


@dataclass
class Work:
    """What can be billed for a convention over a period, and what is held back (and why)."""

    convention: Convention
    period_start: date
    period_end: date
    lines: list[ProposedLine] = field(default_factory=list)
    unvalidated_sessions: int = 0  # held, but hours not validated yet
    unconfirmed_sessions: int = 0  # started, not confirmed
    already_billed: int = 0  # sessions or months already on an active line

    @property
    def empty(self) -> bool:
        return not self.lines


def _price(convention: Convention) -> int:
    if convention.pricing_mode == PricingMode.MONTHLY_FLAT:
        return convention.monthly_fee_cents or 0
    return convention.unit_price_cents or 0


def _active_billed_session_ids(session: Session, session_ids: list[int]) -> set[int]:
    if not session_ids:
        return set()
    stmt = select(BilledItem.session_id).where(BilledItem.session_id.in_(session_ids),
                                               BilledItem.released_at.is_(None))
    return set(session.execute(stmt).scalars())


def _validated(session: Session, sessions: list[MissionSession]) -> set[int]:
    """Ids of the sessions whose every time entry lies in a validated month."""
    ids = [s.id for s in sessions]
    if not ids:
        return set()
    entries = session.execute(
        select(TimeEntry.session_id, TimeEntry.user_id, TimeEntry.day).where(TimeEntry.session_id.in_(ids))
    ).all()
    users = {e.user_id for e in entries}
    months = {_month_start(e.day) for e in entries}
    validated: set[tuple[int, date]] = set()
    if users:
        validated = {tuple(row) for row in session.execute(
            select(Timesheet.user_id, Timesheet.month).where(
                Timesheet.user_id.in_(users), Timesheet.month.in_(months),
                Timesheet.status == TimesheetStatus.VALIDATED))}
    has_entry: set[int] = set()
    blocked: set[int] = set()
    for e in entries:
        has_entry.add(e.session_id)
        if (e.user_id, _month_start(e.day)) not in validated:
            blocked.add(e.session_id)
    return has_entry - blocked


def billable_work(session: Session, convention: Convention, period_start: date, period_end: date, *,
                  now: datetime) -> Work:
    _check_period(period_start, period_end)
    work = Work(convention, period_start, period_end)
    rate = amounts.rate_of(convention.vat_regime)
    price = _price(convention)
    start = max(period_start, convention.start_date)
    end = min(period_end, convention.end_date)
    if end < start:
        return work

    if convention.pricing_mode == PricingMode.MONTHLY_FLAT:
        months = []
        month = _month_start(start)
        while month <= end:
            months.append(month)
            month = add_months(month, 1)
        billed = set(session.execute(
            select(BilledItem.month).where(BilledItem.convention_id == convention.id, BilledItem.month.in_(months),
                                           BilledItem.released_at.is_(None))).scalars())
        work.already_billed = len(billed)
        for month in months:
            if month in billed:
                continue
            first, last = max(month, convention.start_date), min(_month_end(month), convention.end_date)
            work.lines.append(ProposedLine(
                LineKind.FLAT, f"Forfait mensuel — {convention.title} — {_month_words(month)}", "",
                Decimal(1), LineUnit.MONTH, price, rate, first, last, months=[month]))
        return work

    stmt = (select(MissionSession).join(Mission, Mission.id == MissionSession.mission_id)
            .where(Mission.convention_id == convention.id,
                   MissionSession.start >= paris_midnight(start),
                   MissionSession.start < paris_midnight(end + timedelta(days=1)))
            .order_by(MissionSession.start))
    if convention.pricing_mode == PricingMode.PER_WORKSHOP:
        stmt = stmt.where(Mission.kind.in_((MissionKind.WORKSHOP_SERIES, MissionKind.EVENT)))
    candidates = list(session.execute(stmt).unique().scalars())
    held = [s for s in candidates if s.status == SessionStatus.HELD]
    work.unconfirmed_sessions = sum(1 for s in candidates if s.status == SessionStatus.PLANNED and s.start <= now)
    billed = _active_billed_session_ids(session, [s.id for s in held])
    work.already_billed = len(billed)
    held = [s for s in held if s.id not in billed]
    ok = _validated(session, held)
    work.unvalidated_sessions = sum(1 for s in held if s.id not in ok)
    by_mission: dict[int, list[MissionSession]] = defaultdict(list)
    for s in held:
        if s.id in ok:
            by_mission[s.mission_id].append(s)
    for sessions in by_mission.values():
        mission = sessions[0].mission
        place = mission.place.name if mission.place else ""
        days = [paris_today(s.start) for s in sessions]
        detail = "Séances : " + ", ".join(
            f"{format_date(d, PARIS_FMT, locale='fr')} ({_hours_words(s.delivered_minutes)})"
            for d, s in zip(days, sessions, strict=True))
        label = f"{mission.title} — {place}" if place else mission.title
        minutes = sum(s.delivered_minutes for s in sessions)
        links = [(s.id, s.delivered_minutes) for s in sessions]
        if convention.pricing_mode == PricingMode.HOURLY:
            work.lines.append(ProposedLine(
                LineKind.HOURS, f"{label} : {len(sessions)} séance(s), {_hours_words(minutes)}", detail,
                _hours(minutes), LineUnit.HOUR, price, rate, min(days), max(days), mission.service_id, links))
        else:
            kind = LineKind.WORKSHOPS if convention.pricing_mode == PricingMode.PER_WORKSHOP else LineKind.SESSIONS
            unit = LineUnit.WORKSHOP if kind == LineKind.WORKSHOPS else LineUnit.SESSION
            work.lines.append(ProposedLine(
                kind, f"{label} : {len(sessions)} séance(s)", detail, Decimal(len(sessions)), unit, price, rate,
                min(days), max(days), mission.service_id, links))
    return work


# --- drafts ---------------------------------------------------------------------------------------------------------

def _copy_buyer(invoice: Invoice, org: Organisation) -> None:
    invoice.buyer_name = org.name
    invoice.buyer_address = org.address
    invoice.buyer_address_complement = org.address_complement or ""
    invoice.buyer_postal_code = org.postal_code
    invoice.buyer_city = org.city
    invoice.buyer_siret = org.siret
    invoice.buyer_vat_number = org.vat_number
    invoice.buyer_email = org.email


def new_draft(session: Session, actor: User | None, organisation: Organisation, *,
              convention: Convention | None = None, title: str = "", period_start: date | None = None,
              period_end: date | None = None, now: datetime) -> Invoice:
    if convention is not None and convention.organisation_id != organisation.id:
        raise DomainError("Cette convention n'est pas celle de cette structure.", field="convention_id")
    invoice = Invoice(organisation_id=organisation.id, convention_id=convention.id if convention else None,
                      title=title.strip()[:200], period_start=period_start, period_end=period_end,
                      created_by_id=actor.id if actor else None)
    invoice.organisation = organisation
    _copy_buyer(invoice, organisation)
    if convention is not None:
        invoice.vat_regime = convention.vat_regime
        invoice.payment_terms_days = convention.payment_terms_days
        invoice.chorus_buyer_siret = convention.chorus_buyer_siret
        invoice.chorus_service_code = convention.chorus_service_code
        invoice.chorus_engagement_number = convention.chorus_engagement_number
        if not title:
            invoice.title = f"{convention.reference} — {convention.title}"[:200]
    else:
        invoice.payment_terms_days = int(settings.get(session, "billing.payment_terms_days"))
    session.add(invoice)
    session.flush()
    audit.record(session, actor, "create", invoice, summary=f"Brouillon de facture pour {organisation.name}",
                 now=now)
    return invoice


def _add_proposed(session: Session, invoice: Invoice, proposed: ProposedLine, position: int) -> InvoiceLine:
    line = InvoiceLine(invoice_id=invoice.id, position=position, kind=proposed.kind,
                       description=proposed.description[:300], detail=proposed.detail,
                       quantity=proposed.quantity, unit=proposed.unit, unit_price_cents=proposed.unit_price_cents,
                       vat_rate_bp=proposed.vat_rate_bp, period_start=proposed.period_start,
                       period_end=proposed.period_end, service_id=proposed.service_id)
    invoice.lines.append(line)
    session.flush()
    for session_id, minutes in proposed.sessions:
        session.add(BilledItem(line_id=line.id, session_id=session_id, convention_id=invoice.convention_id,
                               minutes=minutes))
    for month in proposed.months:
        session.add(BilledItem(line_id=line.id, convention_id=invoice.convention_id, month=month))
    return line


def draft_from_work(session: Session, actor: User | None, convention: Convention, period_start: date,
                    period_end: date, *, now: datetime, work: Work | None = None) -> Invoice:
    """A draft invoice billing the convention's work of the period (DomainError if there is nothing to bill).

    The convention's row is locked first (unless the monthly run did), so that two drafts of the same work made at
    once run one after the other: the second finds the work billed."""
    if work is None:
        _lock(session, convention, Convention)
    if convention.status == ConventionStatus.DRAFT:
        raise DomainError("La convention n'est pas signée : rien ne peut encore être facturé.",
                          field="convention_id")
    work = work or billable_work(session, convention, period_start, period_end, now=now)
    if work.empty:
        reasons = []
        if work.unvalidated_sessions:
            reasons.append(f"{work.unvalidated_sessions} séance(s) tenue(s) dont les heures ne sont pas validées")
        if work.unconfirmed_sessions:
            reasons.append(f"{work.unconfirmed_sessions} séance(s) passée(s) non confirmée(s)")
        if work.already_billed:
            reasons.append(f"{work.already_billed} élément(s) déjà facturé(s)")
        more = f" ({', '.join(reasons)})" if reasons else ""
        raise DomainError(f"Rien à facturer pour {convention.reference} {_period_words(period_start, period_end)}"
                          f"{more}.", field="period_start")
    invoice = new_draft(session, actor, convention.organisation, convention=convention,
                        title=f"{convention.title} — {_period_words(period_start, period_end)}",
                        period_start=period_start, period_end=period_end, now=now)
    for position, proposed in enumerate(work.lines, start=1):
        _add_proposed(session, invoice, proposed, position)
    amounts.apply(invoice)
    session.flush()
    return invoice


def _quantity(value) -> Decimal:
    try:
        q = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("Quantité invalide : écrivez par exemple 3 ou 2,5.", field="quantity") from exc
    if not q.is_finite() or q <= 0 or q > MAX_QUANTITY:
        raise DomainError("La quantité doit être positive (et raisonnable).", field="quantity")
    if q != q.quantize(Decimal("0.001")):
        raise DomainError("La quantité a au plus trois décimales.", field="quantity")
    return q


def _discount(value) -> Decimal:
    try:
        d = Decimal(str(value or 0).replace(",", ".").replace("%", "").strip() or "0")
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("Remise invalide : un pourcentage entre 0 et 100.", field="discount_percent") from exc
    if not d.is_finite() or d < 0 or d > 100 or d != d.quantize(Decimal("0.01")):
        raise DomainError("La remise est un pourcentage entre 0 et 100 (deux décimales au plus).",
                          field="discount_percent")
    return d


def _check_line_values(description: str, unit: str, unit_price_cents: int) -> str:
    text = domain_text(description, field="description", label="La description")
    if not text:
        raise DomainError("Décrivez la prestation facturée.", field="description")
    if len(text) > 300:
        raise DomainError("La description est limitée à 300 caractères.", field="description")
    if unit not in set(LineUnit):
        raise DomainError("Unité inconnue.", field="unit")
    if abs(unit_price_cents) >= 10_000_000_00:
        raise DomainError("Prix unitaire trop élevé.", field="unit_price_cents")
    return text


def _detail(detail: str | None) -> str:
    return domain_text(detail, field="detail", label="Le détail de la ligne", multiline=True, max_length=2000)


def _allowed_rate(invoice: Invoice, vat_rate_bp: int | None) -> int:
    regime_rate = amounts.rate_of(invoice.vat_regime)
    if vat_rate_bp is None:
        return regime_rate
    if invoice.vat_regime != VatRegime.STANDARD and vat_rate_bp != 0:
        raise DomainError("Sans TVA (franchise ou exonération), le taux de TVA est 0 %.", field="vat_rate_bp")
    if vat_rate_bp not in (0, 210, 550, 1000, 2000):
        raise DomainError("Taux de TVA inconnu (20 %, 10 %, 5,5 %, 2,1 % ou 0 %).", field="vat_rate_bp")
    return vat_rate_bp


def add_line(session: Session, actor: User | None, invoice: Invoice, *, description: str, quantity,
             unit: str = LineUnit.UNIT, unit_price_cents: int, discount_percent=0, vat_rate_bp: int | None = None,
             detail: str = "", service_id: int | None = None, now: datetime) -> InvoiceLine:
    ensure_draft(invoice)
    if len(invoice.lines) >= MAX_LINES:
        raise DomainError(f"Une facture a au plus {MAX_LINES} lignes.")
    text = _check_line_values(description, unit, unit_price_cents)
    line = InvoiceLine(invoice_id=invoice.id, position=max((ln.position for ln in invoice.lines), default=0) + 1,
                       kind=LineKind.FREE, description=text, detail=_detail(detail),
                       quantity=_quantity(quantity), unit=unit, unit_price_cents=int(unit_price_cents),
                       discount_percent=_discount(discount_percent), vat_rate_bp=_allowed_rate(invoice, vat_rate_bp),
                       service_id=service_id)
    invoice.lines.append(line)
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary=f"Ligne ajoutée : {text}", now=now)
    return line


def update_line(session: Session, actor: User | None, invoice: Invoice, line: InvoiceLine, *, description: str,
                quantity, unit_price_cents: int, discount_percent=0, unit: str | None = None,
                vat_rate_bp: int | None = None, detail: str | None = None, now: datetime) -> InvoiceLine:
    """Edit a draft line. The quantity of a line billing sessions or months may be changed (e.g. a gesture), its
    links stay: removing a session from the bill is done by deleting the line and drafting again."""
    ensure_draft(invoice)
    if line.invoice_id != invoice.id:
        raise DomainError("Cette ligne n'appartient pas à cette facture.")
    before = {"description": line.description, "quantity": str(line.quantity),
              "unit_price_cents": line.unit_price_cents, "discount_percent": str(line.discount_percent)}
    line.description = _check_line_values(description, unit or line.unit, unit_price_cents)
    line.quantity = _quantity(quantity)
    line.unit_price_cents = int(unit_price_cents)
    line.discount_percent = _discount(discount_percent)
    if unit is not None:
        line.unit = unit
    if vat_rate_bp is not None:
        line.vat_rate_bp = _allowed_rate(invoice, vat_rate_bp)
    if detail is not None:
        line.detail = _detail(detail)
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary=f"Ligne modifiée : {line.description}", before=before,
                 after={"description": line.description, "quantity": str(line.quantity),
                        "unit_price_cents": line.unit_price_cents, "discount_percent": str(line.discount_percent)},
                 now=now)
    return line


def delete_line(session: Session, actor: User | None, invoice: Invoice, line: InvoiceLine, *,
                now: datetime) -> None:
    """Remove a draft line; the sessions/months it billed become billable again."""
    ensure_draft(invoice)
    if line.invoice_id != invoice.id:
        raise DomainError("Cette ligne n'appartient pas à cette facture.")
    for item in session.execute(select(BilledItem).where(BilledItem.line_id == line.id)).scalars():
        session.delete(item)
    invoice.lines.remove(line)
    session.delete(line)
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary=f"Ligne supprimée : {line.description}", now=now)


def update_header(session: Session, actor: User | None, invoice: Invoice, *, title: str, notes: str,
                  payment_terms_days: int, vat_regime: str | None = None, period_start: date | None = None,
                  period_end: date | None = None, chorus_service_code: str | None = None,
                  chorus_engagement_number: str | None = None, now: datetime) -> Invoice:
    ensure_draft(invoice)
    if not 0 <= int(payment_terms_days) <= 60:
        raise DomainError("Le délai de paiement est de 60 jours au plus (art. L441-10 du Code de commerce).",
                          field="payment_terms_days")
    if period_start and period_end and period_end < period_start:
        raise DomainError("La fin de la période précède son début.", field="period_end")
    invoice.title = domain_text(title, field="title", label="L'objet", max_length=200)
    invoice.notes = domain_text(notes, field="notes", label="Les mentions particulières", multiline=True)
    invoice.payment_terms_days = int(payment_terms_days)
    invoice.period_start, invoice.period_end = period_start, period_end
    invoice.chorus_service_code = domain_text(chorus_service_code, field="chorus_service_code",
                                              label="Le code service", max_length=100) or None
    invoice.chorus_engagement_number = domain_text(chorus_engagement_number, field="chorus_engagement_number",
                                                   label="Le numéro d'engagement", max_length=50) or None
    if vat_regime is not None and vat_regime != invoice.vat_regime:
        invoice.vat_regime = VatRegime(vat_regime)
        rate = amounts.rate_of(invoice.vat_regime)
        for line in invoice.lines:
            line.vat_rate_bp = rate
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary="En-tête du brouillon modifié", now=now)
    return invoice


def delete_draft(session: Session, actor: User | None, invoice: Invoice, *, now: datetime) -> None:
    ensure_draft(invoice)
    line_ids = [ln.id for ln in invoice.lines]
    if line_ids:
        for item in session.execute(select(BilledItem).where(BilledItem.line_id.in_(line_ids))).scalars():
            session.delete(item)
    audit.record(session, actor, "delete", invoice, summary=f"Brouillon supprimé ({invoice.buyer_name})", now=now)
    session.delete(invoice)
    session.flush()


# --- issue ----------------------------------------------------------------------------------------------------------

def issue_blockers(invoice: Invoice, seller: dict) -> list[str]:
    """Everything that stops the invoice from being issued (empty: it can be issued)."""
    blockers = []
    if gaps := company.missing(seller):
        blockers.append("Complétez l'identité de la coopérative (Administration → Identité et facturation) "
                        f"avant d'émettre : {', '.join(gaps)}.")
    if not invoice.lines:
        blockers.append("La facture n'a aucune ligne.")
    missing = [label for label, value in (("nom", invoice.buyer_name), ("adresse", invoice.buyer_address),
                                          ("code postal", invoice.buyer_postal_code), ("ville", invoice.buyer_city))
               if not (value or "").strip()]
    if missing:
        blockers.append(f"Complétez la structure facturée ({', '.join(missing)}), puis recréez le brouillon.")
    if not (invoice.buyer_siret or invoice.chorus_buyer_siret):
        blockers.append("Le SIRET de la structure facturée est obligatoire (mention légale et Chorus Pro).")
    if invoice.vat_regime == VatRegime.TRAINING_EXEMPT and not seller.get("training_declaration"):
        blockers.append("L'exonération de TVA de la formation exige le numéro de déclaration d'activité "
                        "de la coopérative (Identité et facturation).")
    if invoice.kind == InvoiceKind.INVOICE and invoice.lines and invoice.total_incl_cents <= 0:
        blockers.append("Le total d'une facture doit être positif ; pour rembourser, établissez un avoir.")
    if any(line.total_excl_cents == 0 for line in invoice.lines):
        blockers.append("Une ligne a un montant nul : supprimez-la ou indiquez son prix.")
    return blockers


def _check_before_issue(invoice: Invoice, seller: dict) -> None:
    blockers = issue_blockers(invoice, seller)
    if blockers:
        raise DomainError(" ".join(blockers) if len(blockers) < 3 else blockers[0])


def series_for(session: Session, kind: str, year: int) -> str:
    key = "billing.credit_note_prefix" if kind == InvoiceKind.CREDIT_NOTE else "billing.invoice_prefix"
    return f"{settings.get(session, key)}{year}"


Renderer = Callable[[Invoice], Iterable]


def _store_documents(session: Session, invoice: Invoice, render: Renderer | None) -> None:
    if render is None:
        from coopnum.billing import documents

        render = documents.render
    for doc in render(invoice):
        session.add(InvoiceDocument(invoice_id=invoice.id, kind=doc.kind, filename=doc.filename,
                                    content=doc.content, sha256=hashlib.sha256(doc.content).hexdigest(),
                                    size=len(doc.content)))


def issue(session: Session, actor: User | None, invoice: Invoice, *, now: datetime,
          render: Renderer | None = None) -> Invoice:
    """Number, freeze and render the invoice in the current transaction (commit it right after)."""
    lock_invoice(session, invoice)
    ensure_draft(invoice)
    actor_id = actor.id if actor else None  # read before any change (loading it could autoflush)
    seller = company.identity(session)
    amounts.apply(invoice)
    _check_before_issue(invoice, seller)
    today = paris_today(now)
    series = series_for(session, invoice.kind, today.year)
    sequence = numbering.next_value(session, series)
    invoice.series, invoice.sequence = series, sequence
    invoice.number = numbering.format_number(series, sequence)
    invoice.seller = {**seller, **frozen_terms(session)}  # the mentions in force on the issue date, frozen
    invoice.issue_date = today
    invoice.due_date = today + timedelta(days=invoice.payment_terms_days) if invoice.kind == InvoiceKind.INVOICE \
        else None
    invoice.issued_at, invoice.issued_by_id = now, actor_id
    invoice.status = InvoiceStatus.ISSUED  # last: from the next flush on, the invoice is frozen
    session.flush()
    _store_documents(session, invoice, render)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        _apply_credit(session, invoice, now=now)
    session.flush()
    what = "Avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Facture"
    audit.record(session, actor, "issue", invoice,
                 summary=f"{what} {invoice.number} émis(e) : {invoice.total_incl_cents / 100:.2f} € TTC",
                 after={"number": invoice.number, "total_incl_cents": invoice.total_incl_cents}, now=now)
    return invoice


def documents_of(session: Session, invoice: Invoice) -> dict[str, InvoiceDocument]:
    rows = session.execute(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id)).scalars()
    return {d.kind: d for d in rows}


def document(session: Session, invoice: Invoice, kind: str = DocumentKind.FACTURX) -> InvoiceDocument | None:
    return session.execute(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id,
                                                         InvoiceDocument.kind == kind)).scalar_one_or_none()


# --- credit notes ---------------------------------------------------------------------------------------------------

def credited_quantities(session: Session, invoice: Invoice) -> dict[int, Decimal]:
    """Quantity already credited per line of the invoice (by issued credit notes)."""
    line_ids = [ln.id for ln in invoice.lines]
    if not line_ids:
        return {}
    stmt = (select(InvoiceLine.credited_line_id, func.sum(InvoiceLine.quantity))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.credited_line_id.in_(line_ids), Invoice.status == InvoiceStatus.ISSUED)
            .group_by(InvoiceLine.credited_line_id))
    return {line_id: Decimal(q) for line_id, q in session.execute(stmt).all()}


def _apply_credit(session: Session, credit_note: Invoice, *, now: datetime) -> None:
    original = session.get(Invoice, credit_note.credit_of_id)
    original.credited_cents += credit_note.total_incl_cents
    credited = credited_quantities(session, original)
    for line in credit_note.lines:
        source = session.get(InvoiceLine, line.credited_line_id) if line.credited_line_id else None
        if source is not None and credited.get(source.id, Decimal(0)) >= source.quantity:
            session.execute(
                BilledItem.__table__.update()
                .where(BilledItem.line_id == source.id, BilledItem.released_at.is_(None))
                .values(released_at=now, released_by_id=credit_note.id))


def create_credit_note(session: Session, actor: User | None, invoice: Invoice, *, reason: str,
                       lines: dict[int, object] | None = None, now: datetime, issue_now: bool = True,
                       render: Renderer | None = None) -> Invoice:
    """A credit note for the whole remaining invoice (``lines=None``) or for the given quantities per line id."""
    if invoice.is_draft:
        raise DomainError("Un brouillon se modifie ou se supprime : pas d'avoir sur un brouillon.")
    if invoice.is_credit_note:
        raise DomainError("On ne fait pas d'avoir sur un avoir.")
    reason = domain_text(reason, field="reason", label="Le motif de l'avoir", max_length=150)
    if not reason:
        raise DomainError("Indiquez le motif de l'avoir.", field="reason")
    already = credited_quantities(session, invoice)
    by_id = {ln.id: ln for ln in invoice.lines}
    wanted: dict[int, Decimal] = {}
    if lines is None:
        wanted = {ln.id: ln.quantity - already.get(ln.id, Decimal(0)) for ln in invoice.lines}
        wanted = {k: v for k, v in wanted.items() if v > 0}
    else:
        for line_id, quantity in lines.items():
            line = by_id.get(int(line_id))
            if line is None:
                raise DomainError("Cette ligne n'appartient pas à la facture.", field="lines")
            q = Decimal(0) if quantity in (None, "", 0, "0") else _quantity(quantity)
            if q == 0:
                continue
            remaining = line.quantity - already.get(line.id, Decimal(0))
            if q > remaining:
                raise DomainError(f"« {line.description[:60]} » : {remaining.normalize():f} au plus restent à "
                                  "créditer.", field="lines")
            wanted[line.id] = q
    if not wanted:
        raise DomainError("Rien à créditer : la facture est déjà entièrement créditée, ou aucune quantité "
                          "n'est indiquée.", field="lines")
    note = Invoice(kind=InvoiceKind.CREDIT_NOTE, organisation_id=invoice.organisation_id,
                   convention_id=invoice.convention_id, credit_of_id=invoice.id,
                   title=f"Avoir sur la facture {invoice.number} — {reason}"[:200], notes=reason,
                   period_start=invoice.period_start, period_end=invoice.period_end,
                   payment_terms_days=0, vat_regime=invoice.vat_regime,
                   chorus_buyer_siret=invoice.chorus_buyer_siret, chorus_service_code=invoice.chorus_service_code,
                   chorus_engagement_number=invoice.chorus_engagement_number, created_by_id=actor.id if actor else None)
    for name in ("buyer_name", "buyer_address", "buyer_address_complement", "buyer_postal_code", "buyer_city",
                 "buyer_siret", "buyer_vat_number", "buyer_email"):
        setattr(note, name, getattr(invoice, name))
    session.add(note)
    session.flush()
    for position, (line_id, quantity) in enumerate(wanted.items(), start=1):
        src = by_id[line_id]
        note.lines.append(InvoiceLine(
            invoice_id=note.id, position=position, kind=LineKind.CREDIT, description=src.description,
            detail=src.detail, quantity=quantity, unit=src.unit, unit_price_cents=src.unit_price_cents,
            discount_percent=src.discount_percent, vat_rate_bp=src.vat_rate_bp, period_start=src.period_start,
            period_end=src.period_end, service_id=src.service_id, credited_line_id=src.id))
    amounts.apply(note)
    remaining_incl = invoice.total_incl_cents - invoice.credited_cents
    if note.total_incl_cents > remaining_incl:
        raise DomainError("L'avoir dépasserait le montant restant de la facture.", field="lines")
    session.flush()
    audit.record(session, actor, "create", note, summary=f"Avoir sur {invoice.number} : {reason}", now=now)
    if issue_now:
        issue(session, actor, note, now=now, render=render)
    return note


def credit_notes_of(session: Session, invoice: Invoice) -> list[Invoice]:
    return list(session.execute(select(Invoice).where(Invoice.credit_of_id == invoice.id)
                                .order_by(Invoice.id)).unique().scalars())


# --- the monthly run ------------------------------------------------------------------------------------------------

@dataclass
class RunResult:
    month: date
    created: list[Invoice] = field(default_factory=list)
    skipped: list[tuple[Convention, str]] = field(default_factory=list)


def active_conventions(session: Session, start: date, end: date) -> list[Convention]:
    stmt = (select(Convention).where(Convention.status == ConventionStatus.SIGNED, Convention.start_date <= end,
                                     Convention.end_date >= start)
            .order_by(Convention.reference))
    return list(session.execute(stmt).unique().scalars())


def monthly_run(session: Session, actor: User | None, month: date, *, now: datetime) -> RunResult:
    """Draft the invoices of every signed convention active in the month (one per convention with work to bill;
    a convention that already has a draft for the month is skipped)."""
    month = _month_start(month)
    end = _month_end(month)
    if month > _month_start(paris_today(now)):
        raise DomainError("On ne facture pas un mois à venir.", field="month")
    result = RunResult(month)
    conventions = active_conventions(session, month, end)
    if conventions and session.get_bind().dialect.name != "sqlite":
        # runs of the same month at once run one after the other (locks in the order of the ids: no deadlock); the
        # drafts are read after the locks, so the second run sees the first one's drafts and skips them
        session.execute(select(Convention.id).where(Convention.id.in_([c.id for c in conventions]))
                        .order_by(Convention.id).with_for_update())
    drafts = set(session.execute(
        select(Invoice.convention_id).where(Invoice.status == InvoiceStatus.DRAFT,
                                            Invoice.kind == InvoiceKind.INVOICE,
                                            Invoice.period_start == month, Invoice.period_end == end)).scalars())
    for convention in conventions:
        if convention.id in drafts:
            result.skipped.append((convention, "un brouillon existe déjà pour ce mois"))
            continue
        work = billable_work(session, convention, month, end, now=now)
        if work.empty:
            why = "rien à facturer"
            if work.unvalidated_sessions:
                why += f" ({work.unvalidated_sessions} séance(s) aux heures non validées)"
            elif work.already_billed:
                why = "déjà facturé"
            result.skipped.append((convention, why))
            continue
        result.created.append(draft_from_work(session, actor, convention, month, end, now=now, work=work))
    audit.record(session, actor, "create", None,
                 summary=f"Facturation de {_month_words(month)} : {len(result.created)} brouillon(s)", now=now)
    return result


# --- queries --------------------------------------------------------------------------------------------------------

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
    balance = Invoice.total_incl_cents - Invoice.credited_cents - Invoice.paid_cents
    if filters.state in ("open", "overdue", "paid"):
        stmt = stmt.where(Invoice.status == InvoiceStatus.ISSUED, Invoice.kind == InvoiceKind.INVOICE)
        if filters.state == "paid":
            stmt = stmt.where(balance <= 0)
        else:
            stmt = stmt.where(balance > 0)
        if filters.state == "overdue":
            stmt = stmt.where(Invoice.due_date < today)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(or_(Invoice.number.ilike(like), Invoice.buyer_name.ilike(like),
                              Invoice.title.ilike(like)))
    return stmt.order_by(Invoice.status.asc(), Invoice.issue_date.desc().nulls_first(), Invoice.id.desc())


def billed_sessions(session: Session, invoice: Invoice) -> dict[int, list[BilledItem]]:
    """The billed items of each line (line id → items), in one query."""
    line_ids = [ln.id for ln in invoice.lines]
    out: dict[int, list[BilledItem]] = defaultdict(list)
    if line_ids:
        for item in session.execute(select(BilledItem).where(BilledItem.line_id.in_(line_ids))
                                    .order_by(BilledItem.id)).scalars():
            out[item.line_id].append(item)
    return out


def invoice_of_session(session: Session, session_id: int) -> Invoice | None:
    """The invoice billing a session now (draft or issued), if any."""
    stmt = (select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .join(BilledItem, BilledItem.line_id == InvoiceLine.id)
            .where(BilledItem.session_id == session_id, BilledItem.released_at.is_(None)))
    return session.execute(stmt).unique().scalars().first()


def is_session_billed(session: Session, session_id: int) -> bool:
    return session.execute(select(exists().where(BilledItem.session_id == session_id,
                                                 BilledItem.released_at.is_(None)))).scalar()


def load_with_lines(session: Session, invoice_id: int) -> Invoice | None:
    return session.execute(select(Invoice).where(Invoice.id == invoice_id)
                           .options(selectinload(Invoice.lines))).unique().scalar_one_or_none()
