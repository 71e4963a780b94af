"""Services of the missions domain: assignment of mediators to sessions without double booking (a mediator is in
one place at a time, and not during an absence), open sessions taken by mediators, and absences.

Two assignments of one mediator are serialised by a lock on the mediator's row (``_lock_mediator``), the seats of a
session by a lock on the session's row (``lock_session``): a lost race is a ``Conflict`` (409 / French message)."""

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload
from sqlmodel import Session

from coopnum.core import audit, clock, formats
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import Role, User, UserRole
from coopnum.missions.models import Absence, AbsenceKind, Assignment, Mission, MissionSession, SessionStatus

ABSENCE_LABELS = {
    AbsenceKind.LEAVE: "congé",
    AbsenceKind.TRAINING: "formation",
    AbsenceKind.SICKNESS: "arrêt maladie",
    AbsenceKind.OTHER: "absence",
}


def refuse_if_done(s: MissionSession) -> None:
    if s.status in (SessionStatus.HELD, SessionStatus.NOT_HELD):
        raise DomainError("Cette séance a déjà été confirmée : elle ne peut plus être modifiée.")


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


def lock_mediator(session: Session, user_id: int) -> None:
    """Serialise the assignments of one mediator (PostgreSQL row lock; SQLite: BEGIN IMMEDIATE already did)."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(User.id).where(User.id == user_id).with_for_update())


def conflict_for(session: Session, user: User, s: MissionSession) -> str | None:
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
                f"{clock.describe_slot(other.start, other.end)}.")
    absence = session.execute(
        select(Absence).where(Absence.user_id == user.id, Absence.start < s.end, Absence.end > s.start).limit(1)
    ).scalar_one_or_none()
    if absence is not None:
        label = ABSENCE_LABELS.get(AbsenceKind(absence.kind), "absence")
        return f"{user.full_name} est absent·e ({label}) {clock.describe_slot(absence.start, absence.end)}."
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
    lock_mediator(session, mediator.id)
    problem = conflict_for(session, mediator, s)
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
                     f"{clock.describe_slot(s.start, s.end)}", now=now)
    return assignment


def unassign(session: Session, actor: User, s: MissionSession, mediator_id: int, *, now: datetime) -> None:
    lock_session(session, s)
    refuse_if_done(s)
    assignment = next((a for a in s.assignments if a.user_id == mediator_id), None)
    if assignment is None:
        raise DomainError("Ce médiateur n'est pas affecté à cette séance.")
    name = assignment.user.full_name
    s.assignments.remove(assignment)
    s.sequence += 1
    s.updated_at = now
    audit.record(session, actor, "unassign", s, summary=f"{name} retiré·e de « {s.mission.title} » "
                 f"{clock.describe_slot(s.start, s.end)}", now=now)


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


def refused_for(user_id: int):
    """SQL: the session would be refused to this mediator by ``take_session`` — they are in it already, in another
    session at the same time, or absent (the rule of ``conflict_for``, as one condition: no query per session)."""
    mine = aliased(MissionSession)
    busy = exists(
        select(Assignment.id).join(mine, mine.id == Assignment.session_id)
        .where(Assignment.user_id == user_id, mine.status != SessionStatus.CANCELLED,
               mine.start < MissionSession.end, mine.end > MissionSession.start))
    absent = exists(select(Absence.id).where(Absence.user_id == user_id, Absence.start < MissionSession.end,
                                             Absence.end > MissionSession.start))
    return or_(busy, absent)


def open_sessions_stmt(now: datetime, *, for_user_id: int | None = None, refused: bool = False):
    """Planned future sessions with fewer mediators than the mission needs; ``for_user_id``: only those this
    mediator may take (``refused``: only those they may not)."""
    count = (
        select(func.count(Assignment.id)).where(Assignment.session_id == MissionSession.id).scalar_subquery()
    )
    stmt = (
        select(MissionSession)
        .join(Mission, Mission.id == MissionSession.mission_id)
        .where(MissionSession.status == SessionStatus.PLANNED, MissionSession.start > now,
               count < Mission.mediators_needed)
        .options(selectinload(MissionSession.assignments))
        .order_by(MissionSession.start)
    )
    if for_user_id is not None:
        rule = refused_for(for_user_id)
        stmt = stmt.where(rule if refused else ~rule)
    return stmt


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
    lock_mediator(session, user.id)
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
                 summary=f"Absence {formats.of(user.full_name)} {clock.describe_slot(start, end)} ; "
                         f"{formats.count(len(released), 'séance libérée', 'séances libérées')}", now=now)
    return absence, list(released)


def delete_absence(session: Session, actor: User, absence: Absence, *, now: datetime) -> None:
    audit.record(session, actor, "delete", absence, summary=f"Absence supprimée : {absence.user.full_name} "
                 f"{clock.describe_slot(absence.start, absence.end)}", now=now)
    session.delete(absence)


def mediators(session: Session) -> list[User]:
    return list(
        session.execute(
            select(User).join(UserRole).where(UserRole.role == Role.MEDIATOR, User.active.is_(True))
            .order_by(User.full_name)
        ).scalars().unique()
    )
