"""Reports to authorities: the figures of a convention over a period, the periods themselves, and read-only share
links.

::

    period = resolve_period(request.args, today)              # French DomainError on bad input
    figures = convention_report(session, convention, period.start, period.end, now=now)
    share = create_share(session, actor, convention, period_start=…, period_end=…, expires_on=…, now=now)

The figures come from a fixed number of aggregate queries (GROUP BY), whatever the size of the data: one on the
sessions (by month, place and status), one on the activities (by month, place and type), one on their autonomy
and redirections, one per list of themes (JSON lists unnested by the database), plus the labels, the places'
names and the convention's volume. Months follow the Europe/Paris calendar (sessions are stored in UTC).

What counts:

* sessions: those of the convention's missions starting in the period (Paris time), by status; "to confirm" are
  planned sessions already over; hours delivered are those of held sessions (their confirmed ``held_minutes``,
  else their planned duration), as for the invoice and ``volume_summaries``;
* people helped: one per individual accompaniment, plus the participants of the collective workshops;
* themes: the number of activities per theme (an activity with three themes counts once for each);
* autonomy: individual accompaniments only; redirections: activities whose beneficiary was redirected.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, bindparam, case, func, literal_column, select, true, update
from sqlmodel import Session

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity
from coopnum.activities.services import reference_lists
from coopnum.core import audit
from coopnum.core.clock import PARIS, paris_midnight, paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.core.validation import DATE_RANGE_MESSAGE, date_in_range
from coopnum.missions.models import Mission, MissionSession, SessionStatus, planned_minutes_sql
from coopnum.missions.services.volumes import volume_summaries
from coopnum.organisations.models import Convention, Place, VolumeUnit
from coopnum.reports.models import ReportShare

MAX_PERIOD_YEARS = 5
MAX_PERIOD_DAYS = MAX_PERIOD_YEARS * 366
SHARE_DEFAULT_DAYS = 30
SHARE_MAX_DAYS = 366
PERIOD_KINDS = ("month", "quarter", "year", "custom")


# --- periods ------------------------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_starts(start: date, end: date) -> list[date]:
    """First days of the months that meet [start, end]."""
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year | custom
    start: date
    end: date  # inclusive
    ref: str = ""  # "2026-11", "2026-Q4", "2026"; empty for custom

    def args(self) -> dict[str, str]:
        """Query-string arguments that give this period back."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.kind, "ref": self.ref}

    def shifted(self, step: int) -> "Period | None":
        """The previous (-1) or next (+1) period of the same kind; None for a custom one."""
        if self.kind == "month":
            return month_period(add_months(self.start, step))
        if self.kind == "quarter":
            return quarter_period(add_months(self.start, 3 * step))
        if self.kind == "year":
            return year_period(self.start.year + step)
        return None


def month_period(day: date) -> Period:
    start = day.replace(day=1)
    return Period("month", start, add_months(start, 1) - timedelta(days=1), start.strftime("%Y-%m"))


def quarter_period(day: date) -> Period:
    quarter = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * quarter - 2, 1)
    return Period("quarter", start, add_months(start, 3) - timedelta(days=1), f"{day.year}-Q{quarter}")


def year_period(year: int) -> Period:
    return Period("year", date(year, 1, 1), date(year, 12, 31), str(year))


def _year(text: str, field: str) -> int:
    year = int(text)
    if not 2000 <= year <= 2100:
        raise DomainError("Année invalide : elle doit être comprise entre 2000 et 2100.", field=field)
    return year


def _iso_date(raw, field: str, label: str) -> date:
    text = str(raw or "").strip()
    if not text:
        raise DomainError(f"Indiquez la date de {label}.", field=field)
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise DomainError("Date invalide : utilisez le format AAAA-MM-JJ.", field=field) from None
    if not date_in_range(value):
        raise DomainError(DATE_RANGE_MESSAGE, field=field)
    return value


def check_span(start: date, end: date, *, field: str = "to") -> None:
    if end < start:
        raise DomainError("La date de fin précède la date de début.", field=field)
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise DomainError(f"La période ne peut pas dépasser {MAX_PERIOD_YEARS} ans.", field=field)


