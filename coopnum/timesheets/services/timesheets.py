"""Services of the missions domain: a mediator's month (timesheet) and the figures of the month's dashboards.

A mediator's month is a timesheet: open → submitted → validated (locked), or sent back with a comment; a validated
month is reopened by the coordination only, with a reason. Reading a month never inserts its timesheet row.
Session confirmations and extra hours are in ``hours``.

Services take plain values, the acting user and ``now``; they never commit."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import contains_eager, defaultload, joinedload, lazyload
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.activities.models import Activity
from coopnum.core import audit, formats
from coopnum.core.access import is_staff
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import Role, User, UserRole
from coopnum.missions.models import (
    Assignment,
    Mission,
    MissionSession,
    SessionStatus,
    assigned_to,
    planned_minutes_sql,
)
from coopnum.missions.services.volumes import volume_summaries
from coopnum.organisations.models import Convention, ConventionStatus, Organisation
from coopnum.organisations.services.conventions import VolumeSummary
from coopnum.timesheets.models import TimeCategory, TimeEntry, Timesheet, TimesheetStatus
from coopnum.timesheets.services import locks
from coopnum.timesheets.services.hours import (
    COMMENT_MAX,
    CONFIRMED,
    current_month,
    month_instants,
    next_month,
)

# --- the month of a mediator ---------------------------------------------------------------------------------------

def timesheet_for(session: Session, user_id: int, month: date) -> Timesheet:
    """The mediator's timesheet of that month; when it has no row yet, an unsaved open one (reads never insert)."""
    month = locks.month_start(month)
    found = session.execute(
        select(Timesheet).where(Timesheet.user_id == user_id, Timesheet.month == month)
        .options(lazyload(Timesheet.user))  # the pages know the user
    ).scalar_one_or_none()
    return found if found is not None else Timesheet(user_id=user_id, month=month, status=TimesheetStatus.OPEN)


def _timesheet_for_update(session: Session, user_id: int, month: date, now: datetime) -> Timesheet:
    """The timesheet row, created on first write; locked (PostgreSQL) so two decisions cannot cross."""
    month = locks.month_start(month)
    stmt = (select(Timesheet).where(Timesheet.user_id == user_id, Timesheet.month == month)
            .options(lazyload(Timesheet.user)))
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=Timesheet)
    found = session.execute(stmt).scalar_one_or_none()
    if found is None:
        found = Timesheet(user_id=user_id, month=month, status=TimesheetStatus.OPEN, created_at=now, updated_at=now)
        session.add(found)
        session.flush()
    return found


def _mine_in_month(user_id: int, month: date):
    start, end = month_instants(month)
    return and_(MissionSession.start >= start, MissionSession.start < end, assigned_to(user_id))


def unconfirmed_count(session: Session, user_id: int, month: date, *, now: datetime) -> int:
    """Sessions of the month assigned to the mediator, started and still to confirm."""
    return int(session.execute(
        select(func.count()).select_from(MissionSession).where(
            _mine_in_month(user_id, month), MissionSession.status == SessionStatus.PLANNED,
            MissionSession.start <= now)
    ).scalar_one())


@dataclass
class SessionLine:
    session: MissionSession
    minutes: int | None  # this mediator's time entry for it
    has_report: bool
    started: bool

    @property
    def to_confirm(self) -> bool:
        return self.started and self.session.status == SessionStatus.PLANNED

    @property
    def without_report(self) -> bool:
        return self.session.status == SessionStatus.HELD and not self.has_report


