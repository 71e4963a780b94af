"""Services of the missions domain: planning — missions, their sessions, assignments and absences.

Sessions are generated from the mission's recurrence rule up to a horizon and kept in sync when the rule changes:
sessions with logged work (held / not held) and hand-made exceptions are never lost. Assigning a mediator checks,
inside the transaction and after locking the session's row then the mediator's (always in that order: no deadlock),
that the session still has an open seat (when a mediator takes it), that they are not in it yet, neither in another
session at the same time nor absent: concurrent requests can neither overbook a session nor double-book a mediator
(PostgreSQL: SELECT … FOR UPDATE; SQLite: writing transactions are BEGIN IMMEDIATE, so they run one at a time)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import format_date
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload
from sqlmodel import Session

from coopnum.core import audit, slots
from coopnum.core.clock import PARIS, paris_today
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import Role, User, UserRole
from coopnum.core.validation import domain_text
from coopnum.missions import recurrence
from coopnum.missions.models import (
    Absence,
    AbsenceKind,
    Assignment,
    Mission,
    MissionKind,
    MissionMediator,
    MissionSession,
    MissionStatus,
    SessionStatus,
)
from coopnum.organisations.models import Convention, Place, Service

HORIZON_DAYS = 400  # sessions are generated this far ahead at most (and never past the mission's end)
ABSENCE_LABELS = {
    AbsenceKind.LEAVE: "congé",
    AbsenceKind.TRAINING: "formation",
    AbsenceKind.SICKNESS: "arrêt maladie",
    AbsenceKind.OTHER: "absence",
}


# --- formatting for messages ----------------------------------------------------------------------------------------

def local(dt: datetime) -> datetime:
    return dt.astimezone(PARIS)


def describe_slot(start: datetime, end: datetime) -> str:
    """'le mardi 24 novembre 2026 de 09:00 à 12:00' (Europe/Paris)."""
    s, e = local(start), local(end)
    day = _french_date(s.date())
    if s.date() == e.date():
        return f"le {day} de {s:%H:%M} à {e:%H:%M}"
    return f"du {day} {s:%H:%M} au {_french_date(e.date())} {e:%H:%M}"


def _french_date(d: date) -> str:
    try:
        return format_date(d, "EEEE d MMMM y", locale="fr")
    except (RuntimeError, TypeError):  # outside a Flask app (scripts): Babel directly
        from babel.dates import format_date as babel_format_date

        return babel_format_date(d, "EEEE d MMMM y", locale="fr")


# --- missions -------------------------------------------------------------------------------------------------------

@dataclass
class MissionData:
    convention_id: int
    place_id: int
    title: str
    first_date: date
    start_time: time
    end_time: time
    rrule: str = ""
    kind: str = MissionKind.PERMANENCE
    service_id: int | None = None
    until_date: date | None = None
    exclude_holidays: bool = True
    holiday_subdiv: str | None = None
    mediators_needed: int = 1
    notes: str = ""
    default_mediator_ids: list[int] = field(default_factory=list)
    exdates: list[date] = field(default_factory=list)


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    cancelled: int = 0
    kept: int = 0
    conflicts: list[str] = field(default_factory=list)  # default mediators that could not be assigned, and why

    def summary(self) -> str:
        parts = []
        if self.created:
            parts.append(f"{self.created} séance(s) créée(s)")
        if self.updated:
            parts.append(f"{self.updated} déplacée(s)")
        if self.deleted:
            parts.append(f"{self.deleted} supprimée(s)")
        if self.cancelled:
            parts.append(f"{self.cancelled} annulée(s)")
        return ", ".join(parts) or "aucune séance modifiée"


def _check_mission_data(session: Session, data: MissionData) -> tuple[Convention, Place]:
    domain_text(data.title, field="title", label="Le titre", max_length=200)
    domain_text(data.holiday_subdiv, field="holiday_subdiv", label="Le calendrier des jours fériés", max_length=5)
    if not data.title.strip():
        raise DomainError("Le titre est obligatoire.", field="title")
    convention = session.get(Convention, data.convention_id)
    if convention is None:
        raise DomainError("Convention introuvable.", field="convention_id")
    place = session.get(Place, data.place_id)
    if place is None or place.archived:
        raise DomainError("Lieu introuvable.", field="place_id")
    if data.service_id is not None and session.get(Service, data.service_id) is None:
        raise DomainError("Service introuvable.", field="service_id")
    if data.end_time <= data.start_time:
        raise DomainError("L'heure de fin doit être après l'heure de début.", field="end_time")
    if not convention.start_date <= data.first_date <= convention.end_date:
        raise DomainError(
            f"La première séance doit être dans la période de la convention "
            f"(du {convention.start_date:%d/%m/%Y} au {convention.end_date:%d/%m/%Y}).",
            field="first_date",
        )
    if data.until_date is not None:
        if data.until_date < data.first_date:
            raise DomainError("La date de fin doit être postérieure à la première séance.", field="until_date")
        if data.until_date > convention.end_date:
            raise DomainError(
                f"La mission ne peut pas dépasser la fin de la convention ({convention.end_date:%d/%m/%Y}).",
                field="until_date",
            )
    if data.mediators_needed < 1 or data.mediators_needed > 10:
        raise DomainError("Le nombre de médiateurs par séance doit être entre 1 et 10.", field="mediators_needed")
    if data.rrule:
        try:
            data.rrule = recurrence.parse_rrule(data.rrule)
        except recurrence.RecurrenceError as exc:
            raise DomainError(exc.message, field="rrule") from exc
    if data.default_mediator_ids:
        found = set(
            session.execute(
                select(UserRole.user_id).where(
                    UserRole.user_id.in_(data.default_mediator_ids), UserRole.role == Role.MEDIATOR
                )
            ).scalars()
        )
        if found != set(data.default_mediator_ids):
            raise DomainError("Seuls des médiateurs peuvent être affectés.", field="default_mediator_ids")
    return convention, place


def _horizon(mission: Mission, convention: Convention, today: date) -> date:
    end = mission.until_date or convention.end_date
    return min(end, today + timedelta(days=HORIZON_DAYS))


def occurrences(mission: Mission, convention: Convention, window_start: date, window_end: date):
    if window_end < window_start:
        return []
    try:
        if not mission.rrule:
            if not window_start <= mission.first_date <= window_end:
                return []
            rule = "FREQ=DAILY;COUNT=1"
            exclude = False
        else:
            rule, exclude = mission.rrule, mission.exclude_holidays
        return recurrence.generate_occurrences(
            rule, mission.first_date, mission.start_time, mission.end_time, window_start, window_end,
            exclude_holidays=exclude, holiday_subdiv=mission.holiday_subdiv,
            exdates=[date.fromisoformat(d) for d in mission.exdates],
        )
    except recurrence.RecurrenceError as exc:
        raise DomainError(exc.message, field="rrule") from exc


def _apply(mission: Mission, data: MissionData) -> None:
    mission.convention_id = data.convention_id
    mission.place_id = data.place_id
    mission.service_id = data.service_id
    mission.kind = data.kind
    mission.title = data.title.strip()
    mission.rrule = data.rrule
    mission.first_date = data.first_date
    mission.until_date = data.until_date
    mission.start_time = data.start_time
    mission.end_time = data.end_time
    mission.exclude_holidays = data.exclude_holidays
    mission.holiday_subdiv = data.holiday_subdiv or None
    mission.mediators_needed = data.mediators_needed
    mission.notes = data.notes
    mission.exdates = sorted({d.isoformat() for d in data.exdates})


def _set_default_mediators(mission: Mission, ids: Iterable[int]) -> None:
    wanted = set(ids)
    mission.default_mediators[:] = [m for m in mission.default_mediators if m.user_id in wanted]
    have = {m.user_id for m in mission.default_mediators}
    for uid in sorted(wanted - have):
        mission.default_mediators.append(MissionMediator(user_id=uid))


def create_mission(session: Session, actor: User, data: MissionData, *, now: datetime) -> tuple[Mission, SyncReport]:
    convention, _place = _check_mission_data(session, data)
    mission = Mission(convention_id=data.convention_id, place_id=data.place_id, title=data.title,
                      first_date=data.first_date, start_time=data.start_time, end_time=data.end_time,
                      created_at=now, updated_at=now)
    _apply(mission, data)
    _set_default_mediators(mission, data.default_mediator_ids)
    session.add(mission)
    session.flush()
    found = occurrences(mission, convention, data.first_date, _horizon(mission, convention, paris_today(now)))
    if not found:
        raise DomainError("Cette règle de récurrence ne produit aucune séance dans la période de la convention.",
                          field="rrule")
    report = SyncReport()
    for occ in found:
        _create_session(session, actor, mission, occ.start, occ.end, report, now=now)
    audit.record(session, actor, "create", mission, summary=f"Mission « {mission.title} » créée : {report.summary()}",
                 after=audit.snapshot(mission), now=now)
    return mission, report


def _create_session(session, actor, mission, start, end, report: SyncReport, *, now, manual=False) -> MissionSession:
    s = MissionSession(mission_id=mission.id, start=start, end=end, manual=manual, created_at=now, updated_at=now)
    session.add(s)
    session.flush()
    report.created += 1
    for default in mission.default_mediators:
        mediator = session.get(User, default.user_id)
        try:
            assign(session, actor, s, mediator, now=now, audit_it=False, locked=True)  # a new session
        except Conflict as exc:
            report.conflicts.append(exc.message)
    return s


def locked_session_ids(session: Session, session_ids: list[int]) -> set[int]:
    """Sessions with logged work (confirmed, hours or activity reports), which a change of rule must never move
    or delete."""
    if not session_ids:
        return set()
    confirmed = select(MissionSession.id).where(
        MissionSession.id.in_(session_ids), MissionSession.status.in_([SessionStatus.HELD, SessionStatus.NOT_HELD]))
    locked = set(session.execute(confirmed).scalars())
    for with_work in slots.provided("missions.sessions_with_work", session, session_ids):
        locked |= with_work  # hours (timesheets), activity reports (activities)
    return locked


def update_mission(session: Session, actor: User, mission: Mission, data: MissionData, *,
                   now: datetime) -> SyncReport:
    if mission.status == MissionStatus.ARCHIVED:
        raise DomainError("Cette mission est archivée.")
    convention, _place = _check_mission_data(session, data)
    before = audit.snapshot(mission)
    _apply(mission, data)
    _set_default_mediators(mission, data.default_mediator_ids)
    session.flush()
    report = sync_sessions(session, actor, mission, now=now)
    after = audit.snapshot(mission)
    audit.record(session, actor, "update", mission, summary=f"Mission « {mission.title} » modifiée : {report.summary()}",
                 before=before, after=after, now=now)
    return report


def sync_sessions(session: Session, actor: User, mission: Mission, *, now: datetime) -> SyncReport:
    """Bring the future sessions in line with the rule. Past sessions are history: never touched."""
    convention = session.get(Convention, mission.convention_id)
    today = now.astimezone(PARIS).date()
    window_start = max(mission.first_date, today)
    window_end = _horizon(mission, convention, today)
    found = occurrences(mission, convention, window_start, window_end)
    existing = session.execute(
        select(MissionSession).where(
            MissionSession.mission_id == mission.id,
            MissionSession.start >= datetime.combine(window_start, time.min, PARIS),
        )
    ).scalars().all()
    locked = locked_session_ids(session, [s.id for s in existing])
    by_key = {s.id: s for s in existing}
    plan = recurrence.plan_sync(
        [recurrence.ExistingSession(key=s.id, start=s.start, end=s.end, status=s.status,
                                    locked=s.id in locked, manual=s.manual) for s in existing],
        found,
        original_starts={s.id: s.original_start for s in existing if s.original_start is not None},
    )
    report = SyncReport(kept=len(plan.keep))
    for occ in plan.create:
        _create_session(session, actor, mission, occ.start, occ.end, report, now=now)
    for key, occ in plan.update:
        s = by_key[key]
        s.start, s.end = occ.start, occ.end
        s.sequence += 1
        s.updated_at = now
        report.updated += 1
        for a in list(s.assignments):
            problem = _conflict_for(session, a.user, s)
            if problem:
                s.assignments.remove(a)
                report.conflicts.append(problem)
    for key in plan.delete:
        s = by_key[key]
        if s.assignments and s.status != SessionStatus.CANCELLED:
            # people had it in their calendar: keep it as cancelled so their feeds show the cancellation
            s.status = SessionStatus.CANCELLED
            s.cancel_reason = "Séance retirée par la modification de la mission"
            s.manual = True
            s.sequence += 1
            s.updated_at = now
            report.cancelled += 1
        elif s.status != SessionStatus.CANCELLED or not s.manual:
            session.delete(s)
            report.deleted += 1
    session.flush()
    return report


def archive_mission(session: Session, actor: User, mission: Mission, *, now: datetime) -> int:
    """Archive a mission: its future planned sessions are cancelled (kept, for the calendars)."""
    count = 0
    future = session.execute(
        select(MissionSession).where(MissionSession.mission_id == mission.id, MissionSession.start > now,
                                     MissionSession.status == SessionStatus.PLANNED)
    ).scalars().all()
    for s in future:
        s.status = SessionStatus.CANCELLED
        s.cancel_reason = "Mission archivée"
        s.sequence += 1
        s.updated_at = now
        count += 1
    mission.status = MissionStatus.ARCHIVED
    audit.record(session, actor, "archive", mission, summary=f"Mission « {mission.title} » archivée, "
                 f"{count} séance(s) à venir annulée(s)", now=now)
    return count


# --- single sessions ------------------------------------------------------------------------------------------------

def _paris_slot(day: date, start_time: time, end_time: time) -> tuple[datetime, datetime]:
    """Paris wall-clock times of a day → UTC instants, as a mission's rule makes them (a start in the spring DST
    gap moves an hour later and keeps its duration): the checks measure the real time, even on a 23 or 25-hour day."""
    occurrence = recurrence.occurrence_on(day, start_time, end_time, PARIS)
    return occurrence.start, occurrence.end


def _check_times(start: datetime, end: datetime) -> None:
    if end <= start:
        raise DomainError("L'heure de fin doit être après l'heure de début.", field="end_time")
    if end - start > timedelta(hours=14):
        raise DomainError("Une séance ne peut pas durer plus de 14 heures.", field="end_time")


def _check_in_convention(session: Session, mission: Mission, start: datetime) -> None:
    convention = session.get(Convention, mission.convention_id)
    day = local(start).date()
    if not convention.start_date <= day <= convention.end_date:
        raise DomainError(
            f"La séance doit être dans la période de la convention (du {convention.start_date:%d/%m/%Y} "
            f"au {convention.end_date:%d/%m/%Y}).", field="day")


def add_session(session: Session, actor: User, mission: Mission, day: date, start_time: time, end_time: time, *,
                now: datetime, mediator_ids: Iterable[int] = ()) -> MissionSession:
    """A one-off session added by hand (an exception the rule keeps)."""
    if mission.status == MissionStatus.ARCHIVED:
        raise DomainError("Cette mission est archivée.")
    start, end = _paris_slot(day, start_time, end_time)
    _check_times(start, end)
    _check_in_convention(session, mission, start)
    s = MissionSession(mission_id=mission.id, start=start, end=end, manual=True, created_at=now, updated_at=now)
    session.add(s)
    session.flush()
    for uid in mediator_ids:
        assign(session, actor, s, session.get(User, uid), now=now, audit_it=False, locked=True)  # a new session
    audit.record(session, actor, "create", s, summary=f"Séance ajoutée à « {mission.title} » {describe_slot(start, end)}",
                 now=now)
    return s


def _refuse_if_done(s: MissionSession) -> None:
    if s.status in (SessionStatus.HELD, SessionStatus.NOT_HELD):
        raise DomainError("Cette séance a déjà été confirmée : elle ne peut plus être modifiée.")


def move_session(session: Session, actor: User, s: MissionSession, day: date, start_time: time, end_time: time, *,
                 now: datetime) -> MissionSession:
    lock_session(session, s)
    _refuse_if_done(s)
    start, end = _paris_slot(day, start_time, end_time)
    _check_times(start, end)
    _check_in_convention(session, s.mission, start)
    before = {"start": s.start.isoformat(), "end": s.end.isoformat()}
    old_start, old_end = s.start, s.end
    for user_id in sorted(a.user_id for a in s.assignments):  # the session, then its mediators (by id)
        _lock_mediator(session, user_id)
    s.start, s.end = start, end
    for a in s.assignments:
        problem = _conflict_for(session, a.user, s)
        if problem:
            s.start, s.end = old_start, old_end
            raise Conflict(problem, details={"user_id": a.user_id})
    if s.original_start is None:
        s.original_start = old_start
    s.manual = True
    s.sequence += 1
    s.updated_at = now
    audit.record(session, actor, "move", s, summary=f"Séance déplacée {describe_slot(start, end)}",
                 before=before, after={"start": start.isoformat(), "end": end.isoformat()}, now=now)
    return s


def cancel_session(session: Session, actor: User, s: MissionSession, reason: str, *, now: datetime) -> None:
    lock_session(session, s)
    _refuse_if_done(s)
    if s.status == SessionStatus.CANCELLED:
        raise DomainError("Cette séance est déjà annulée.")
    reason = domain_text(reason, field="reason", label="Le motif de l'annulation")
    if not reason:
        raise DomainError("Indiquez le motif de l'annulation.", field="reason")
    s.status = SessionStatus.CANCELLED
    s.cancel_reason = reason.strip()[:300]
    s.manual = True
    s.sequence += 1
    s.updated_at = now
    audit.record(session, actor, "cancel", s, summary=f"Séance annulée ({reason.strip()}) : "
                 f"{s.mission.title} {describe_slot(s.start, s.end)}", now=now)


def restore_session(session: Session, actor: User, s: MissionSession, *, now: datetime) -> None:
    lock_session(session, s)
    if s.status != SessionStatus.CANCELLED:
        raise DomainError("Seule une séance annulée peut être rétablie.")
    for user_id in sorted(a.user_id for a in s.assignments):  # the session, then its mediators (by id)
        _lock_mediator(session, user_id)
    for a in s.assignments:
        problem = _conflict_for(session, a.user, s)
        if problem:
            raise Conflict(problem, details={"user_id": a.user_id})
    s.status = SessionStatus.PLANNED
    s.cancel_reason = ""
    s.sequence += 1
    s.updated_at = now
    audit.record(session, actor, "restore", s, summary=f"Séance rétablie : {s.mission.title} "
                 f"{describe_slot(s.start, s.end)}", now=now)


# --- assignment -------------------------------------------------------------------------------------------------

def lock_session(session: Session, s: MissionSession) -> None:
    """Lock the session's row until the end of the transaction and reload it with its assignments, as the
    transactions that held the lock before committed them: the checks made after this (open seats, status, who is
    already in) stay true until commit. PostgreSQL: SELECT … FOR UPDATE; SQLite: writing transactions are
    BEGIN IMMEDIATE, so they already run one at a time (the reload still drops what an earlier transaction of the
    same request left in memory). Lock order, everywhere: the session, then its mediators (no deadlock)."""
    if s.id is None:
        return
    session.flush()
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(MissionSession.id).where(MissionSession.id == s.id).with_for_update())
    session.refresh(s)  # after the lock: what the transactions before us committed


def _lock_mediator(session: Session, user_id: int) -> None:
    """Serialise the assignments of one mediator (PostgreSQL row lock; SQLite: BEGIN IMMEDIATE already did)."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _conflict_for(session: Session, user: User, s: MissionSession) -> str | None:
    """A French sentence naming what prevents `user` from being in session `s`, or None."""
    other = session.execute(
        select(MissionSession)
        .join(Assignment, Assignment.session_id == MissionSession.id)
        .where(
            Assignment.user_id == user.id,
            MissionSession.id != s.id,
            MissionSession.status != SessionStatus.CANCELLED,
            MissionSession.start < s.end,
            MissionSession.end > s.start,
        )
        .order_by(MissionSession.start)
        .limit(1)
    ).scalar_one_or_none()
    if other is not None:
        return (f"{user.full_name} est déjà affecté·e à « {other.mission.title} » ({other.mission.place.name}) "
                f"{describe_slot(other.start, other.end)}.")
    absence = session.execute(
        select(Absence).where(Absence.user_id == user.id, Absence.start < s.end, Absence.end > s.start).limit(1)
    ).scalar_one_or_none()
    if absence is not None:
        label = ABSENCE_LABELS.get(AbsenceKind(absence.kind), "absence")
        return f"{user.full_name} est absent·e ({label}) {describe_slot(absence.start, absence.end)}."
    return None


