"""API: assemblies, attendance, resolutions, ballots, results, governance settings.

Staff tokens (administrator, coordinator: the bureau and its secretary) create assemblies, record attendance and
proxies, add resolutions, open and close votes, record the ballot of any member present (or represented, through
its proxy holder) and read the tally live. A member's token lists the assemblies it is convened to, casts its own
ballot and those of the members it represents, and reads a result once the vote is closed."""

from datetime import date, datetime, time

from flask import g, jsonify, request
from pydantic import ConfigDict
from sqlalchemy import select
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.access import is_staff
from coopnum.core.api import (
    Day,
    Instant,
    Int,
    Line,
    Text,
    commit_or_raise,
    endpoint,
    json_body,
    parse_body,
    validate_body,
)
from coopnum.core.db import db
from coopnum.core.errors import DomainError, Forbidden, NotFound
from coopnum.core.models import Role
from coopnum.members import access
from coopnum.members.models import (
    Assembly,
    AssemblyKind,
    AssemblyMode,
    AttendanceMode,
    BallotKind,
    Choice,
    Member,
    Resolution,
)
from coopnum.members.services import assemblies as services
from coopnum.members.services import tally as tallies

TAG = "members"
STAFF = (Role.COORDINATOR,)
READERS = (Role.COORDINATOR, Role.MEMBER)
DEFAULT_TIME = time(18, 0)  # an assembly given by its day only starts at 18:00 (Paris)


