"""Services of the missions domain: planning — missions and their sessions (assignment and absences:
``assignment.py``).

Sessions are generated from the mission's recurrence rule up to a horizon and kept in sync when the rule changes:
sessions with logged work (held / not held) and hand-made exceptions are never lost. Assigning a mediator checks,
inside the transaction and after locking the session's row then the mediator's (always in that order: no deadlock),
that the session still has an open seat (when a mediator takes it), that they are not in it yet, neither in another
session at the same time nor absent: concurrent requests can neither overbook a session nor double-book a mediator
(PostgreSQL: SELECT … FOR UPDATE; SQLite: writing transactions are BEGIN IMMEDIATE, so they run one at a time)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import audit, clock, formats, slots
from coopnum.core.clock import PARIS, paris_today
from coopnum.core.commands import Command
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import Role, User, UserRole
from coopnum.core.validation import domain_text
from coopnum.missions import recurrence
from coopnum.missions.models import (
    MAX_SESSION_DURATION,
    Mission,
    MissionKind,
    MissionMediator,
    MissionSession,
    MissionStatus,
    SessionStatus,
)
from coopnum.missions.services import availability
from coopnum.missions.services.assignment import (
    assign,
    conflict_for,
    lock_mediator,
    lock_session,
    refuse_if_done,
)
from coopnum.missions.services.availability import BusyMediator, summaries
from coopnum.organisations.models import Convention, Place, Service

HORIZON_DAYS = 400  # sessions are generated this far ahead at most (and never past the mission's end)


# --- missions -------------------------------------------------------------------------------------------------------

@dataclass
class MissionData(Command):
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
    busy: dict[int, BusyMediator] = field(default_factory=dict)  # the same, per mediator (one summary each)

    def wanted(self, mediator: User) -> BusyMediator:
        entry = self.busy.setdefault(mediator.id, BusyMediator(mediator.full_name))
        entry.wanted += 1
        return entry

    def busy_summaries(self) -> list[str]:
        """One sentence per mediator who could not be assigned to some sessions."""
        return summaries(self.busy)

    def summary(self) -> str:
        parts = []
        if self.created:
            parts.append(formats.count(self.created, "séance créée", "séances créées"))
        if self.updated:
            parts.append(formats.count(self.updated, "déplacée", "déplacées"))
        if self.deleted:
            parts.append(formats.count(self.deleted, "supprimée", "supprimées"))
        if self.cancelled:
            parts.append(formats.count(self.cancelled, "annulée", "annulées"))
        return ", ".join(parts) or "aucune séance modifiée"


def _check_place(convention: Convention, place: Place, current: Mission | None) -> None:
    """The place must be in the convention's perimeter (its organisation's places and territory); a mission saved
    before this rule keeps its place as long as neither changes."""
    if current is not None and (current.place_id, current.convention_id) == (place.id, convention.id):
        return
    if not availability.place_allowed(place, convention.organisation):
        raise DomainError(f"Le lieu « {place.name} » ({place.city}) n'est pas couvert par la convention "
                          f"{convention.reference} {formats.of(convention.organisation.name)} : choisissez un lieu de "
                          "cette structure ou de son territoire.", field="place_id")


def _check_mission_data(session: Session, data: MissionData,
                        current: Mission | None = None) -> tuple[Convention, Place]:
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
    _check_place(convention, place, current)
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
        entry = report.wanted(mediator)
        try:
            assign(session, actor, s, mediator, now=now, audit_it=False, locked=True)  # a new session
        except Conflict as exc:
            report.conflicts.append(exc.message)
            entry.busy.append(s.start)
    return s


@dataclass
class MissionPreview:
    """What saving the form would plan: how many sessions, from when to when, and the default mediators' conflicts."""

    count: int
    first: datetime
    last: datetime
    busy: list[str]


