"""API: skills and people's levels.

- ``GET /skills`` (every token of the training domain; ``framework`` filter);
- ``GET /people`` (staff and mediators);
- ``GET /people/{id}/skills``: current levels and the history (staff, mediators, the person itself);
- ``POST /people/{id}/skills``: record an assessment (staff and mediators; same rules as the page)."""

from datetime import date, datetime

from flask import g, jsonify, request
from pydantic import ConfigDict, model_validator
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.api import Day, Int, Line, Param, commit_or_raise, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.training import access
from coopnum.training.models import EvidenceKind, Person, PersonKind, Skill, SkillFramework
from coopnum.training.services import framework, people

TAG = "training"
ALL = (Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER)
TEAM = (Role.COORDINATOR, Role.MEDIATOR)


class SkillPublic(SQLModel):
    id: int
    framework: str = Field(description="pix, title ou custom")
    code: str
    title: str
    domain_code: str
    domain_title: str
    max_level: int
    description: str
    active: bool


@endpoint("/skills", summary="Le référentiel de compétences (Pix, titre Médiateur numérique, compétences de la "
          "coopérative)", roles=ALL, tag=TAG, response=[SkillPublic], params=[
              Param("framework", "pix, title ou custom", enum=tuple(SkillFramework))])
def list_skills():
    fw = request.args.get("framework") or None
    if fw is not None and fw not in set(SkillFramework):
        return json_error(422, "Référentiel inconnu : pix, title ou custom.", "invalid", field="framework")
    rows = framework.skills(db.session, framework=fw)
    return jsonify([SkillPublic.model_validate(s, from_attributes=True).model_dump(mode="json") for s in rows])


class PersonPublic(SQLModel):
    id: int
    full_name: str
    kind: str = Field(description="staff, cnfs, member ou external")
    user_id: int | None
    organisation: str
    target_profile_id: int | None
    active: bool


@endpoint("/people", summary="Les personnes formées ou formatrices", roles=TEAM, tag=TAG, response=[PersonPublic],
          paginated=True, params=[Param("q", "Nom, courriel ou structure"),
                                  Param("kind", "staff, cnfs, member ou external", enum=tuple(PersonKind))])
def list_people():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in set(PersonKind):
        return json_error(422, "Type inconnu : staff, cnfs, member ou external.", "invalid", field="kind")
    people.ensure_staff_people(db.session)
    db.session.commit()
    page = paginate(db.session, people.people_stmt(request.args.get("q", ""), kind=kind), *page_args())
    return jsonify({"items": [PersonPublic.model_validate(p, from_attributes=True).model_dump(mode="json")
                              for p in page.items],
                    "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages})


class LevelPublic(SQLModel):
    skill_id: int
    skill_code: str
    framework: str
    level: int


class AssessmentPublic(SQLModel):
    id: int
    skill_id: int
    skill_code: str
    level: int
    assessed_on: date
    evidence_kind: str
    evidence: str
    assessed_by: str
    created_at: datetime


class PersonSkills(SQLModel):
    person_id: int
    full_name: str
    levels: list[LevelPublic] = Field(description="Le niveau actuel par compétence (la dernière évaluation)")
    history: list[AssessmentPublic] = Field(description="Toutes les évaluations, de la plus récente à la plus "
                                                        "ancienne")


def _assessment(line: people.HistoryLine) -> dict:
    a = line.assessment
    return AssessmentPublic(id=a.id, skill_id=a.skill_id, skill_code=line.skill.code, level=a.level,
                            assessed_on=a.assessed_on, evidence_kind=a.evidence_kind, evidence=a.evidence,
                            assessed_by=line.assessor, created_at=a.created_at).model_dump(mode="json")


def _load_person(person_id: int):
    person = db.session.get(Person, person_id)
    if person is None:
        return None, json_error(404, "Personne introuvable.", "not_found")
    if not access.can_see_person(g.api_user, person):
        return None, json_error(403, "Ce jeton ne donne pas accès à cette personne.", "forbidden")
    return person, None


@endpoint("/people/<id:person_id>/skills", summary="Les niveaux actuels d'une personne et l'historique de ses "
          "évaluations", roles=ALL, tag=TAG, response=PersonSkills)
def person_skills(person_id: int):
    person, refused = _load_person(person_id)
    if refused is not None:
        return refused
    levels = people.current_levels(db.session, [person.id])
    skills = {s.id: s for s in framework.skills(db.session, active_only=False)}
    return jsonify({"person_id": person.id, "full_name": person.full_name,
                    "levels": [LevelPublic(skill_id=sid, skill_code=skills[sid].code, framework=skills[sid].framework,
                                           level=level).model_dump(mode="json")
                               for (_p, sid), level in sorted(levels.items(), key=lambda kv: (
                                   skills[kv[0][1]].framework, skills[kv[0][1]].position)) if sid in skills],
                    "history": [_assessment(line) for line in people.history(db.session, person.id)]})


class AssessmentCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    skill_id: Int | None = Field(default=None, description="La compétence (ou skill_code)")
    skill_code: Line | None = Field(default=None, max_length=20, description="Le code (« 4.2 », « CCP1 »)")
    level: Int = Field(ge=0, le=8, description="0 à 8 (au plus le niveau maximal de la compétence)")
    assessed_on: Day | None = Field(default=None, description="Par défaut : aujourd'hui ; jamais dans le futur")
    evidence_kind: EvidenceKind
    evidence: Line = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _one_skill(self):
        if self.skill_id is None and not self.skill_code:
            raise ValueError("skill_id ou skill_code est obligatoire")
        return self


@endpoint("/people/<id:person_id>/skills", "POST", summary="Enregistrer une évaluation (un niveau) d'une personne "
          "(ajoutée à l'historique ; une correction est une nouvelle évaluation)", roles=TEAM, tag=TAG,
          body=AssessmentCreate, response=AssessmentPublic, status=201)
def create_assessment(person_id: int):
    person, refused = _load_person(person_id)
    if refused is not None:
        return refused
    if not access.can_assess(g.api_user, person):
        return json_error(403, "Ce jeton ne peut pas évaluer cette personne.", "forbidden")
    body = parse_body(AssessmentCreate)

    def run():
        from sqlalchemy import select

        if body.skill_id is not None:
            skill = db.session.get(Skill, body.skill_id)
        else:
            found = list(db.session.execute(select(Skill).where(Skill.code == body.skill_code)).scalars())
            if len(found) > 1:
                raise DomainError("Plusieurs compétences ont ce code : donnez skill_id.", field="skill_code")
            skill = found[0] if found else None
        if skill is None:
            raise DomainError("Compétence introuvable.", field="skill_id" if body.skill_id else "skill_code")
        return people.record_assessment(db.session, g.api_user, person, skill, level=body.level,
                                        assessed_on=body.assessed_on, evidence_kind=body.evidence_kind.value,
                                        evidence=body.evidence, now=clock.now())

    row = commit_or_raise(run)
    line = people.history(db.session, person.id)
    return jsonify(_assessment(next(h for h in line if h.assessment.id == row.id))), 201