def resolve_period(args, today: date) -> Period:
    """The period asked by query-string arguments: ``period=month|quarter|year`` with ``ref`` (``2026-11``;
    ``2026-Q4`` or a month of the quarter; ``2026``), or ``period=custom`` (or no period) with ``from`` and ``to``
    (ISO dates, inclusive). Nothing asked: the current month. French DomainError with the field in error."""
    kind = str(args.get("period") or "").strip()
    ref_text = str(args.get("ref") or "").strip()
    if not kind:
        kind = "custom" if (args.get("from") or args.get("to")) else "month"
    if kind not in PERIOD_KINDS:
        raise DomainError("Période inconnue : choisissez un mois, un trimestre, une année ou des dates.",
                          field="period")
    if kind == "month":
        if not ref_text:
            return month_period(today)
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", ref_text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise DomainError("Mois invalide : utilisez le format AAAA-MM.", field="ref")
        return month_period(date(_year(match[1], "ref"), int(match[2]), 1))
    if kind == "quarter":
        if not ref_text:
            return quarter_period(today)
        match = re.fullmatch(r"(\d{4})-[QqTt]([1-4])", ref_text)
        if match:
            return quarter_period(date(_year(match[1], "ref"), 3 * int(match[2]) - 2, 1))
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", ref_text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise DomainError("Trimestre invalide : utilisez le format AAAA-T1 à AAAA-T4.", field="ref")
        return quarter_period(date(_year(match[1], "ref"), int(match[2]), 1))
    if kind == "year":
        if not ref_text:
            return year_period(today.year)
        if not re.fullmatch(r"\d{4}", ref_text):
            raise DomainError("Année invalide : utilisez le format AAAA.", field="ref")
        return year_period(_year(ref_text, "ref"))
    start = _iso_date(args.get("from"), "from", "début")
    end = _iso_date(args.get("to"), "to", "fin")
    check_span(start, end)
    return Period("custom", start, end)


# --- figures ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Count:
    value: str
    label: str
    count: int


@dataclass
class PlaceFigures:
    place_id: int | None  # None: activities outside a place (at home, remote, elsewhere)
    name: str
    sessions_held: int = 0
    minutes_delivered: int = 0
    individual: int = 0
    workshops: int = 0
    participants: int = 0  # of the collective workshops

    @property
    def hours_delivered(self) -> Decimal:
        return hours(self.minutes_delivered)

    @property
    def people(self) -> int:
        return self.individual + self.participants


@dataclass
class MonthFigures:
    month: date  # first day
    sessions_held: int = 0
    sessions_cancelled: int = 0
    minutes_delivered: int = 0
    individual: int = 0
    workshops: int = 0
    participants: int = 0

    @property
    def hours_delivered(self) -> Decimal:
        return hours(self.minutes_delivered)

    @property
    def people(self) -> int:
        return self.individual + self.participants


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class ReportFigures:
    convention_id: int
    convention_reference: str
    convention_title: str
    organisation_name: str
    date_from: date
    date_to: date
    generated_at: datetime
    volume_unit: str  # VolumeUnit
    contracted_volume: Decimal
    volume_used_to_date: Decimal  # since the start of the convention (all periods)
    sessions_held: int = 0
    sessions_cancelled: int = 0
    sessions_not_held: int = 0
    sessions_planned: int = 0  # still planned, whether to come or to confirm
    sessions_to_confirm: int = 0  # planned and already over: not yet confirmed by a mediator
    minutes_delivered: int = 0
    minutes_planned: int = 0  # of the sessions still planned
    individual: int = 0  # individual accompaniments
    workshops: int = 0  # collective workshops
    collective_participants: int = 0
    activity_minutes: int = 0
    themes: list[Count] = field(default_factory=list)
    demarche_themes: list[Count] = field(default_factory=list)
    autonomy: list[Count] = field(default_factory=list)
    autonomy_unknown: int = 0
    oriented: int = 0
    redirections: list[Count] = field(default_factory=list)
    places: list[PlaceFigures] = field(default_factory=list)
    months: list[MonthFigures] = field(default_factory=list)

    @property
    def sessions_total(self) -> int:
        return self.sessions_held + self.sessions_cancelled + self.sessions_not_held + self.sessions_planned

    @property
    def hours_delivered(self) -> Decimal:
        return hours(self.minutes_delivered)

    @property
    def hours_planned(self) -> Decimal:
        return hours(self.minutes_planned)

    @property
    def people_helped(self) -> int:
        return self.individual + self.collective_participants

    @property
    def activities(self) -> int:
        return self.individual + self.workshops

    @property
    def volume_used(self) -> Decimal:
        """What the period used of the contracted volume, in its unit (hours or sessions)."""
        if self.volume_unit == VolumeUnit.SESSIONS:
            return Decimal(self.sessions_held)
        return self.hours_delivered

    @property
    def volume_share_percent(self) -> Decimal | None:
        """The share of the contracted volume used in the period (%, one decimal); None without a volume."""
        if not self.contracted_volume:
            return None
        return (self.volume_used * 100 / self.contracted_volume).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