@dataclass
class MonthSummary:
    user_id: int
    month: date
    timesheet: Timesheet
    entries: list[TimeEntry]  # every entry of the month (sessions and extra hours), by day
    sessions: list[SessionLine]  # the mediator's sessions of the month (not cancelled), by start

    @property
    def status(self) -> str:
        return self.timesheet.status

    @property
    def locked(self) -> bool:
        return self.timesheet.locked

    @property
    def extra_entries(self) -> list[TimeEntry]:
        return [e for e in self.entries if e.session_id is None]

    @property
    def session_minutes(self) -> int:
        return sum(e.minutes for e in self.entries if e.category == TimeCategory.SESSION)

    @property
    def extra_minutes(self) -> int:
        return sum(e.minutes for e in self.entries if e.category != TimeCategory.SESSION)

    @property
    def total_minutes(self) -> int:
        return self.session_minutes + self.extra_minutes

    @property
    def by_category(self) -> dict[str, int]:
        """Minutes per category, in the order of TimeCategory; only categories used."""
        totals = {c.value: 0 for c in TimeCategory}
        for e in self.entries:
            totals[e.category] = totals.get(e.category, 0) + e.minutes
        return {k: v for k, v in totals.items() if v}

    @property
    def unconfirmed(self) -> list[MissionSession]:
        return [line.session for line in self.sessions if line.to_confirm]

    @property
    def without_report(self) -> list[MissionSession]:
        return [line.session for line in self.sessions if line.without_report]

    @property
    def can_submit(self) -> bool:
        return self.status in (TimesheetStatus.OPEN, TimesheetStatus.SENT_BACK)


def _sessions_with_places(stmt: Select, *, assignments: bool = True) -> Select:
    """Sessions with their mission, place, convention and organisation, and their assignments with their users
    (unless ``assignments`` is false: left unloaded), all in the same query (read it with ``unique()``)."""
    mission = contains_eager(MissionSession.mission)
    return (
        stmt.join(MissionSession.mission).join(Mission.place).join(Mission.convention).join(Convention.organisation)
        .options(
            mission.contains_eager(Mission.place),
            mission.contains_eager(Mission.convention).contains_eager(Convention.organisation),
            mission.contains_eager(Mission.convention).lazyload(Convention.services),
            mission.lazyload(Mission.default_mediators),
            joinedload(MissionSession.assignments).joinedload(Assignment.user).lazyload(User.roles) if assignments
            else lazyload(MissionSession.assignments),
        )
    )


def month_summary(session: Session, user_id: int, month: date, *, now: datetime) -> MonthSummary:
    """A mediator's month: timesheet, entries, sessions with their confirmation and report state — in a fixed
    number of queries."""
    month = locks.month_start(month)
    timesheet = timesheet_for(session, user_id, month)
    entries = list(session.execute(
        select(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.day >= month,
                                TimeEntry.day < next_month(month))
        .options(lazyload(TimeEntry.user)).order_by(TimeEntry.day, TimeEntry.id)
    ).scalars())
    reported = exists(select(Activity.id).where(Activity.session_id == MissionSession.id))
    sessions = session.execute(
        _sessions_with_places(select(MissionSession, reported)).where(
            _mine_in_month(user_id, month), MissionSession.status != SessionStatus.CANCELLED)
        .order_by(MissionSession.start, MissionSession.id)
    ).unique().all()
    minutes = {e.session_id: e.minutes for e in entries if e.session_id is not None}
    lines = [SessionLine(s, minutes.get(s.id), has_report, s.start <= now) for s, has_report in sessions]
    return MonthSummary(user_id=user_id, month=month, timesheet=timesheet, entries=entries, sessions=lines)


def _timesheet_state(ts: Timesheet) -> dict:
    return audit.snapshot(ts, ["status", "comment", "submitted_at", "validated_at", "validated_by_id"])


def _month_words(month: date) -> str:
    return locks.month_label(month)


