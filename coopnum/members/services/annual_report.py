"""The annual report for the ordinary general assembly (AGO): the year's figures the cooperative already holds,
assembled for the members.

::

    report = annual_report(session, 2025, now=now)          # an AnnualReport of plain values
    attach(session, actor, assembly, report.year, content=pdf_bytes, now=now)   # an AssemblyDocument

A fixed number of aggregate queries (GROUP BY), whatever the number of authorities, sessions or invoices:

* activity per authority (the organisation of the conventions): the **held** sessions starting in the year (Paris
  time) and their hours, counted as the reports to authorities count them (``missions.services.reports``): the
  session's confirmed ``held_minutes``, else its planned duration;
* people helped by theme (activity reports, CRA, dated in the year): one person per individual accompaniment, the
  participants of a collective workshop; an activity with several themes counts for each of them;
* revenue per authority: invoiced = issued invoices less issued credit notes, by issue date in the year (excl. and
  incl. VAT); collected = payments received in the year (incl. VAT);
* receivables at the year's end (or today, for the year in progress): issued invoices, their balance on that day
  (total less the credit notes issued and the payments received by then), of which overdue (due before that day);
* capital (``capital.total`` on the eve of the year and on its last day) and the ledger's lines of the year by kind;
* members: admitted and gone in the year (the dated status changes), members at the year's end by college (their
  college on that day: the last dated move).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select, true
from sqlmodel import Session

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity
from coopnum.activities.services import reference_lists
from coopnum.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from coopnum.core import clock
from coopnum.core.clock import paris_midnight, paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.members.models import (
    Assembly,
    AssemblyDocument,
    AssemblyKind,
    AssemblyStatus,
    CapitalOperation,
    College,
    CollegeMove,
    Member,
    MemberStatus,
    MemberStatusChange,
)
from coopnum.members.services import assemblies
from coopnum.members.services import capital as capital_services
from coopnum.missions.models import Mission, MissionSession, SessionStatus, planned_minutes_sql
from coopnum.organisations.models import Convention, Organisation
from coopnum.reports.services.reports import hours

MIN_YEAR, MAX_YEAR = 2000, 2100
LEFT = (MemberStatus.RESIGNED, MemberStatus.EXCLUDED, MemberStatus.DECEASED)


# --- the figures ----------------------------------------------------------------------------------------------------

@dataclass
class AuthorityFigures:
    organisation_id: int
    name: str
    sessions_held: int = 0
    minutes_delivered: int = 0
    invoiced_excl_cents: int = 0  # invoices less credit notes issued in the year
    invoiced_incl_cents: int = 0
    collected_cents: int = 0  # payments received in the year
    receivable_cents: int = 0  # balance of its issued invoices at the year's end
    overdue_cents: int = 0  # of which past their due date

    @property
    def hours_delivered(self) -> Decimal:
        return hours(self.minutes_delivered)


@dataclass(frozen=True)
class ThemeFigures:
    value: str
    label: str
    people: int
    activities: int


@dataclass(frozen=True)
class CapitalKindFigures:
    kind: str
    operations: int
    shares: int
    capital_cents: int  # shares × nominal (signed)
    amount_cents: int  # money (signed: a reimbursement is negative)


@dataclass(frozen=True)
class CollegeCount:
    college_id: int | None
    name: str
    members: int


@dataclass
class AnnualReport:
    year: int
    date_from: date
    date_to: date
    as_of: date  # the day receivables and members are counted: the year's end, or today for the current year
    generated_at: datetime
    authorities: list[AuthorityFigures] = field(default_factory=list)
    themes: list[ThemeFigures] = field(default_factory=list)
    people_helped: int = 0
    individual: int = 0
    workshops: int = 0
    participants: int = 0
    receivable_invoices: int = 0  # invoices with a balance at ``as_of``
    overdue_invoices: int = 0
    capital_start: capital_services.Balance = field(default_factory=capital_services.Balance)
    capital_end: capital_services.Balance = field(default_factory=capital_services.Balance)
    capital_by_kind: list[CapitalKindFigures] = field(default_factory=list)
    admitted: int = 0
    left: dict[str, int] = field(default_factory=dict)  # status → count
    members_by_college: list[CollegeCount] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(getattr(a, name) for a in self.authorities)

    @property
    def sessions_held(self) -> int:
        return self._sum("sessions_held")

    @property
    def minutes_delivered(self) -> int:
        return self._sum("minutes_delivered")

    @property
    def hours_delivered(self) -> Decimal:
        return hours(self.minutes_delivered)

    @property
    def invoiced_excl_cents(self) -> int:
        return self._sum("invoiced_excl_cents")

    @property
    def invoiced_incl_cents(self) -> int:
        return self._sum("invoiced_incl_cents")

    @property
    def collected_cents(self) -> int:
        return self._sum("collected_cents")

    @property
    def receivable_cents(self) -> int:
        return self._sum("receivable_cents")

    @property
    def overdue_cents(self) -> int:
        return self._sum("overdue_cents")

    @property
    def left_total(self) -> int:
        return sum(self.left.values())

    @property
    def members_end(self) -> int:
        return sum(c.members for c in self.members_by_college)

    def capital_kind(self, kind: str) -> CapitalKindFigures:
        for row in self.capital_by_kind:
            if row.kind == kind:
                return row
        return CapitalKindFigures(kind, 0, 0, 0, 0)


def check_year(year: int) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError) as exc:
        raise DomainError("Année invalide.", field="year") from exc
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(f"Année invalide : elle doit être comprise entre {MIN_YEAR} et {MAX_YEAR}.", field="year")
    return year


def annual_report(session: Session, year: int, *, now: datetime | None = None) -> AnnualReport:
    """The figures of ``year`` (see the module's doc); ``now`` (default: the clock) bounds the year in progress."""
    year = check_year(year)
    now = now or clock.now()
    start, end = date(year, 1, 1), date(year, 12, 31)
    as_of = min(end, paris_today(now))
    report = AnnualReport(year=year, date_from=start, date_to=end, as_of=as_of, generated_at=now)
    authorities: dict[int, AuthorityFigures] = {}
    _sessions_held(session, authorities, start, end)
    _invoiced(session, authorities, start, end)
    _collected(session, authorities, start, end)
    _receivables(session, report, authorities, as_of)
    report.authorities = sorted(authorities.values(),
                                key=lambda a: (-a.sessions_held, -a.invoiced_excl_cents, a.name.lower()))
    _people_helped(session, report, start, end)
    _capital(session, report, start, end)
    _members(session, report, start, end, as_of)
    return report


def _authority(authorities: dict[int, AuthorityFigures], org_id: int, name: str) -> AuthorityFigures:
    if org_id not in authorities:
        authorities[org_id] = AuthorityFigures(org_id, name)
    return authorities[org_id]


def _sessions_held(session: Session, authorities: dict, start: date, end: date) -> None:
    """Held sessions and their hours, per authority (as the reports to authorities count them)."""
    duration = func.coalesce(MissionSession.held_minutes, planned_minutes_sql(session))
    rows = session.execute(
        select(Organisation.id, Organisation.name, func.count(MissionSession.id),
               func.coalesce(func.sum(duration), 0))
        .select_from(MissionSession)
        .join(Mission, Mission.id == MissionSession.mission_id)
        .join(Convention, Convention.id == Mission.convention_id)
        .join(Organisation, Organisation.id == Convention.organisation_id)
        .where(MissionSession.status == SessionStatus.HELD, MissionSession.start >= paris_midnight(start),
               MissionSession.start < paris_midnight(end + timedelta(days=1)))
        .group_by(Organisation.id, Organisation.name)).all()
    for org_id, name, count, minutes in rows:
        row = _authority(authorities, org_id, name)
        row.sessions_held, row.minutes_delivered = int(count), int(round(float(minutes)))


def _invoiced(session: Session, authorities: dict, start: date, end: date) -> None:
    """Revenue invoiced: issued invoices less issued credit notes, by issue date in the year."""
    sign = case((Invoice.kind == InvoiceKind.CREDIT_NOTE, -1), else_=1)
    rows = session.execute(
        select(Organisation.id, Organisation.name, func.coalesce(func.sum(sign * Invoice.total_excl_cents), 0),
               func.coalesce(func.sum(sign * Invoice.total_incl_cents), 0))
        .select_from(Invoice).join(Organisation, Organisation.id == Invoice.organisation_id)
        .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.issue_date >= start, Invoice.issue_date <= end)
        .group_by(Organisation.id, Organisation.name)).all()
    for org_id, name, excl, incl in rows:
        row = _authority(authorities, org_id, name)
        row.invoiced_excl_cents, row.invoiced_incl_cents = int(excl), int(incl)


