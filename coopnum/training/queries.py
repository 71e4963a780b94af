"""Read-only queries of the training pages: the home's and the list's sessions, the choices of the session form
(people, users, places, skills), the scans of a session, the profiles' members, the calendar's half-days. The
services keep their writes (and the reads their rules need)."""

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload
from sqlmodel import Session

from coopnum.core.models import Role, User
from coopnum.organisations.models import Place, Service
from coopnum.training.models import (
    AttendanceScan,
    Participant,
    Person,
    Skill,
    TrainingHalfDay,
    TrainingSession,
    TrainingSkill,
    TrainingStatus,
)


def _first_start():
    return (select(func.min(TrainingHalfDay.starts_at)).where(TrainingHalfDay.training_id == TrainingSession.id)
            .correlate(TrainingSession).scalar_subquery())


def _not_over(now: datetime):
    return select(TrainingHalfDay.training_id).where(TrainingHalfDay.ends_at >= now)


# --- sessions ------------------------------------------------------------------------------------------------------

def upcoming_sessions(session: Session, now: datetime, limit: int = 10) -> list[TrainingSession]:
    """The planned sessions not over yet, the soonest first."""
    q = (select(TrainingSession).where(TrainingSession.status == TrainingStatus.PLANNED,
                                       TrainingSession.id.in_(_not_over(now)))
         .order_by(_first_start()).limit(limit))
    return list(session.execute(q).scalars())


def sessions_of(session: Session, person_id: int, limit: int = 10) -> list[TrainingSession]:
    """The sessions a person takes part in, the latest created first."""
    return list(session.execute(
        select(TrainingSession).join(Participant, Participant.training_id == TrainingSession.id)
        .where(Participant.person_id == person_id).order_by(TrainingSession.id.desc()).limit(limit)).scalars().all())


def sessions_stmt(*, text: str | None, status: str | None, now: datetime, statuses, person_id: int | None = None,
                  only_mine: bool = False, creator_id: int | None = None):
    """The list of sessions, filtered: a title containing ``text``; "upcoming" (planned, not over) or one of
    ``statuses``; when ``only_mine``, those ``person_id`` takes part in (or, with ``creator_id``, created); the
    latest first."""
    q = select(TrainingSession)
    if text:
        q = q.where(TrainingSession.title.ilike(f"%{text.strip()}%"))
    if status == "upcoming":
        q = q.where(TrainingSession.status == TrainingStatus.PLANNED, TrainingSession.id.in_(_not_over(now)))
    elif status in statuses:
        q = q.where(TrainingSession.status == status)
    if only_mine:
        mine = select(Participant.training_id).where(Participant.person_id == (person_id or -1))
        q = q.where(or_(TrainingSession.id.in_(mine), TrainingSession.created_by_id == creator_id)
                    if creator_id is not None else TrainingSession.id.in_(mine))
    return q.order_by(_first_start().desc(), TrainingSession.id.desc())


def session_skills(session: Session, training_id: int) -> list[TrainingSkill]:
    return list(session.execute(select(TrainingSkill).where(TrainingSkill.training_id == training_id)).scalars())


def scans_by_half_day(session: Session, half_day_ids: list[int]) -> dict[int, list[AttendanceScan]]:
    scans: dict[int, list[AttendanceScan]] = {}
    for scan in session.execute(select(AttendanceScan).where(AttendanceScan.half_day_id.in_(half_day_ids))
                                .order_by(AttendanceScan.id)).scalars():
        scans.setdefault(scan.half_day_id, []).append(scan)
    return scans


# --- choices of the session form -----------------------------------------------------------------------------------

def active_people(session: Session) -> list[Person]:
    return list(session.execute(select(Person).where(Person.active.is_(True)).order_by(Person.full_name)).scalars())


def active_users(session: Session) -> list[User]:
    return list(session.execute(select(User).where(User.active.is_(True)).order_by(User.full_name)).scalars())


def places(session: Session) -> list[tuple[int, str]]:
    from coopnum.organisations.models import Place

    return [(p.id, p.name) for p in session.execute(select(Place).order_by(Place.name)).scalars()]


