"""Suggested peer trainings: the trainings that would close the gaps of the coming sessions.

The window is today and the next 30 days (``WINDOW_DAYS``). For every planned session of a mission whose service
requires competences, each assigned mediator below a required level is a gap; the gaps are grouped by competence:
who is below (the trainees to invite), how many sessions they are assigned to, how many sessions of the window
requiring it still have an open slot, and who could train them.

A possible trainer is an active person who holds the competence **above** the required level and either at least
two levels above it or at level 5 or more (Pix's "advanced" levels: 5–6 expert-ready, 7–8 expert); for a
competence that is only acquired or not (a block of the title, ``max_level`` 1), anyone who holds it."""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.models import User
from coopnum.missions.models import Assignment, Mission, MissionSession, SessionStatus
from coopnum.training.models import Person, Skill
from coopnum.training.services.people import current_levels
from coopnum.training.services.requirements import persons_by_user, requirements_by_service

WINDOW_DAYS = 30
TRAINER_MARGIN = 2
TRAINER_LEVEL = 5
MAX_TRAINERS = 5


@dataclass
class Trainee:
    user_id: int
    name: str
    person_id: int | None
    current: int
    required: int


@dataclass
class Trainer:
    person_id: int
    name: str
    level: int


@dataclass
class Suggestion:
    skill: Skill
    level: int  # the highest level required among the gaps
    trainees: list[Trainee] = field(default_factory=list)
    session_ids: set[int] = field(default_factory=set)  # sessions with an assigned mediator below the level
    open_session_ids: set[int] = field(default_factory=set)  # sessions requiring it with a slot to fill
    trainers: list[Trainer] = field(default_factory=list)

    @property
    def trainee_person_ids(self) -> list[int]:
        return [t.person_id for t in self.trainees if t.person_id is not None]


def is_trainer_level(skill: Skill, level: int, required: int) -> bool:
    if skill.max_level <= 1:
        return level >= 1
    return level > required and (level >= required + TRAINER_MARGIN or level >= TRAINER_LEVEL)


@dataclass(frozen=True)
class ComingSession:
    """A planned session of the window, as the suggestions read it: plain values (a month of twenty mediators is
    ~900 sessions; loading them as objects with their assignments cost a third of a second)."""

    id: int
    service_id: int | None
    mediators_needed: int | None
    user_ids: tuple[int, ...]


def coming_sessions(session, *, today: date, service_ids) -> tuple[list[ComingSession], dict[int, str]]:
    """The planned sessions of the window whose service is one of ``service_ids``, by time, and the names of their
    assigned mediators ({user id: name}): two queries of plain columns (the sessions with their assignments, then
    the names of the few mediators)."""
    start = clock.paris_datetime(today, time(0, 0))
    end = clock.paris_datetime(today + timedelta(days=WINDOW_DAYS + 1), time(0, 0))
    if not service_ids:
        return [], {}
    rows = session.execute(
        select(MissionSession.id, Mission.service_id, Mission.mediators_needed, Assignment.user_id)
        .join(Mission, Mission.id == MissionSession.mission_id)
        .outerjoin(Assignment, Assignment.session_id == MissionSession.id)
        .where(MissionSession.status == SessionStatus.PLANNED, MissionSession.start >= start,
               MissionSession.start < end, Mission.service_id.in_(list(service_ids)))
        .order_by(MissionSession.start, MissionSession.id, Assignment.id)
    ).all()
    coming: list[ComingSession] = []
    current, users = None, []
    for session_id, service_id, needed, user_id in rows:  # one row per assignment (or one for an empty session)
        if current is None or current[0] != session_id:
            if current is not None:
                coming.append(ComingSession(*current, tuple(users)))
            current, users = (session_id, service_id, needed), []
        if user_id is not None:
            users.append(user_id)
    if current is not None:
        coming.append(ComingSession(*current, tuple(users)))
    ids = {u for s in coming for u in s.user_ids}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    return coming, names


def suggestions(session, *, today: date) -> list[Suggestion]:
    """The suggested trainings, the most needed first (most sessions concerned, then the skill's order)."""
    requirements = requirements_by_service(session)
    sessions, users = coming_sessions(session, today=today, service_ids=requirements.keys())
    if not sessions:
        return []
    people = persons_by_user(session, users)
    skill_ids = {r.skill.id for reqs in requirements.values() for r in reqs}
    levels = current_levels(session, [p.id for p in people.values()], skill_ids) if people else {}

    found: dict[int, Suggestion] = {}
    trainees: dict[tuple[int, int], Trainee] = {}
    # plain values read once: the loop runs over every assignment of the window (about a thousand)
    needs = {service_id: [(r.skill.id, r.level, r.skill) for r in reqs] for service_id, reqs in requirements.items()}
    person_of = {user_id: (p.id, p.full_name) for user_id, p in people.items()}
    for s in sessions:
        open_slot = len(s.user_ids) < max(s.mediators_needed or 1, 1)
        for skill_id, level, skill in needs.get(s.service_id, ()):
            if open_slot:
                found.setdefault(skill_id, Suggestion(skill, level)).open_session_ids.add(s.id)
            for user_id in s.user_ids:
                person_id, person_name = person_of.get(user_id, (None, None))
                current = levels.get((person_id, skill_id), 0) if person_id is not None else 0
                if current >= level:
                    continue
                sug = found.setdefault(skill_id, Suggestion(skill, level))
                sug.session_ids.add(s.id)
                key = (skill_id, user_id)
                if key not in trainees:
                    trainees[key] = Trainee(user_id, person_name if person_id is not None else users[user_id],
                                            person_id, current, level)
                    sug.trainees.append(trainees[key])
                else:
                    trainees[key].required = max(trainees[key].required, level)
    result = [s for s in found.values() if s.trainees]
    for sug in result:
        sug.level = max(t.required for t in sug.trainees)
        sug.trainees.sort(key=lambda t: (t.current, t.name))
    _add_trainers(session, result)
    result.sort(key=lambda s: (-len(s.session_ids), s.skill.position, s.skill.code))
    return result


def _add_trainers(session, result: list[Suggestion]) -> None:
    if not result:
        return
    levels = current_levels(session, None, [s.skill.id for s in result])
    person_ids = {p for (p, _skill) in levels}
    people = {p.id: p for p in session.execute(
        select(Person).where(Person.id.in_(list(person_ids)), Person.active.is_(True))).scalars()} \
        if person_ids else {}
    for sug in result:
        found = [Trainer(pid, people[pid].full_name, level) for (pid, sid), level in levels.items()
                 if sid == sug.skill.id and pid in people and is_trainer_level(sug.skill, level, sug.level)]
        found.sort(key=lambda t: (-t.level, t.name))
        sug.trainers = found[:MAX_TRAINERS]