def _collected(session: Session, authorities: dict, start: date, end: date) -> None:
    """Revenue collected: payments received in the year (refunds are negative payments)."""
    rows = session.execute(
        select(Organisation.id, Organisation.name, func.coalesce(func.sum(Payment.amount_cents), 0))
        .select_from(Payment).join(Invoice, Invoice.id == Payment.invoice_id)
        .join(Organisation, Organisation.id == Invoice.organisation_id)
        .where(Payment.received_on >= start, Payment.received_on <= end)
        .group_by(Organisation.id, Organisation.name)).all()
    for org_id, name, collected in rows:
        _authority(authorities, org_id, name).collected_cents = int(collected)


def _receivables(session: Session, report: AnnualReport, authorities: dict, as_of: date) -> None:
    """Receivables on ``as_of``: each issued invoice's balance on that day, summed per authority."""
    paid = (select(Payment.invoice_id.label("invoice_id"), func.sum(Payment.amount_cents).label("cents"))
            .where(Payment.received_on <= as_of).group_by(Payment.invoice_id).subquery())
    credit = Invoice.__table__.alias("credit")
    credited = (select(credit.c.credit_of_id.label("invoice_id"), func.sum(credit.c.total_incl_cents).label("cents"))
                .where(credit.c.kind == InvoiceKind.CREDIT_NOTE, credit.c.status == InvoiceStatus.ISSUED,
                       credit.c.issue_date <= as_of)
                .group_by(credit.c.credit_of_id).subquery())
    balances = (
        select(Invoice.organisation_id.label("org_id"),
               (Invoice.total_incl_cents - func.coalesce(credited.c.cents, 0) - func.coalesce(paid.c.cents, 0))
               .label("balance"),
               case((Invoice.due_date < as_of, 1), else_=0).label("late"))
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .outerjoin(credited, credited.c.invoice_id == Invoice.id)
        .where(Invoice.kind == InvoiceKind.INVOICE, Invoice.status == InvoiceStatus.ISSUED,
               Invoice.issue_date <= as_of)
        .subquery())
    due = balances.c.balance > 0
    rows = session.execute(
        select(Organisation.id, Organisation.name,
               func.coalesce(func.sum(case((due, balances.c.balance), else_=0)), 0),
               func.coalesce(func.sum(case((and_(due, balances.c.late == 1), balances.c.balance), else_=0)), 0),
               func.coalesce(func.sum(case((due, 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(due, balances.c.late == 1), 1), else_=0)), 0))
        .select_from(balances).join(Organisation, Organisation.id == balances.c.org_id)
        .where(due)
        .group_by(Organisation.id, Organisation.name)).all()
    for org_id, name, receivable, overdue, count, late_count in rows:
        row = _authority(authorities, org_id, name)
        row.receivable_cents, row.overdue_cents = int(receivable), int(overdue)
        report.receivable_invoices += int(count)
        report.overdue_invoices += int(late_count)


