"""JSON API of the missions domain: missions and sessions (list with filters, create, update; 409 on conflicts)."""

from datetime import UTC, date, datetime, time, timedelta

from flask import g, jsonify, request
from pydantic import Field as PydField
from sqlmodel import SQLModel

from coopnum.core import clock, slots
from coopnum.core.api import (
    Day,
    Instant,
    Int,
    Line,
    LocalTime,
    Param,
    Text,
    dump,
    endpoint,
    json_body,
    page_response,
    parse_body,
    validate_body,
)
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.handlers import json_error
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.missions import access, queries
from coopnum.missions.models import Mission, MissionKind, MissionSession, SessionStatus
from coopnum.missions.services import assignment, planning

PLANNERS = (Role.COORDINATOR, Role.MEDIATOR, Role.AUTHORITY)


class MissionPublic(SQLModel):
    id: int
    convention_id: int
    place_id: int
    service_id: int | None
    kind: str
    title: str
    rrule: str
    first_date: date
    until_date: date | None
    start_time: LocalTime
    end_time: LocalTime
    exclude_holidays: bool
    holiday_subdiv: str | None
    mediators_needed: int
    status: str


class MissionCreate(SQLModel):
    convention_id: Int
    place_id: Int
    title: Line = PydField(max_length=200)
    first_date: Day
    start_time: LocalTime
    end_time: LocalTime
    rrule: Line = PydField(default="", max_length=300, description="RFC 5545 RRULE; empty: a single session")
    kind: MissionKind = MissionKind.PERMANENCE
    service_id: Int | None = None
    until_date: Day | None = None
    exclude_holidays: bool = True
    holiday_subdiv: Line | None = PydField(default=None, max_length=5, description="Subdivision whose local holidays "
                                           "are skipped too, e.g. 57 (Moselle)")
    mediators_needed: Int = 1
    notes: Text = PydField(default="", max_length=5000)
    default_mediator_ids: list[Int] = PydField(default=[], max_length=100)


class MissionCreated(SQLModel):
    mission: MissionPublic
    sessions_created: int
    conflicts: list[str]


class SessionPublic(SQLModel):
    id: int
    mission_id: int
    mission_title: str
    place_id: int
    convention_id: int
    start: datetime
    end: datetime
    status: str
    cancel_reason: str
    sequence: int
    mediator_ids: list[int]


class SessionCreate(SQLModel):
    mission_id: Int
    start: Instant = PydField(description="ISO 8601 with offset, e.g. 2026-11-24T09:00:00+01:00")
    end: Instant
    mediator_ids: list[Int] = PydField(default=[], max_length=100)


class SessionUpdate(SQLModel):
    start: Instant | None = None
    end: Instant | None = None
    status: SessionStatus | None = PydField(default=None, description="'cancelled' (with cancel_reason) or 'planned'")
    cancel_reason: Text | None = PydField(default=None, max_length=300)
    mediator_ids: list[Int] | None = PydField(default=None, max_length=100,
                                              description="the full list of assigned mediators")


class SessionAssigned(SessionPublic):
    warnings: list[str] = PydField(default=[], description="what the new assignments lack (e.g. a competence the "
                                   "service requires): never a refusal")


def _with_warnings(s: MissionSession, user_ids) -> dict:
    """The session, with the other domains' warnings about its newly assigned mediators."""
    warnings = [message for uid in user_ids
                for message in slots.notices("missions.assigned", session=s, user=db.session.get(User, uid))]
    return {**session_public(s), "warnings": warnings}


def session_public(s: MissionSession) -> dict:
    return SessionPublic(
        id=s.id, mission_id=s.mission_id, mission_title=s.mission.title, place_id=s.mission.place_id,
        convention_id=s.mission.convention_id, start=s.start.astimezone(UTC), end=s.end.astimezone(UTC), status=s.status,
        cancel_reason=s.cancel_reason, sequence=s.sequence, mediator_ids=[a.user_id for a in s.assignments],
    ).model_dump(mode="json")


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise DomainError(f"« {name} » doit préciser son fuseau horaire (par exemple +01:00).", field=name)
    return value


