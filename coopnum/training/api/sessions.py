"""API: training sessions and attendance.

``GET/POST /training-sessions`` (coordinators and mediators read all; a member token lists only its own; a mediator
creates a training it leads), ``GET /training-sessions/{id}``, ``POST /training-sessions/{id}/attendance``: a person
signs a half-day (201), already signed (409), for someone else (403), invalid (422)."""

from datetime import date, datetime
from typing import Literal

from flask import g, jsonify
from pydantic import ConfigDict
from sqlalchemy import select
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.access import client_ip
from coopnum.core.api import Int, Line, LocalTime, Text, commit_or_raise, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.errors import DomainError, Forbidden, NotFound
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.training import access, queries
from coopnum.training.models import (
    Participant,
    Person,
    TrainingHalfDay,
    TrainingSession,
    TrainingStatus,
)
from coopnum.training.services import attendance
from coopnum.training.services import sessions as services
from coopnum.training.services.people import person_for_user

TAG = "training"
READERS = (Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER)
PLANNERS = (Role.COORDINATOR, Role.MEDIATOR)


class HalfDayIn(SQLModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    period: Literal["am", "pm"]
    start: LocalTime | None = None
    end: LocalTime | None = None


class TrainingCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    title: Line = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=20_000)
    half_days: list[HalfDayIn] = Field(min_length=1, max_length=services.MAX_HALF_DAYS)
    trainer_ids: list[Int] = Field(min_length=1, max_length=services.MAX_PARTICIPANTS,
                                   description="Personnes (ids de /people) qui forment")
    trainee_ids: list[Int] = Field(default_factory=list, max_length=services.MAX_PARTICIPANTS)
    skill_ids: list[Int] = Field(default_factory=list, max_length=100)
    target_level: Int | None = Field(default=None, ge=1, le=8)
    place_id: Int | None = None
    location: Line = Field(default="", max_length=300)
    materials: Text = Field(default="", max_length=1000)
    confirm: bool = Field(default=False, description="Enregistrer malgré les séances ou absences des participants")


class HalfDayPublic(SQLModel):
    id: int
    day: date
    period: str
    starts_at: datetime
    ends_at: datetime


class ParticipantPublic(SQLModel):
    person_id: int
    full_name: str
    role: str


class TrainingPublic(SQLModel):
    id: int
    title: str
    description: str
    status: str
    cancel_reason: str
    place_id: int | None
    location: str
    materials: str
    sequence: int
    half_days: list[HalfDayPublic]
    participants: list[ParticipantPublic]
    skill_ids: list[int]


class AttendanceIn(SQLModel):
    model_config = ConfigDict(extra="forbid")

    half_day_id: Int
    person_id: Int
    signature: str = Field(max_length=500_000, description="data:image/png;base64,…")


class AttendancePublic(SQLModel):
    id: int
    half_day_id: int
    person_id: int
    role: str
    method: str
    signed_at: datetime


def _training_json(t: TrainingSession, skill_ids: list[int] | None = None) -> dict:
    """``skill_ids``: the training's skills when already read (a list reads them for all its trainings at once)."""
    if skill_ids is None:
        skill_ids = [s.id for s, _level in services.training_skills(db.session, t)]
    return TrainingPublic(
        id=t.id, title=t.title, description=t.description, status=t.status, cancel_reason=t.cancel_reason,
        place_id=t.place_id, location=t.location, materials=t.materials, sequence=t.sequence or 0,
        half_days=[HalfDayPublic(id=h.id, day=h.day, period=h.period, starts_at=h.starts_at, ends_at=h.ends_at)
                   for h in t.half_days],
        participants=[ParticipantPublic(person_id=p.person_id, full_name=p.person.full_name if p.person else "",
                                        role=p.role) for p in t.participants],
        skill_ids=skill_ids,
    ).model_dump(mode="json")