_MONTH_CASES: dict[tuple, object] = {}


def _month_index(column, boundaries: list) -> tuple[object, dict]:
    """A SQL expression giving the index of the month of ``column`` from the instants (or dates) where the
    second, third… months start: portable, and exact in Paris time; and the values of its parameters. The
    expression (up to 60 comparisons, ~10 ms to build) is built once per column and number of months."""
    if not boundaries:
        return literal_column("0"), {}
    name = f"{column.class_.__tablename__}_{column.key}_month"
    key = (name, len(boundaries))
    if key not in _MONTH_CASES:
        _MONTH_CASES[key] = case(*[(column < bindparam(f"{name}_{i}"), i) for i in range(len(boundaries))],
                                 else_=len(boundaries))
    return _MONTH_CASES[key], {f"{name}_{i}": value for i, value in enumerate(boundaries)}


def _theme_counts(session: Session, column, where) -> dict[str, int]:
    """{theme value: number of activities} for a JSON list column, the list unnested by the database."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            each = func.json_each(column).table_valued("value").alias("theme")
            guard = each.c.value.is_not(None)
        else:
            each = func.json_array_elements_text(column).table_valued("value").alias("theme")
            guard = func.json_typeof(column) == "array"
        stmt = (select(each.c.value, func.count()).select_from(Activity).join(each, true())
                .where(*where, guard).group_by(each.c.value))
        return {str(value): int(n) for value, n in session.execute(stmt)}
    counts: dict[str, int] = {}  # other databases: one narrow streamed query, counted here
    for (values,) in session.execute(select(column).where(*where).execution_options(yield_per=1000)):
        for value in values or []:
            counts[value] = counts.get(value, 0) + 1
    return counts


def _ordered_counts(counts: dict[str, int], labels: dict[str, str]) -> list[Count]:
    """Most frequent first (then by label); unknown values keep their identifier as label."""
    rows = [Count(value, labels.get(value, value), n) for value, n in counts.items() if n]
    return sorted(rows, key=lambda c: (-c.count, c.label))


def convention_report(session: Session, convention: Convention, date_from: date, date_to: date, *,
                      now: datetime) -> ReportFigures:
    """The figures of ``convention`` from ``date_from`` to ``date_to`` (inclusive); see the module's doc."""
    check_span(date_from, date_to)
    months = month_starts(date_from, date_to)
    figures = _report_header(session, convention, date_from, date_to, months, now=now)
    places: dict[int | None, PlaceFigures] = {}
    _add_sessions(session, figures, places, convention, date_from, date_to, now=now)
    in_period = (Activity.convention_id == convention.id, Activity.date >= date_from, Activity.date <= date_to)
    _add_activities(session, figures, places, in_period)
    labels = reference_lists.all_labels(session)
    _add_autonomy_and_redirections(session, figures, in_period, labels)
    _add_themes(session, figures, in_period, labels)
    figures.places = _busiest_first(places)
    return figures


def _report_header(session: Session, convention: Convention, date_from: date, date_to: date, months: list[date],
                   *, now: datetime) -> ReportFigures:
    """Empty figures for the period: the convention, its contracted volume and the volume used to date, one
    empty row per month."""
    summary = volume_summaries(session, [convention.id], now=now).get(convention.id)
    return ReportFigures(
        convention_id=convention.id, convention_reference=convention.reference, convention_title=convention.title,
        organisation_name=convention.organisation.name if convention.organisation else "",
        date_from=date_from, date_to=date_to, generated_at=now, volume_unit=convention.volume_unit,
        contracted_volume=Decimal(convention.contracted_volume or 0),
        volume_used_to_date=summary.used if summary else Decimal(0), months=[MonthFigures(m) for m in months],
    )


def _place_figures(places: dict[int | None, PlaceFigures], place_id: int | None,
                   name: str | None) -> PlaceFigures:
    """The row of ``place_id`` (``None``: outside a place), created empty, with its name, on first use."""
    if place_id not in places:
        places[place_id] = PlaceFigures(place_id, name or "")
    return places[place_id]