# --- missions ---------------------------------------------------------------------------------------------------

@endpoint("/missions", summary="Liste des missions", roles=PLANNERS, tag="missions", paginated=True,
          response=[MissionPublic], params=[Param("convention_id", type="integer"), Param("place_id", type="integer"),
                                             Param("status")])
def list_missions():
    user = g.api_user
    stmt = queries.api_missions_stmt(
        scope_user=None if access.can_view_planning(user) else user,
        convention_id=request.args.get("convention_id", type=int), place_id=request.args.get("place_id", type=int),
        status=request.args.get("status"),
    )
    return page_response(MissionPublic, paginate(db.session, stmt, *page_args()))


@endpoint("/missions", "POST", summary="Créer une mission et ses séances", roles=(Role.COORDINATOR,),
          tag="missions", body=MissionCreate, response=MissionCreated, status=201)
def create_mission():
    body = parse_body(MissionCreate)
    data = planning.MissionData(**body.model_dump())
    mission, report = planning.create_mission(db.session, g.api_user, data, now=clock.now())
    db.session.commit()
    return jsonify({"mission": dump(MissionPublic, mission), "sessions_created": report.created,
                    "conflicts": report.conflicts}), 201


def _mission_or_404(mission_id: int):
    mission = db.session.get(Mission, mission_id)
    if mission is None or not access.can_view_mission(g.api_user, mission):
        return None
    return mission


@endpoint("/missions/<id:mission_id>", summary="Une mission", roles=PLANNERS, tag="missions",
          response=MissionPublic)
def get_mission(mission_id: int):
    mission = _mission_or_404(mission_id)
    if mission is None:
        return json_error(404, "Mission introuvable.")
    return jsonify(dump(MissionPublic, mission))


@endpoint("/missions/<id:mission_id>", "PATCH", summary="Modifier une mission (les séances à venir suivent)",
          roles=(Role.COORDINATOR,), tag="missions", body=MissionCreate, response=MissionCreated)
def update_mission(mission_id: int):
    mission = _mission_or_404(mission_id)
    if mission is None:
        return json_error(404, "Mission introuvable.")
    current = dump(MissionPublic, mission) | {"notes": mission.notes,
                                              "default_mediator_ids": [m.user_id for m in mission.default_mediators]}
    incoming = json_body()
    merged = {k: v for k, v in current.items() if k in MissionCreate.model_fields} | incoming
    body = validate_body(MissionCreate, merged)
    report = planning.update_mission(db.session, g.api_user, mission, planning.MissionData(**body.model_dump()),
                                     now=clock.now())
    db.session.commit()
    return jsonify({"mission": dump(MissionPublic, mission), "sessions_created": report.created,
                    "conflicts": report.conflicts})


# --- sessions ---------------------------------------------------------------------------------------------------