def assign(session: Session, actor: User, s: MissionSession, mediator: User | None, *, now: datetime,
           audit_it: bool = True, locked: bool = False) -> Assignment:
    """Assign a mediator; the session's row is locked first (unless the caller did: ``locked``), then the
    mediator's, so that the checks see every assignment committed before."""
    if mediator is None or not mediator.active or not mediator.has_role(Role.MEDIATOR):
        raise DomainError("Seul un médiateur actif peut être affecté à une séance.", field="user_id")
    if not locked:
        lock_session(session, s)
    if s.status == SessionStatus.CANCELLED:
        raise DomainError("Cette séance est annulée.")
    if any(a.user_id == mediator.id for a in s.assignments):
        raise Conflict(f"{mediator.full_name} est déjà affecté·e à cette séance.", field="user_id")
    _lock_mediator(session, mediator.id)
    problem = _conflict_for(session, mediator, s)
    if problem:
        raise Conflict(problem, details={"user_id": mediator.id})
    assignment = Assignment(session_id=s.id, user_id=mediator.id, created_at=now,
                            created_by_id=actor.id if actor else None)
    s.assignments.append(assignment)
    s.sequence += 1
    s.updated_at = now
    session.flush()
    if audit_it:
        audit.record(session, actor, "assign", s, summary=f"{mediator.full_name} affecté·e à « {s.mission.title} » "
                     f"{describe_slot(s.start, s.end)}", now=now)
    return assignment