def _add_sessions(session: Session, figures: ReportFigures, places: dict[int | None, PlaceFigures],
                  convention: Convention, date_from: date, date_to: date, *, now: datetime) -> None:
    """Sessions, by month, place and status."""
    months = [month.month for month in figures.months]
    start, end = paris_midnight(date_from), paris_midnight(date_to + timedelta(days=1))
    duration = planned_minutes_sql(session)
    held = MissionSession.status == SessionStatus.HELD
    planned = MissionSession.status == SessionStatus.PLANNED
    # Expressions with parameters are computed in a subquery and grouped outside: PostgreSQL cannot match a
    # parametrised CASE of the GROUP BY with the same CASE in the SELECT list.
    month_index, params = _month_index(MissionSession.start, [paris_midnight(m) for m in months[1:]])
    inner = (
        select(month_index.label("month"),
               Mission.place_id.label("place_id"), MissionSession.status.label("status"),
               case((held, func.coalesce(MissionSession.held_minutes, duration)), else_=0).label("held"),
               case((planned, duration), else_=0).label("planned"),
               case((and_(planned, MissionSession.end <= now), 1), else_=0).label("to_confirm"))
        .join(Mission, Mission.id == MissionSession.mission_id)
        .where(Mission.convention_id == convention.id, MissionSession.start >= start, MissionSession.start < end)
        .subquery()
    )
    rows = session.execute(
        select(inner.c.month, inner.c.place_id, Place.name, inner.c.status, func.count(),
               func.coalesce(func.sum(inner.c.held), 0), func.coalesce(func.sum(inner.c.planned), 0),
               func.coalesce(func.sum(inner.c.to_confirm), 0))
        .select_from(inner).outerjoin(Place, Place.id == inner.c.place_id)
        .group_by(inner.c.month, inner.c.place_id, Place.name, inner.c.status), params
    ).all()
    for index, place_id, place_name, status, count, held_min, planned_min, to_confirm in rows:
        count, held_min, planned_min = int(count), int(round(float(held_min))), int(round(float(planned_min)))
        month = figures.months[int(index)]
        if status == SessionStatus.HELD:
            figures.sessions_held += count
            figures.minutes_delivered += held_min
            month.sessions_held += count
            month.minutes_delivered += held_min
            row = _place_figures(places, place_id, place_name)
            row.sessions_held += count
            row.minutes_delivered += held_min
        elif status == SessionStatus.CANCELLED:
            figures.sessions_cancelled += count
            month.sessions_cancelled += count
        elif status == SessionStatus.NOT_HELD:
            figures.sessions_not_held += count
        elif status == SessionStatus.PLANNED:
            figures.sessions_planned += count
            figures.minutes_planned += planned_min
            figures.sessions_to_confirm += int(to_confirm)


def _add_activities(session: Session, figures: ReportFigures, places: dict[int | None, PlaceFigures],
                    in_period) -> None:
    """Activities, by month, place and type."""
    months = [month.month for month in figures.months]
    month_index, params = _month_index(Activity.date, months[1:])
    inner = (
        select(month_index.label("month"), Activity.place_id, Activity.kind,
               Activity.participants, Activity.duration_minutes)
        .where(*in_period).subquery()
    )
    rows = session.execute(
        select(inner.c.month, inner.c.place_id, Place.name, inner.c.kind, func.count(),
               func.coalesce(func.sum(inner.c.participants), 0), func.coalesce(func.sum(inner.c.duration_minutes), 0))
        .select_from(inner).outerjoin(Place, Place.id == inner.c.place_id)
        .group_by(inner.c.month, inner.c.place_id, Place.name, inner.c.kind), params
    ).all()
    for index, place_id, place_name, kind, count, participants, minutes in rows:
        count, participants = int(count), int(participants)
        month, row = figures.months[int(index)], _place_figures(places, place_id, place_name)
        figures.activity_minutes += int(minutes)
        if kind == ref.TYPE_COLLECTIF:
            figures.workshops += count
            figures.collective_participants += participants
            month.workshops += count
            month.participants += participants
            row.workshops += count
            row.participants += participants
        else:
            figures.individual += count
            month.individual += count
            row.individual += count


def _add_autonomy_and_redirections(session: Session, figures: ReportFigures, in_period,
                                   labels: dict[str, dict[str, str]]) -> None:
    """Autonomy (individual accompaniments) and redirections."""
    autonomy: dict[str, int] = {}
    redirections: dict[str, int] = {}
    rows = session.execute(
        select(Activity.kind, Activity.autonomie, Activity.oriented, Activity.structure_redirection, func.count())
        .where(*in_period)
        .group_by(Activity.kind, Activity.autonomie, Activity.oriented, Activity.structure_redirection)
    ).all()
    for kind, level, oriented, structure, count in rows:
        count = int(count)
        if kind == ref.TYPE_INDIVIDUEL:
            if level:
                autonomy[level] = autonomy.get(level, 0) + count
            else:
                figures.autonomy_unknown += count
        if oriented:
            figures.oriented += count
            key = structure or ""
            redirections[key] = redirections.get(key, 0) + count
    figures.autonomy = [Count(value, label, autonomy.get(value, 0))
                        for value, label in labels[ref.AUTONOMIE].items()]
    figures.redirections = _ordered_counts(redirections, {**labels[ref.STRUCTURE_REDIRECTION], "": "Non précisée"})