class AssemblyCreate(SQLModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: AssemblyKind
    convocation: int = Field(ge=1, le=2)
    starts: Instant | Day = Field(alias="date", description="Date et heure (ISO 8601 avec fuseau), ou le jour seul "
                                                             "(18:00, heure de Paris)")
    place: Line = Field(default="", max_length=300)
    mode: AssemblyMode = AssemblyMode.ROOM
    title: Line = Field(default="", max_length=200)
    agenda: Text = Field(default="", max_length=20000)
    remote_link: Line = Field(default="", max_length=500)
    convened_on: Day | None = Field(default=None, description="Jour d'envoi des convocations hors coopnum (papier)")


class AssemblyPublic(SQLModel):
    id: int
    kind: str
    convocation: int
    date: datetime
    place: str
    mode: str
    title: str
    agenda: str
    status: str
    convened_on: date | None


class AttendanceCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    member_id: Int
    mode: AttendanceMode
    proxy_holder_id: Int | None = None


class AttendancePublic(SQLModel):
    id: int
    assembly_id: int
    member_id: int
    mode: str
    proxy_holder_id: int | None


class ResolutionCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    title: Line = Field(min_length=1, max_length=300)
    text: Text = Field(default="", max_length=20000)
    ballot: BallotKind = BallotKind.OPEN


class ResolutionOpen(SQLModel):
    model_config = ConfigDict(extra="forbid")

    closes_at: Instant | None = Field(default=None, description="Fin du vote en ligne (facultatif)")


class ResolutionPublic(SQLModel):
    id: int
    assembly_id: int
    position: int
    title: str
    text: str
    ballot: str
    status: str
    opened_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None


class BallotCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    member_id: Int
    choice: Choice


class BallotPublic(SQLModel):
    resolution_id: int
    member_id: int
    cast_by_member_id: int | None
    college_id: int | None
    choice: str | None = Field(description="Vide pour un scrutin secret")
    online: bool


class CollegeResult(SQLModel):
    college_id: int | None
    name: str
    weight: float
    for_: int = Field(alias="for")
    against: int
    abstain: int
    blank: int
    votes_cast: int
    share_for: float | None


class ResultPublic(SQLModel):
    quorum_reached: bool
    votes_cast: int
    weighted_for: float = Field(description="Part pondérée des voix « pour » (0–1)")
    per_college: list[CollegeResult]
    adopted: bool
    frozen: bool


class GovernanceSettings(SQLModel):
    empty_college_rule: str = Field(description="redistribute ou zero")
    proxy_limit: int


class GovernanceUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    empty_college_rule: Line | None = Field(default=None, max_length=20)
    proxy_limit: Int | None = None


def _assembly(assembly_id: int) -> Assembly:
    assembly = db.session.get(Assembly, assembly_id)
    if assembly is None:
        raise NotFound("Assemblée introuvable.")
    return assembly


def _resolution(resolution_id: int) -> Resolution:
    resolution = db.session.get(Resolution, resolution_id)
    if resolution is None:
        raise NotFound("Résolution introuvable.")
    return resolution


def _member(member_id: int, field: str) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise DomainError("Sociétaire introuvable.", field=field)
    return member


def _assembly_json(a: Assembly) -> dict:
    return AssemblyPublic(id=a.id, kind=a.kind, convocation=a.convocation, date=a.starts_at, place=a.place,
                          mode=a.mode, title=a.title, agenda=a.agenda, status=a.status,
                          convened_on=a.convened_on).model_dump(mode="json")


def _resolution_json(r: Resolution) -> dict:
    return ResolutionPublic.model_validate(r, from_attributes=True).model_dump(mode="json")


@endpoint("/assemblies", summary="Assemblées générales (un jeton « sociétaire » : celles où il est convoqué)",
          roles=READERS, tag=TAG, response=[AssemblyPublic])
def list_assemblies():
    user = g.api_user
    member = services.member_for_user(db.session, user)
    rows = db.session.execute(select(Assembly).order_by(Assembly.starts_at.desc(), Assembly.id.desc())).scalars()
    return jsonify([_assembly_json(a) for a in rows if access.can_see_assembly(user, a, member)])


@endpoint("/assemblies", "POST", summary="Créer une assemblée (AGO ou AGE, 1re ou 2e convocation) ; avec "
          "convened_on, elle est enregistrée comme convoquée ce jour-là (délai légal vérifié)",
          roles=STAFF, tag=TAG, body=AssemblyCreate, response=AssemblyPublic, status=201)
def create_assembly():
    body = parse_body(AssemblyCreate)
    starts = body.starts
    if not isinstance(starts, datetime):
        starts = clock.paris_datetime(starts, DEFAULT_TIME)
    assembly = commit_or_raise(lambda: services.create_assembly(
        db.session, g.api_user, kind=body.kind.value, convocation=body.convocation, starts_at=starts,
        place=body.place, mode=body.mode.value, agenda=body.agenda, title=body.title, remote_link=body.remote_link,
        convened_on=body.convened_on, now=clock.now()))
    return jsonify(_assembly_json(assembly)), 201


@endpoint("/assemblies/<id:assembly_id>/attendance", "POST", summary="Enregistrer la présence d'un sociétaire : "
          "présent, à distance ou représenté (pouvoir à un autre sociétaire, dans la limite fixée)",
          roles=STAFF, tag=TAG, body=AttendanceCreate, response=AttendancePublic, status=201)
def record_attendance(assembly_id: int):
    assembly = _assembly(assembly_id)
    body = parse_body(AttendanceCreate)
    member = _member(body.member_id, "member_id")
    holder = _member(body.proxy_holder_id, "proxy_holder_id") if body.proxy_holder_id is not None else None
    row = commit_or_raise(lambda: services.record_attendance(db.session, g.api_user, assembly, member, mode=body.mode.value,
                                                     proxy_holder=holder, now=clock.now()))
    return jsonify(AttendancePublic.model_validate(row, from_attributes=True).model_dump(mode="json")), 201


@endpoint("/assemblies/<id:assembly_id>/resolutions", "POST", summary="Ajouter une résolution (scrutin à main "
          "levée ou secret)", roles=STAFF, tag=TAG, body=ResolutionCreate, response=ResolutionPublic, status=201)
def create_resolution(assembly_id: int):
    assembly = _assembly(assembly_id)
    body = parse_body(ResolutionCreate)
    resolution = commit_or_raise(lambda: services.add_resolution(db.session, g.api_user, assembly, title=body.title,
                                                         text=body.text, ballot=body.ballot.value, now=clock.now()))
    return jsonify(_resolution_json(resolution)), 201


@endpoint("/resolutions/<id:resolution_id>/open", "POST", summary="Ouvrir le vote (et le vote en ligne jusqu'à "
          "closes_at, facultatif)", roles=STAFF, tag=TAG, body=ResolutionOpen, response=ResolutionPublic)
def open_resolution(resolution_id: int):
    resolution = _resolution(resolution_id)
    body = validate_body(ResolutionOpen, json_body()) if request.get_data() else ResolutionOpen()
    commit_or_raise(lambda: services.open_vote(db.session, g.api_user, resolution, closes_at=body.closes_at,
                                       now=clock.now()))
    return jsonify(_resolution_json(resolution))


@endpoint("/resolutions/<id:resolution_id>/close", "POST", summary="Clore le vote : le résultat est figé",
          roles=STAFF, tag=TAG, response=ResolutionPublic)
def close_resolution(resolution_id: int):
    resolution = _resolution(resolution_id)
    commit_or_raise(lambda: services.close_vote(db.session, g.api_user, resolution, now=clock.now()))
    return jsonify(_resolution_json(resolution))


@endpoint("/resolutions/<id:resolution_id>/ballots", "POST", summary="Voter : le secrétaire (jeton coordination) "
          "enregistre le bulletin d'un sociétaire présent ou représenté ; un sociétaire vote pour lui et pour ceux "
          "dont il porte le pouvoir. Un seul bulletin par sociétaire (409 pour un second)",
          roles=READERS, tag=TAG, body=BallotCreate, response=BallotPublic, status=201)
def cast_ballot(resolution_id: int):
    resolution = _resolution(resolution_id)
    body = parse_body(BallotCreate)
    user = g.api_user
    by_member = None
    if not is_staff(user):
        by_member = services.member_for_user(db.session, user)
        if by_member is None:
            raise Forbidden("Ce compte n'est lié à aucun sociétaire : il ne peut pas voter.")
    member = _member(body.member_id, "member_id")
    cast = commit_or_raise(lambda: services.cast_ballot(db.session, user, resolution, member, body.choice.value,
                                                by_member=by_member, now=clock.now()))
    return jsonify(BallotPublic.model_validate(cast, from_attributes=True).model_dump(mode="json")), 201


@endpoint("/resolutions/<id:resolution_id>/result", summary="Résultat : quorum, suffrages exprimés, part des « pour » "
          "par collège et pondérée, adoption (en direct pour le bureau ; pour un sociétaire, une fois le vote clos)",
          roles=READERS, tag=TAG, response=ResultPublic)
def resolution_result(resolution_id: int):
    resolution = _resolution(resolution_id)
    if not access.can_see_result(g.api_user, resolution):
        raise Forbidden("Le résultat sera publié à la clôture du vote.")
    return jsonify(tallies.tally(db.session, resolution))


@endpoint("/governance/settings", summary="Règles de vote : collège sans vote (redistribute ou zero) et nombre de "
          "pouvoirs par sociétaire", roles=STAFF, tag=TAG, response=GovernanceSettings)
def governance_settings():
    return jsonify(services.governance(db.session))


@endpoint("/governance/settings", "PATCH", summary="Changer les règles de vote", roles=STAFF, tag=TAG,
          body=GovernanceUpdate, response=GovernanceSettings)
def update_governance_settings():
    body = parse_body(GovernanceUpdate)
    result = commit_or_raise(lambda: services.update_governance(db.session, g.api_user,
                                                        empty_college_rule=body.empty_college_rule,
                                                        proxy_limit=body.proxy_limit, now=clock.now()))
    return jsonify(result)