def _people_helped(session: Session, report: AnnualReport, start: date, end: date) -> None:
    """People helped: totals by kind, then by theme (the JSON lists unnested by the database)."""
    in_year = (Activity.date >= start, Activity.date <= end)
    people = case((Activity.kind == ref.TYPE_COLLECTIF, Activity.participants), else_=1)
    for kind, count, participants in session.execute(
            select(Activity.kind, func.count(), func.coalesce(func.sum(Activity.participants), 0))
            .where(*in_year).group_by(Activity.kind)).all():
        if kind == ref.TYPE_COLLECTIF:
            report.workshops += int(count)
            report.participants += int(participants)
        else:
            report.individual += int(count)
    report.people_helped = report.individual + report.participants
    labels = reference_lists.labels(session, ref.THEMATIQUE)
    report.themes = sorted(
        (ThemeFigures(value, labels.get(value, value), n_people, n_activities)
         for value, n_people, n_activities in _themes(session, people, in_year)),
        key=lambda t: (-t.people, t.label))


def _capital(session: Session, report: AnnualReport, start: date, end: date) -> None:
    """Capital: on the eve of the year and on its last day; the year's ledger lines by kind."""
    report.capital_start = capital_services.total(session, start - timedelta(days=1))
    report.capital_end = capital_services.total(session, end)
    report.capital_by_kind = [
        CapitalKindFigures(kind, int(n), int(shares or 0), int(value or 0), int(amount or 0))
        for kind, n, shares, value, amount in session.execute(
            select(CapitalOperation.kind, func.count(), func.sum(CapitalOperation.shares),
                   func.sum(capital_services.CAPITAL_OF_LINE), func.sum(CapitalOperation.amount_cents))
            .where(CapitalOperation.on >= start, CapitalOperation.on <= end)
            .group_by(CapitalOperation.kind).order_by(CapitalOperation.kind)).all()]