def _visible(training_id: int) -> TrainingSession:
    training = db.session.get(TrainingSession, training_id)
    if training is None or not access.can_see_training_session(g.api_user, training):
        raise NotFound("Formation introuvable.")
    return training


@endpoint("/training-sessions", summary="Les formations entre pairs (un jeton « sociétaire » : les siennes)",
          roles=READERS, tag=TAG, response=[TrainingPublic], paginated=True)
def list_training_sessions():
    q = select(TrainingSession).order_by(TrainingSession.id.desc())
    if not access.can_see_matrix(g.api_user):
        me = person_for_user(db.session, g.api_user, create=False)
        q = q.where(TrainingSession.id.in_(select(Participant.training_id)
                                           .where(Participant.person_id == (me.id if me else -1))))
    page = paginate(db.session, q, *page_args())
    skills = queries.skill_ids_by_training(db.session, [t.id for t in page.items])
    return jsonify({"items": [_training_json(t, skills[t.id]) for t in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@endpoint("/training-sessions", "POST", summary="Planifier une formation (409 « unavailable » : des participants "
          "ont une séance ou une absence, renvoyer avec confirm ; 409 : chevauche une autre formation)",
          roles=PLANNERS, tag=TAG, body=TrainingCreate, response=TrainingPublic, status=201, errors=(409,))
def create_training_session():
    body = parse_body(TrainingCreate)
    actor = g.api_user
    if not access.can_manage(actor):
        me = person_for_user(db.session, actor, create=False)
        if me is None or me.id not in body.trainer_ids:
            raise Forbidden("Vous ne pouvez planifier qu'une formation que vous animez.")
    skills = []
    from coopnum.training.models import Skill

    for skill_id in body.skill_ids:
        skill = db.session.get(Skill, skill_id)
        if skill is None:
            raise DomainError("Compétence introuvable.", field="skill_ids")
        skills.append((skill_id, min(body.target_level, skill.max_level) if body.target_level else None))
    data = services.TrainingInput(
        title=body.title, description=body.description, skills=skills, place_id=body.place_id,
        location=body.location, materials=body.materials, trainer_ids=body.trainer_ids, trainee_ids=body.trainee_ids,
        half_days=[services.HalfDayInput(day=h.day, period=h.period, start=h.start, end=h.end)
                   for h in body.half_days])
    training = commit_or_raise(lambda: services.create_training(db.session, data, actor=actor, now=clock.now(),
                                                                confirm=body.confirm))
    return jsonify(_training_json(training)), 201


@endpoint("/training-sessions/<id:training_id>", summary="Une formation, ses demi-journées et ses participants",
          roles=READERS, tag=TAG, response=TrainingPublic)
def get_training_session(training_id: int):
    return jsonify(_training_json(_visible(training_id)))


@endpoint("/training-sessions/<id:training_id>/attendance", "POST",
          summary="Émarger une demi-journée (signature PNG ; 409 : déjà signé ; 403 : pour une autre personne)",
          roles=READERS, tag=TAG, body=AttendanceIn, response=AttendancePublic, status=201, errors=(403, 409))
def sign_training_attendance(training_id: int):
    training = _visible(training_id)
    body = parse_body(AttendanceIn)
    half_day = db.session.get(TrainingHalfDay, body.half_day_id)
    if half_day is None or half_day.training_id != training.id:
        raise DomainError("Demi-journée introuvable.", field="half_day_id")
    person = db.session.get(Person, body.person_id)
    if person is None:
        raise DomainError("Personne introuvable.", field="person_id")
    if training.status == TrainingStatus.CANCELLED:
        raise DomainError("Cette formation est annulée.")
    row = commit_or_raise(lambda: attendance.sign(db.session, half_day, person, actor=g.api_user, now=clock.now(),
                                                  png=body.signature, ip=client_ip()))
    return jsonify(AttendancePublic.model_validate(row, from_attributes=True).model_dump(mode="json")), 201