def _add_themes(session: Session, figures: ReportFigures, in_period, labels: dict[str, dict[str, str]]) -> None:
    """Themes and administrative-procedure themes, most frequent first."""
    figures.themes = _ordered_counts(_theme_counts(session, Activity.thematiques, in_period),
                                     labels[ref.THEMATIQUE])
    figures.demarche_themes = _ordered_counts(_theme_counts(session, Activity.thematiques_demarche, in_period),
                                              labels[ref.THEMATIQUE_DEMARCHE])


def _busiest_first(places: dict[int | None, PlaceFigures]) -> list[PlaceFigures]:
    """Places (named by the queries that counted them), busiest first; activities outside a place last."""
    return sorted(places.values(), key=lambda p: (p.place_id is None, -p.sessions_held, -p.people, p.name))


# --- share links --------------------------------------------------------------------------------------------------

def share_expiry(expires_on: date) -> datetime:
    """A link valid "until" a day is valid to the end of that day, Paris time."""
    return paris_midnight(expires_on + timedelta(days=1))


def last_valid_day(share: ReportShare) -> date:
    """The last day (Paris) a link works: the day before its expiry instant."""
    return (share.expires_at - timedelta(seconds=1)).astimezone(PARIS).date()


def create_share(session: Session, actor: User, convention: Convention, *, period_start: date, period_end: date,
                 expires_on: date, now: datetime) -> ReportShare:
    """A read-only link to the convention's report for a period, valid until the end of ``expires_on``
    (tomorrow at the earliest, one year at most). Audited."""
    if period_start is None:
        raise DomainError("Indiquez la date de début.", field="period_start")
    if period_end is None:
        raise DomainError("Indiquez la date de fin.", field="period_end")
    check_span(period_start, period_end, field="period_end")
    today = paris_today(now)
    if expires_on is None:
        raise DomainError("Indiquez la date d’expiration du lien.", field="expires_on")
    if expires_on < today:
        raise DomainError("La date d’expiration est déjà passée.", field="expires_on")
    if (expires_on - today).days > SHARE_MAX_DAYS:
        raise DomainError("Un lien de partage ne peut pas être valable plus d’un an.", field="expires_on")
    share = ReportShare(convention_id=convention.id, period_start=period_start, period_end=period_end,
                        token=secrets.token_urlsafe(32), expires_at=share_expiry(expires_on), created_at=now,
                        created_by_id=actor.id if actor else None)
    session.add(share)
    audit.record(session, actor, "create", share,
                 summary=f"Lien de partage du rapport {convention.reference} ({period_start:%d/%m/%Y} – "
                         f"{period_end:%d/%m/%Y}), valable jusqu’au {expires_on:%d/%m/%Y}",
                 after={k: v for k, v in audit.snapshot(share).items() if k != "token"}, now=now)
    return share


def revoke_share(session: Session, actor: User, share: ReportShare, *, now: datetime) -> ReportShare:
    """Revoke a link at once (idempotent). Audited."""
    if share.revoked_at is None:
        share.revoked_at = now
        audit.record(session, actor, "revoke", share, summary="Lien de partage de rapport révoqué", now=now)
    return share


def valid_share(session: Session, token: str, *, now: datetime) -> ReportShare | None:
    """The share link of this token if it is neither expired nor revoked, else None."""
    if not token or len(token) > 64:
        return None
    share = session.execute(select(ReportShare).where(ReportShare.token == token)).scalar_one_or_none()
    if share is None or not share.is_valid(now):
        return None
    return share


def touch_share(session: Session, share: ReportShare, *, now: datetime) -> None:
    """Count one access (in SQL, so that simultaneous readers are all counted)."""
    session.execute(update(ReportShare).where(ReportShare.id == share.id)
                    .values(access_count=ReportShare.access_count + 1, last_accessed_at=now))


def shares_query(convention_id: int):
    return (select(ReportShare).where(ReportShare.convention_id == convention_id)
            .order_by(ReportShare.created_at.desc(), ReportShare.id.desc()))