def submit(session: Session, actor: User, month: date, *, now: datetime) -> Timesheet:
    """The mediator sends their month to the coordination."""
    if not actor.has_role(Role.MEDIATOR):
        raise DomainError("Seul·es les médiateur·rices envoient un relevé d'heures.")
    month = locks.month_start(month)
    if month > current_month(now):
        raise DomainError(f"Le mois {formats.of(_month_words(month))} n'a pas commencé : il ne peut pas encore être envoyé.")
    ts = _timesheet_for_update(session, actor.id, month, now)
    if ts.status == TimesheetStatus.SUBMITTED:
        raise DomainError("Ce relevé est déjà envoyé à la coordination.")
    if ts.status == TimesheetStatus.VALIDATED:
        raise DomainError("Ce relevé est déjà validé.")
    count = unconfirmed_count(session, actor.id, month, now=now)
    if count:
        raise DomainError(f"Il reste {formats.count(count, 'séance passée', 'séances passées')} à confirmer en {_month_words(month)} : "
                          "confirmez-les avant d'envoyer le relevé.")
    before = _timesheet_state(ts)
    ts.status, ts.submitted_at, ts.comment, ts.updated_at = TimesheetStatus.SUBMITTED, now, "", now
    audit.record(session, actor, "submit", ts, summary=f"Relevé d'heures {formats.of(_month_words(month))} envoyé",
                 before=before, after=_timesheet_state(ts), now=now)
    return ts


def _staff_only(actor: User) -> None:
    if not is_staff(actor):
        raise Forbidden("Seule la coordination valide les relevés d'heures.")