def unassign(session: Session, actor: User, s: MissionSession, mediator_id: int, *, now: datetime) -> None:
    lock_session(session, s)
    _refuse_if_done(s)
    assignment = next((a for a in s.assignments if a.user_id == mediator_id), None)
    if assignment is None:
        raise DomainError("Ce médiateur n'est pas affecté à cette séance.")
    name = assignment.user.full_name
    s.assignments.remove(assignment)
    s.sequence += 1
    s.updated_at = now
    audit.record(session, actor, "unassign", s, summary=f"{name} retiré·e de « {s.mission.title} » "
                 f"{describe_slot(s.start, s.end)}", now=now)


def is_open(s: MissionSession) -> bool:
    return s.status == SessionStatus.PLANNED and len(s.assignments) < s.mission.mediators_needed


def take_session(session: Session, mediator: User, s: MissionSession, *, now: datetime) -> Assignment:
    """A mediator takes an open session: its row is locked before its seats are counted, so that mediators pressing
    the button at the same moment never take more seats than the mission needs."""
    lock_session(session, s)
    if s.end <= now:
        raise DomainError("Cette séance est passée.")
    if s.status != SessionStatus.PLANNED:
        raise DomainError("Cette séance n'est plus à pourvoir.")
    if any(a.user_id == mediator.id for a in s.assignments):
        raise Conflict("Vous êtes déjà affecté·e à cette séance.")
    if not is_open(s):
        raise Conflict("Cette séance est déjà pourvue.")
    return assign(session, mediator, s, mediator, now=now, locked=True)


