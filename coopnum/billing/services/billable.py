"""Billable work and the monthly run.

- **Billable work** of a convention over a period: the sessions *held* whose hours are *validated* (every time
  entry of the session lies in a validated month timesheet), priced by the convention's pricing mode, and the
  months of a flat fee; minus what an active line already bills (``BilledItem``: one session or one month is
  billed once; a credit note releases it).
- A **draft from the work** bills it; the **monthly run** drafts the invoices of every signed convention active in
  the month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from babel.dates import format_date
from sqlalchemy import select
from sqlmodel import Session

from coopnum.billing import amounts
from coopnum.billing.models import (
    BilledItem,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    LineUnit,
)
from coopnum.billing.services.invoices import (
    lock_row,
    new_draft,
)
from coopnum.core import audit, formats
from coopnum.core.clock import month_start, paris_midnight, paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.missions.models import Mission, MissionKind, MissionSession, SessionStatus
from coopnum.organisations.models import Convention, ConventionStatus, PricingMode
from coopnum.reports.services.reports import add_months
from coopnum.timesheets.models import TimeEntry, Timesheet, TimesheetStatus

PARIS_FMT = "dd/MM"


def _month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


def _month_words(day: date) -> str:
    return format_date(day, "MMMM y", locale="fr")


def _period_words(start: date, end: date) -> str:
    if start == month_start(start) and end == _month_end(start):
        return _month_words(start)
    return f"du {format_date(start, 'dd/MM/y', locale='fr')} au {format_date(end, 'dd/MM/y', locale='fr')}"


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def _hours_words(minutes: int) -> str:
    return formats.hours(minutes, "fr")


def _sessions_words(n: int) -> str:
    return formats.count(n, "séance", "séances", "fr")


def _check_period(start: date, end: date) -> None:
    if start is None or end is None:
        raise DomainError("Indiquez le début et la fin de la période.", field="period_start")
    if end < start:
        raise DomainError("La fin de la période précède son début.", field="period_end")
    if (end - start).days > 366:
        raise DomainError("La période ne peut pas dépasser un an.", field="period_end")


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
    months = {month_start(e.day) for e in entries}
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
        if (e.user_id, month_start(e.day)) not in validated:
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
        _add_flat_months(session, work, start, end, price, rate)
    else:
        _add_held_sessions(session, work, start, end, price, rate, now=now)
    return work


def _add_flat_months(session: Session, work: Work, start: date, end: date, price: int, rate: int) -> None:
    """A flat fee: one line per month of the period not billed yet."""
    convention = work.convention
    months = []
    month = month_start(start)
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


def _add_held_sessions(session: Session, work: Work, start: date, end: date, price: int, rate: int, *,
                       now: datetime) -> None:
    """Per hour, session or workshop: the held sessions whose hours are validated, not billed yet, one line per
    mission."""
    convention = work.convention
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
        work.lines.append(_mission_line(convention, sessions, price, rate))


def _mission_line(convention: Convention, sessions: list[MissionSession], price: int, rate: int) -> ProposedLine:
    """The proposed line of one mission's billable sessions, priced by the convention's mode."""
    mission = sessions[0].mission
    place = mission.place.name if mission.place else ""
    days = [paris_today(s.start) for s in sessions]
    detail = "Séances : " + ", ".join(
        f"{format_date(d, PARIS_FMT, locale='fr')} ({_hours_words(s.delivered_minutes)})"
        for d, s in zip(days, sessions, strict=True))
    label = formats.label(mission.title, place)  # a mission named after its place says it once
    minutes = sum(s.delivered_minutes for s in sessions)
    links = [(s.id, s.delivered_minutes) for s in sessions]
    if convention.pricing_mode == PricingMode.HOURLY:
        return ProposedLine(
            LineKind.HOURS, f"{label} : {_sessions_words(len(sessions))}, {_hours_words(minutes)}", detail,
            _hours(minutes), LineUnit.HOUR, price, rate, min(days), max(days), mission.service_id, links)
    kind = LineKind.WORKSHOPS if convention.pricing_mode == PricingMode.PER_WORKSHOP else LineKind.SESSIONS
    unit = LineUnit.WORKSHOP if kind == LineKind.WORKSHOPS else LineUnit.SESSION
    return ProposedLine(
        kind, f"{label} : {_sessions_words(len(sessions))}", detail, Decimal(len(sessions)), unit, price, rate,
        min(days), max(days), mission.service_id, links)


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
        lock_row(session, convention, Convention)
    if convention.status == ConventionStatus.DRAFT:
        raise DomainError("La convention n'est pas signée : rien ne peut encore être facturé.",
                          field="convention_id")
    work = work or billable_work(session, convention, period_start, period_end, now=now)
    if work.empty:
        reasons = []
        if work.unvalidated_sessions:
            reasons.append(formats.count(work.unvalidated_sessions, "séance tenue", "séances tenues", "fr")
                           + " dont les heures ne sont pas validées")
        if work.unconfirmed_sessions:
            reasons.append(formats.count(work.unconfirmed_sessions, "séance passée non confirmée",
                                         "séances passées non confirmées", "fr"))
        if work.already_billed:
            reasons.append(formats.count(work.already_billed, "élément déjà facturé", "éléments déjà facturés", "fr"))
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
    month = month_start(month)
    end = _month_end(month)
    if month > month_start(paris_today(now)):
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
                why += f" ({formats.count(work.unvalidated_sessions, 'séance', 'séances')} aux heures non validées)"
            elif work.already_billed:
                why = "déjà facturé"
            result.skipped.append((convention, why))
            continue
        result.created.append(draft_from_work(session, actor, convention, month, end, now=now, work=work))
    audit.record(session, actor, "create", None,
                 summary=f"Facturation {formats.of(_month_words(month))} : "
                         f"{formats.count(len(result.created), 'brouillon', 'brouillons')}", now=now)
    return result