def _mediator(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise DomainError("Personne introuvable.", field="user_id")
    return user


def validate(session: Session, actor: User, user_id: int, month: date, *, now: datetime) -> Timesheet:
    """The coordination validates a mediator's month, which locks it. Refused while started sessions of that
    month are still to confirm."""
    _staff_only(actor)
    user = _mediator(session, user_id)
    month = locks.month_start(month)
    ts = _timesheet_for_update(session, user_id, month, now)
    if ts.status == TimesheetStatus.VALIDATED:
        raise DomainError("Ce relevé est déjà validé.")
    count = unconfirmed_count(session, user_id, month, now=now)
    if count:
        raise DomainError(f"Impossible de valider : {formats.count(count, 'séance passée', 'séances passées')} "
                          f"{formats.of(user.full_name)} en "
                          f"{_month_words(month)} ne sont pas encore confirmées. Faites-les confirmer (ou "
                          "confirmez-les pour la personne), puis validez.")
    before = _timesheet_state(ts)
    ts.status, ts.validated_at, ts.validated_by_id = TimesheetStatus.VALIDATED, now, actor.id
    ts.comment, ts.updated_at = "", now
    audit.record(session, actor, "validate", ts,
                 summary=f"Relevé d'heures {formats.of(user.full_name)} ({_month_words(month)}) validé et verrouillé",
                 before=before, after=_timesheet_state(ts), now=now)
    return ts


def _required_text(text: str | None, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message, field=field)
    if len(text) > COMMENT_MAX:
        raise DomainError(f"Le texte ne doit pas dépasser {COMMENT_MAX} caractères.", field=field)
    return text


def send_back(session: Session, actor: User, user_id: int, month: date, comment: str, *,
              now: datetime) -> Timesheet:
    """The coordination returns a submitted month to the mediator, with what to correct."""
    _staff_only(actor)
    user = _mediator(session, user_id)
    comment = _required_text(comment, "comment", "Indiquez ce qu'il faut corriger.")
    month = locks.month_start(month)
    ts = _timesheet_for_update(session, user_id, month, now)
    if ts.status == TimesheetStatus.VALIDATED:
        raise DomainError("Ce relevé est validé : rouvrez-le d'abord pour le renvoyer.")
    if ts.status != TimesheetStatus.SUBMITTED:
        raise DomainError("Seul un relevé envoyé par la personne peut lui être renvoyé.")
    before = _timesheet_state(ts)
    ts.status, ts.comment, ts.updated_at = TimesheetStatus.SENT_BACK, comment, now
    audit.record(session, actor, "send_back", ts,
                 summary=f"Relevé d'heures {formats.of(user.full_name)} ({_month_words(month)}) renvoyé : {comment}",
                 before=before, after=_timesheet_state(ts), now=now)
    return ts


def reopen(session: Session, actor: User, user_id: int, month: date, reason: str, *, now: datetime) -> Timesheet:
    """The coordination reopens a validated month (the only way to change it), with the reason, audited."""
    _staff_only(actor)
    user = _mediator(session, user_id)
    reason = _required_text(reason, "reason", "Indiquez pourquoi vous rouvrez ce mois.")
    month = locks.month_start(month)
    ts = _timesheet_for_update(session, user_id, month, now)
    if ts.status != TimesheetStatus.VALIDATED:
        raise DomainError("Ce relevé n'est pas validé : il est déjà modifiable.")
    before = _timesheet_state(ts)
    ts.status, ts.comment, ts.updated_at = TimesheetStatus.OPEN, reason, now
    ts.validated_at = ts.validated_by_id = None
    audit.record(session, actor, "reopen", ts,
                 summary=f"Relevé d'heures {formats.of(user.full_name)} ({_month_words(month)}) rouvert : {reason}",
                 before=before, after=_timesheet_state(ts), now=now)
    return ts


# --- the coordination's figures of a month --------------------------------------------------------------------------

@dataclass
class MediatorHours:
    user_id: int
    name: str
    session_minutes: int = 0
    extra_minutes: int = 0
    unconfirmed: int = 0
    status: str = TimesheetStatus.OPEN

    @property
    def total_minutes(self) -> int:
        return self.session_minutes + self.extra_minutes


@dataclass
class AuthorityHours:
    organisation_id: int
    name: str
    held: int
    not_held: int
    delivered_minutes: int


@dataclass
class ConventionVolume:
    convention: Convention
    summary: VolumeSummary | None


@dataclass
class MonthOverview:
    month: date
    mediators: list[MediatorHours]
    authorities: list[AuthorityHours]
    conventions: list[ConventionVolume]
    unconfirmed: int
    without_report: int
    statuses: dict[str, int] = field(default_factory=dict)  # timesheet status → number of mediators

    @property
    def session_minutes(self) -> int:
        return sum(m.session_minutes for m in self.mediators)

    @property
    def extra_minutes(self) -> int:
        return sum(m.extra_minutes for m in self.mediators)

    @property
    def delivered_minutes(self) -> int:
        return sum(a.delivered_minutes for a in self.authorities)

    @property
    def held(self) -> int:
        return sum(a.held for a in self.authorities)


def mediators_stmt(month: date, status: str | None = None) -> Select:
    """The people of a month's timesheets: active mediators, and anyone with hours that month; by name."""
    month = locks.month_start(month)
    mediators = select(UserRole.user_id).where(UserRole.role == Role.MEDIATOR)
    with_hours = select(TimeEntry.user_id).where(TimeEntry.day >= month, TimeEntry.day < next_month(month))
    stmt = (select(User).where(or_(and_(User.active.is_(True), User.id.in_(mediators)), User.id.in_(with_hours)))
            .order_by(User.full_name, User.id))
    if status:
        current = (select(Timesheet.status).where(Timesheet.user_id == User.id, Timesheet.month == month)
                   .scalar_subquery())
        stmt = stmt.where(func.coalesce(current, TimesheetStatus.OPEN.value) == status)
    return stmt


def mediator_rows(session: Session, users: Iterable[User], month: date, *, now: datetime) -> list[MediatorHours]:
    """Hours, sessions to confirm and timesheet status of these mediators for a month: three grouped queries."""
    month = locks.month_start(month)
    rows = {u.id: MediatorHours(user_id=u.id, name=u.full_name) for u in users}
    if not rows:
        return []
    ids = list(rows)
    is_session = TimeEntry.category == TimeCategory.SESSION
    for user_id, in_sessions, extra in session.execute(
        select(TimeEntry.user_id, func.coalesce(func.sum(case((is_session, TimeEntry.minutes), else_=0)), 0),
               func.coalesce(func.sum(case((is_session, 0), else_=TimeEntry.minutes)), 0))
        .where(TimeEntry.user_id.in_(ids), TimeEntry.day >= month, TimeEntry.day < next_month(month))
        .group_by(TimeEntry.user_id)
    ):
        rows[user_id].session_minutes, rows[user_id].extra_minutes = int(in_sessions), int(extra)
    start, end = month_instants(month)
    for user_id, count in session.execute(
        select(Assignment.user_id, func.count()).join(MissionSession, MissionSession.id == Assignment.session_id)
        .where(Assignment.user_id.in_(ids), MissionSession.status == SessionStatus.PLANNED,
               MissionSession.start >= start, MissionSession.start < end, MissionSession.start <= now)
        .group_by(Assignment.user_id)
    ):
        rows[user_id].unconfirmed = int(count)
    for user_id, status in session.execute(
        select(Timesheet.user_id, Timesheet.status).where(Timesheet.user_id.in_(ids), Timesheet.month == month)
    ):
        rows[user_id].status = status
    return list(rows.values())


def without_report_stmt(month: date, *, user_id: int | None = None) -> Select:
    """Held sessions of the month without any activity report, oldest first (with their places, for a list)."""
    start, end = month_instants(locks.month_start(month))
    stmt = _sessions_with_places(select(MissionSession)).where(
        MissionSession.status == SessionStatus.HELD, MissionSession.start >= start, MissionSession.start < end,
        ~exists(select(Activity.id).where(Activity.session_id == MissionSession.id)),
    )
    if user_id is not None:
        stmt = stmt.where(assigned_to(user_id))
    return stmt.order_by(MissionSession.start, MissionSession.id)


def _counts(session: Session, month: date, *columns, now: datetime) -> tuple[int, ...]:
    """(started sessions still to confirm, held sessions without a report) of the month, then ``columns`` (scalar
    subqueries), in one query."""
    start, end = month_instants(month)
    reported = exists(select(Activity.id).where(Activity.session_id == MissionSession.id))
    assigned = exists(select(Assignment.id).where(Assignment.session_id == MissionSession.id))
    to_confirm = and_(MissionSession.status == SessionStatus.PLANNED, MissionSession.start <= now, assigned)
    unreported = and_(MissionSession.status == SessionStatus.HELD, ~reported)
    row = session.execute(
        select(func.coalesce(func.sum(case((to_confirm, 1), else_=0)), 0),
               func.coalesce(func.sum(case((unreported, 1), else_=0)), 0), *columns)
        .where(MissionSession.start >= start, MissionSession.start < end)
    ).one()
    return tuple(int(value) for value in row)


def month_counts(session: Session, month: date, *, now: datetime) -> dict[str, int]:
    """For the coordination's dashboard panel: sessions to confirm and without a report this month, and
    timesheets waiting for validation (any month), in one query."""
    submitted = select(func.count()).select_from(Timesheet).where(Timesheet.status == TimesheetStatus.SUBMITTED)
    unconfirmed, without_report, waiting = _counts(session, locks.month_start(month), submitted.scalar_subquery(),
                                                   now=now)
    return {"unconfirmed": unconfirmed, "without_report": without_report, "submitted": waiting}


def submitted_timesheets(session: Session, *, limit: int = 5) -> list[Timesheet]:
    """The timesheets waiting for validation, the oldest month first, with their user's name (not its roles)."""
    return list(session.execute(
        select(Timesheet).where(Timesheet.status == TimesheetStatus.SUBMITTED)
        .options(defaultload(Timesheet.user).lazyload(User.roles))
        .order_by(Timesheet.month, Timesheet.submitted_at).limit(limit)
    ).scalars())


def month_overview(session: Session, month: date, *, now: datetime) -> MonthOverview:
    """The coordination's figures of a month, in a fixed number of grouped queries whatever the data size:
    hours per mediator, delivered hours per authority, volume of the active conventions, sessions to confirm and
    sessions held without a report."""
    month = locks.month_start(month)
    users = session.execute(mediators_stmt(month).options(lazyload(User.roles))).scalars().all()
    mediators = mediator_rows(session, users, month, now=now)
    start, end = month_instants(month)
    held = MissionSession.status == SessionStatus.HELD
    delivered = func.coalesce(MissionSession.held_minutes, planned_minutes_sql(session))
    authorities = [
        AuthorityHours(organisation_id=r[0], name=r[1], held=int(r[2]), not_held=int(r[3]),
                       delivered_minutes=int(round(float(r[4]))))
        for r in session.execute(
            select(Organisation.id, Organisation.name, func.sum(case((held, 1), else_=0)),
                   func.sum(case((held, 0), else_=1)), func.coalesce(func.sum(case((held, delivered), else_=0)), 0))
            .select_from(MissionSession).join(Mission, Mission.id == MissionSession.mission_id)
            .join(Convention, Convention.id == Mission.convention_id)
            .join(Organisation, Organisation.id == Convention.organisation_id)
            .where(MissionSession.status.in_(CONFIRMED), MissionSession.start >= start, MissionSession.start < end)
            .group_by(Organisation.id, Organisation.name).order_by(Organisation.name)
        )
    ]
    conventions = list(session.execute(
        select(Convention).where(Convention.status == ConventionStatus.SIGNED, Convention.start_date < next_month(month),
                                 Convention.end_date >= month)
        .options(lazyload(Convention.services)).order_by(Convention.reference)
    ).scalars().unique())
    summaries = volume_summaries(session, [c.id for c in conventions], now=now)
    unconfirmed, without_report = _counts(session, month, now=now)
    statuses: dict[str, int] = {}
    for m in mediators:
        statuses[m.status] = statuses.get(m.status, 0) + 1
    return MonthOverview(month=month, mediators=mediators, authorities=authorities,
                         conventions=[ConventionVolume(c, summaries.get(c.id)) for c in conventions],
                         unconfirmed=unconfirmed, without_report=without_report, statuses=statuses)


# --- a mediator's dashboard --------------------------------------------------------------------------------------

def sessions_to_confirm(session: Session, user_id: int, *, now: datetime,
                        limit: int = 5) -> tuple[list[MissionSession], int]:
    """A mediator's first ``limit`` started sessions still to confirm (any month), oldest first, with their mission
    and place (not their assignments), and how many there are in all — in one query."""
    stmt = _sessions_with_places(select(MissionSession), assignments=False).where(
        MissionSession.status == SessionStatus.PLANNED, MissionSession.start <= now,
        assigned_to(user_id),
    ).order_by(MissionSession.start, MissionSession.id)
    rows = session.execute(stmt.add_columns(func.count().over()).limit(limit)).all()
    return [row[0] for row in rows], int(rows[0][1]) if rows else 0


def month_state(session: Session, user_id: int, month: date) -> tuple[int, int, str]:
    """(session minutes, extra minutes, status of the timesheet) of a mediator's month, in one query."""
    month = locks.month_start(month)
    is_session = TimeEntry.category == TimeCategory.SESSION
    status = select(Timesheet.status).where(Timesheet.user_id == user_id, Timesheet.month == month)
    row = session.execute(
        select(func.coalesce(func.sum(case((is_session, TimeEntry.minutes), else_=0)), 0),
               func.coalesce(func.sum(case((is_session, 0), else_=TimeEntry.minutes)), 0), status.scalar_subquery())
        .where(TimeEntry.user_id == user_id, TimeEntry.day >= month, TimeEntry.day < next_month(month))
    ).one()
    return int(row[0]), int(row[1]), row[2] or TimesheetStatus.OPEN  # no row yet: an open month (``timesheet_for``)