def _parse_day(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise DomainError(f"« {name} » doit être une date AAAA-MM-JJ.", field=name) from exc


@endpoint("/sessions", summary="Séances, filtrées par période, médiateur, lieu, convention", roles=PLANNERS,
          tag="sessions", paginated=True, response=[SessionPublic],
          params=[Param("from", "à partir de cette date (incluse)", format="date"),
                  Param("to", "jusqu'à cette date (incluse)", format="date"),
                  Param("convention", "convention (identifiant), comme sur /api/v1/activities", type="integer"),
                  Param("mediator", "médiateur (identifiant), comme sur /api/v1/activities", type="integer"),
                  Param("place", "lieu (identifiant), comme sur /api/v1/activities", type="integer"),
                  Param("convention_id", "ancien nom de « convention » (toujours accepté)", type="integer"),
                  Param("mediator_id", "ancien nom de « mediator » (toujours accepté)", type="integer"),
                  Param("place_id", "ancien nom de « place » (toujours accepté)", type="integer"),
                  Param("mission_id", "mission (identifiant)", type="integer"), Param("status")])
def list_sessions():
    user = g.api_user
    start, end = _parse_day("from"), _parse_day("to")

    def given(*names: str) -> list[int]:
        # The names of /api/v1/activities (convention, mediator, place) and the older ones (…_id): both filter.
        return [value for name in names if (value := request.args.get(name, type=int)) is not None]

    stmt = queries.api_sessions_stmt(
        scope_user=None if access.can_view_planning(user) else user,
        start=datetime.combine(start, time.min, clock.PARIS) if start else None,
        end=datetime.combine(end + timedelta(days=1), time.min, clock.PARIS) if end else None,
        mediator_ids=given("mediator", "mediator_id"), place_ids=given("place", "place_id"),
        convention_ids=given("convention", "convention_id"), mission_id=request.args.get("mission_id", type=int),
        status=request.args.get("status"),
    )
    page = paginate(db.session, stmt, *page_args(50))
    return jsonify({"items": [session_public(s) for s in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


def _session_or_none(session_id: int):
    s = db.session.get(MissionSession, session_id)
    if s is None or not access.can_view_session(g.api_user, s):
        return None
    return s


@endpoint("/sessions/<id:session_id>", summary="Une séance", roles=PLANNERS, tag="sessions",
          response=SessionPublic)
def get_session(session_id: int):
    s = _session_or_none(session_id)
    if s is None:
        return json_error(404, "Séance introuvable.")
    return jsonify(session_public(s))


@endpoint("/sessions", "POST", summary="Ajouter une séance ponctuelle (409 si un médiateur est déjà pris)",
          roles=(Role.COORDINATOR,), tag="sessions", body=SessionCreate, response=SessionAssigned, status=201)
def create_session():
    body = parse_body(SessionCreate)
    mission = db.session.get(Mission, body.mission_id)
    if mission is None:  # an id in the body that names nothing: invalid data, as for the other POSTs
        return json_error(422, "Mission introuvable.", "invalid", field="mission_id")
    start, end = _aware(body.start, "start"), _aware(body.end, "end")
    local_start, local_end = clock.to_paris(start), clock.to_paris(end)
    if local_end.date() != local_start.date():
        raise DomainError("Une séance commence et finit le même jour.", field="end")
    s = planning.add_session(db.session, g.api_user, mission, local_start.date(), local_start.time(),
                             local_end.time(), now=clock.now(), mediator_ids=body.mediator_ids)
    db.session.commit()
    return jsonify(_with_warnings(s, [a.user_id for a in s.assignments])), 201


@endpoint("/sessions/<id:session_id>", "PATCH",
          summary="Déplacer, annuler, rétablir une séance ou changer ses médiateurs (409 sur conflit)",
          roles=(Role.COORDINATOR,), tag="sessions", body=SessionUpdate, response=SessionAssigned)
def update_session(session_id: int):
    s = _session_or_none(session_id)
    if s is None:
        return json_error(404, "Séance introuvable.")
    body = parse_body(SessionUpdate)
    actor, now = g.api_user, clock.now()
    assignment.lock_session(db.session, s)  # first: concurrent changes of this session run one after the other
    if body.start is not None or body.end is not None:
        start = _aware(body.start or s.start, "start")
        end = _aware(body.end or s.end, "end")
        ls, le = clock.to_paris(start), clock.to_paris(end)
        planning.move_session(db.session, actor, s, ls.date(), ls.time(), le.time(), now=now)
    added: list[int] = []
    if body.mediator_ids is not None:
        wanted = set(body.mediator_ids)
        for a in list(s.assignments):
            if a.user_id not in wanted:
                assignment.unassign(db.session, actor, s, a.user_id, now=now)
        for uid in sorted(wanted - {a.user_id for a in s.assignments}):
            assignment.assign(db.session, actor, s, db.session.get(User, uid), now=now, locked=True)
            added.append(uid)
    if body.status == SessionStatus.CANCELLED:
        planning.cancel_session(db.session, actor, s, body.cancel_reason or "", now=now)
    elif body.status == SessionStatus.PLANNED and s.status == SessionStatus.CANCELLED:
        planning.restore_session(db.session, actor, s, now=now)
    elif body.status not in (None, SessionStatus.PLANNED, SessionStatus.CANCELLED):
        raise DomainError("Seuls les états « planned » et « cancelled » se changent ici.", field="status")
    db.session.commit()
    return jsonify(_with_warnings(s, added))