def preview_mission(session: Session, data: MissionData, *, now: datetime,
                    mission: Mission | None = None) -> MissionPreview:
    """The sessions the form would plan and, per default mediator, those they are already busy on — before
    saving, without writing anything (the same checks as the save: a DomainError names the field to correct).
    Three queries for the conflicts whatever the number of sessions."""
    convention, _place = _check_mission_data(session, data, mission)
    probe = Mission(convention_id=data.convention_id, place_id=data.place_id, title=data.title,
                    first_date=data.first_date, start_time=data.start_time, end_time=data.end_time)
    _apply(probe, data)
    today = paris_today(now)
    start = data.first_date if mission is None else max(data.first_date, today)
    found = occurrences(probe, convention, start, _horizon(probe, convention, today))
    if not found:
        raise DomainError("Cette règle de récurrence ne produit aucune séance dans la période de la convention.",
                          field="rrule")
    ids = sorted(set(data.default_mediator_ids))
    taken = availability.busy_slots(session, ids, found[0].start, found[-1].end,
                                    except_mission_id=mission.id if mission is not None else None)
    busy = {}
    for user in session.execute(select(User).where(User.id.in_(ids or [-1]))).scalars().unique():
        entry = busy[user.id] = BusyMediator(user.full_name, wanted=len(found))
        entry.busy = [o.start for o in found if availability.busy_at(taken[user.id], o.start, o.end)]
    return MissionPreview(count=len(found), first=found[0].start, last=found[-1].start, busy=summaries(busy))


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
    convention, _place = _check_mission_data(session, data, mission)
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
            entry = report.wanted(a.user)
            problem = conflict_for(session, a.user, s)
            if problem:
                s.assignments.remove(a)
                report.conflicts.append(problem)
                entry.busy.append(s.start)
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
                 f"{formats.count(count, 'séance à venir annulée', 'séances à venir annulées')}", now=now)
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
    if end - start > MAX_SESSION_DURATION:
        raise DomainError("Une séance ne peut pas durer plus de 14 heures.", field="end_time")


def _check_in_convention(session: Session, mission: Mission, start: datetime) -> None:
    convention = session.get(Convention, mission.convention_id)
    day = clock.to_paris(start).date()
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
    audit.record(session, actor, "create", s, summary=f"Séance ajoutée à « {mission.title} » {clock.describe_slot(start, end)}",
                 now=now)
    return s


def move_session(session: Session, actor: User, s: MissionSession, day: date, start_time: time, end_time: time, *,
                 now: datetime) -> MissionSession:
    lock_session(session, s)
    refuse_if_done(s)
    start, end = _paris_slot(day, start_time, end_time)
    _check_times(start, end)
    _check_in_convention(session, s.mission, start)
    before = {"start": s.start.isoformat(), "end": s.end.isoformat()}
    old_start, old_end = s.start, s.end
    for user_id in sorted(a.user_id for a in s.assignments):  # the session, then its mediators (by id)
        lock_mediator(session, user_id)
    s.start, s.end = start, end
    for a in s.assignments:
        problem = conflict_for(session, a.user, s)
        if problem:
            s.start, s.end = old_start, old_end
            raise Conflict(problem, details={"user_id": a.user_id})
    if s.original_start is None:
        s.original_start = old_start
    s.manual = True
    s.sequence += 1
    s.updated_at = now
    audit.record(session, actor, "move", s, summary=f"Séance déplacée {clock.describe_slot(start, end)}",
                 before=before, after={"start": start.isoformat(), "end": end.isoformat()}, now=now)
    return s


def cancel_session(session: Session, actor: User, s: MissionSession, reason: str, *, now: datetime) -> None:
    lock_session(session, s)
    refuse_if_done(s)
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
                 f"{s.mission.title} {clock.describe_slot(s.start, s.end)}", now=now)


def restore_session(session: Session, actor: User, s: MissionSession, *, now: datetime) -> None:
    lock_session(session, s)
    if s.status != SessionStatus.CANCELLED:
        raise DomainError("Seule une séance annulée peut être rétablie.")
    for user_id in sorted(a.user_id for a in s.assignments):  # the session, then its mediators (by id)
        lock_mediator(session, user_id)
    for a in s.assignments:
        problem = conflict_for(session, a.user, s)
        if problem:
            raise Conflict(problem, details={"user_id": a.user_id})
    s.status = SessionStatus.PLANNED
    s.cancel_reason = ""
    s.sequence += 1
    s.updated_at = now
    audit.record(session, actor, "restore", s, summary=f"Séance rétablie : {s.mission.title} "
                 f"{clock.describe_slot(s.start, s.end)}", now=now)