def _members(session: Session, report: AnnualReport, start: date, end: date, as_of: date) -> None:
    """Members in and out (the dated status changes of the year), members on ``as_of`` by college."""
    for status, count in session.execute(
            select(MemberStatusChange.status, func.count(func.distinct(MemberStatusChange.member_id)))
            .where(MemberStatusChange.on >= start, MemberStatusChange.on <= end,
                   MemberStatusChange.status.in_((MemberStatus.ADMITTED, *LEFT)))
            .group_by(MemberStatusChange.status)).all():
        if status == MemberStatus.ADMITTED:
            report.admitted = int(count)
        else:
            report.left[str(status)] = int(count)
    last_move = (select(CollegeMove.to_college_id).where(CollegeMove.member_id == Member.id, CollegeMove.on <= as_of)
                 .order_by(CollegeMove.on.desc(), CollegeMove.id.desc()).limit(1).correlate(Member)
                 .scalar_subquery())
    present = (select(func.coalesce(last_move, Member.college_id).label("college_id"))
               .where(Member.admitted_on.is_not(None), Member.admitted_on <= as_of,
                      Member.status.in_((MemberStatus.ADMITTED, *LEFT)),
                      (Member.left_on.is_(None)) | (Member.left_on > as_of))
               .subquery())
    rows = session.execute(
        select(present.c.college_id, College.name, func.count())
        .select_from(present).outerjoin(College, College.id == present.c.college_id)
        .group_by(present.c.college_id, College.name, College.position)
        .order_by(College.position, College.name)).all()
    report.members_by_college = [CollegeCount(cid, name or "", int(n)) for cid, name, n in rows]


def _themes(session: Session, people, where) -> list[tuple[str, int, int]]:
    """[(theme, people, activities)] for the activities matching ``where``, in one query."""
    dialect = session.get_bind().dialect.name
    column = Activity.thematiques
    if dialect == "sqlite":
        each = func.json_each(column).table_valued("value").alias("theme")
        guard = each.c.value.is_not(None)
    else:
        each = func.json_array_elements_text(column).table_valued("value").alias("theme")
        guard = func.json_typeof(column) == "array"
    rows = session.execute(
        select(each.c.value, func.sum(people), func.count()).select_from(Activity).join(each, true())
        .where(*where, guard).group_by(each.c.value)).all()
    return [(str(value), int(n_people or 0), int(n)) for value, n_people, n in rows]


# --- attaching it to an AGO -----------------------------------------------------------------------------------------

def filename(year: int) -> str:
    return f"rapport-annuel-{year}.pdf"


def title(year: int) -> str:
    return f"Rapport annuel {year}"


def year_for(assembly: Assembly) -> int:
    """The year an AGO reports on: the one before the assembly's."""
    return paris_today(assembly.starts_at).year - 1


def is_attached(session: Session, assembly: Assembly, year: int) -> bool:
    return session.execute(select(AssemblyDocument.id).where(AssemblyDocument.assembly_id == assembly.id,
                                                             AssemblyDocument.filename == filename(year))
                           .limit(1)).first() is not None


def check_attachable(session: Session, assembly: Assembly, year: int) -> None:
    if assembly.kind != AssemblyKind.AGO:
        raise DomainError("Le rapport annuel se joint à une assemblée générale ordinaire (AGO).")
    if assembly.status in (AssemblyStatus.HELD, AssemblyStatus.CANCELLED):
        raise DomainError("Cette assemblée est close : on ne lui joint plus de document.")
    if is_attached(session, assembly, year):
        raise DomainError(f"Le rapport annuel {year} est déjà joint à cette assemblée.")


def attach(session: Session, actor: User | None, assembly: Assembly, year: int, *, content: bytes,
           now: datetime, check_status: bool = True) -> AssemblyDocument:
    """Store the rendered report (``content``: the PDF) as a document of the assembly: it goes out with the
    convocations and the members read it on the assembly's page. Refused twice for the same year, and on an
    assembly held or cancelled (``check_status=False``: the demo, which builds an assembly already held)."""
    year = check_year(year)
    if check_status:
        check_attachable(session, assembly, year)
    elif is_attached(session, assembly, year):
        raise DomainError(f"Le rapport annuel {year} est déjà joint à cette assemblée.")
    document = assemblies.add_document(session, actor, assembly, title=title(year), filename=filename(year),
                                       content=content, mimetype="application/pdf", now=now)
    session.flush()
    return document