def active_skills(session: Session, *, by_framework: bool = False) -> list[Skill]:
    """The active skills, by position and code (first by framework when ``by_framework``)."""
    order = (Skill.framework, Skill.position, Skill.code) if by_framework else (Skill.position, Skill.code)
    return list(session.execute(select(Skill).where(Skill.active.is_(True)).order_by(*order)).scalars().all())


def first_coordinator(session: Session) -> User | None:
    """The first active coordinator (who signs the certificates a mediator downloads)."""
    from coopnum.core.models import UserRole

    return session.execute(select(User).join(UserRole, UserRole.user_id == User.id)
                           .where(UserRole.role == Role.COORDINATOR, User.active.is_(True))
                           .order_by(User.id).limit(1)).scalar_one_or_none()


# --- profiles --------------------------------------------------------------------------------------------------------

def profile_sizes(session: Session) -> dict[int, int]:
    return dict(session.execute(select(Person.target_profile_id, func.count()).where(
        Person.target_profile_id.is_not(None)).group_by(Person.target_profile_id)).all())


def profile_members(session: Session, profile_id: int) -> list[Person]:
    return list(session.execute(select(Person).where(Person.target_profile_id == profile_id)
                                .order_by(Person.full_name)).scalars())


# --- calendars and the dashboard -------------------------------------------------------------------------------------

def calendar_half_days(session: Session, start: datetime, end: datetime,
                       user_ids=None) -> list[tuple[TrainingHalfDay, TrainingSession, Place | None, list]]:
    """(half-day, session, its place or None, its participants' (user id or None, name)) of the half-days
    overlapping [start, end), the soonest first, of the sessions the users take part in when ``user_ids`` is given
    — in one query whatever their number (a row per participant; the sessions' collections are left unloaded)."""
    stmt = (select(TrainingHalfDay, TrainingSession, Place, Person.id, Person.user_id, Person.full_name)
            .join(TrainingSession, TrainingSession.id == TrainingHalfDay.training_id)
            .outerjoin(Place, Place.id == TrainingSession.place_id)
            .outerjoin(Participant, Participant.training_id == TrainingSession.id)
            .outerjoin(Person, Person.id == Participant.person_id)
            .where(TrainingHalfDay.starts_at < end, TrainingHalfDay.ends_at > start)
            .options(lazyload(TrainingSession.half_days), lazyload(TrainingSession.participants))
            .order_by(TrainingHalfDay.starts_at, TrainingHalfDay.id))
    if user_ids is not None:
        stmt = stmt.where(TrainingSession.id.in_(select(Participant.training_id).join(
            Person, Person.id == Participant.person_id).where(Person.user_id.in_(list(user_ids))).correlate(None)))
    found: dict[int, tuple[TrainingHalfDay, TrainingSession, Place | None, list]] = {}
    for half_day, training, place, person_id, user_id, name in session.execute(stmt):
        people = found.setdefault(half_day.id, (half_day, training, place, []))[3]
        if person_id is not None:
            people.append((user_id, name))
    return list(found.values())


def services_for_requirements(session: Session, required_ids: list[int]) -> list:
    """The catalogue's active services, plus withdrawn ones that still have requirements, by name."""
    return list(session.execute(
        select(Service).where(or_(Service.active.is_(True), Service.id.in_(required_ids or [0])))
        .order_by(Service.name, Service.id)).scalars())


def skill_ids_by_training(session: Session, training_ids: list[int]) -> dict[int, list[int]]:
    """{training id: the ids of the skills it works on}, in the order of ``services.sessions.training_skills``."""
    result = {training_id: [] for training_id in training_ids}
    rows = session.execute(select(TrainingSkill.training_id, Skill.id).join(Skill, Skill.id == TrainingSkill.skill_id)
                           .where(TrainingSkill.training_id.in_(training_ids))
                           .order_by(Skill.framework, Skill.position, Skill.code)).all() if training_ids else []
    for training_id, skill_id in rows:
        result[training_id].append(skill_id)
    return result