def open_sessions_stmt(now: datetime):
    """Planned future sessions with fewer mediators than the mission needs."""
    count = (
        select(func.count(Assignment.id)).where(Assignment.session_id == MissionSession.id).scalar_subquery()
    )
    return (
        select(MissionSession)
        .join(Mission, Mission.id == MissionSession.mission_id)
        .where(MissionSession.status == SessionStatus.PLANNED, MissionSession.start > now,
               count < Mission.mediators_needed)
        .options(selectinload(MissionSession.assignments))
        .order_by(MissionSession.start)
    )


# --- absences ---------------------------------------------------------------------------------------------------

def create_absence(session: Session, actor: User, user: User, kind: str, start: datetime, end: datetime,
                   note: str = "", *, now: datetime) -> tuple[Absence, list[MissionSession]]:
    """Record an absence; the mediator's sessions in that period are released (they become open)."""
    if user is None or not user.has_role(Role.MEDIATOR):
        raise DomainError("Les absences concernent les médiateurs.", field="user_id")
    if end <= start:
        raise DomainError("La fin de l'absence doit être après son début.", field="end")
    if end - start > timedelta(days=366):
        raise DomainError("Une absence ne peut pas dépasser un an.", field="end")
    try:
        AbsenceKind(kind)
    except ValueError as exc:
        raise DomainError("Type d'absence inconnu.", field="kind") from exc
    if session.get_bind().dialect.name != "sqlite":
        # the sessions it releases first, then the mediator: the order assign() takes them in (no deadlock)
        session.execute(
            select(MissionSession.id)
            .where(MissionSession.id.in_(
                select(Assignment.session_id).join(MissionSession, MissionSession.id == Assignment.session_id)
                .where(Assignment.user_id == user.id, MissionSession.status == SessionStatus.PLANNED,
                       MissionSession.start < end, MissionSession.end > start)))
            .order_by(MissionSession.id).with_for_update())
    _lock_mediator(session, user.id)
    absence = Absence(user_id=user.id, kind=kind, start=start, end=end, note=note.strip()[:300],
                      created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(absence)
    released = session.execute(
        select(MissionSession)
        .join(Assignment, Assignment.session_id == MissionSession.id)
        .where(Assignment.user_id == user.id, MissionSession.status == SessionStatus.PLANNED,
               MissionSession.start < end, MissionSession.end > start)
        .order_by(MissionSession.start)
    ).scalars().all()
    if released:
        session.execute(delete(Assignment).where(Assignment.user_id == user.id,
                                                 Assignment.session_id.in_([s.id for s in released])))
        for s in released:
            s.sequence += 1
            s.updated_at = now
            session.expire(s, ["assignments"])
    audit.record(session, actor, "create", absence,
                 summary=f"Absence de {user.full_name} {describe_slot(start, end)} ; "
                         f"{len(released)} séance(s) libérée(s)", now=now)
    return absence, list(released)


def delete_absence(session: Session, actor: User, absence: Absence, *, now: datetime) -> None:
    audit.record(session, actor, "delete", absence, summary=f"Absence supprimée : {absence.user.full_name} "
                 f"{describe_slot(absence.start, absence.end)}", now=now)
    session.delete(absence)


def mediators(session: Session) -> list[User]:
    return list(
        session.execute(
            select(User).join(UserRole).where(UserRole.role == Role.MEDIATOR, User.active.is_(True))
            .order_by(User.full_name)
        ).scalars().unique()
    )
