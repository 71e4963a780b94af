"""The competences a service of the catalogue requires, and who meets them.

A service (``missions.Service``) may require skills at a level (``ServiceSkillRequirement``, one per skill). A
mission names its service (``Mission.service_id``): the sessions of that mission require what the service requires.
``meets`` compares the current levels of mediators (users) with those requirements; a user without a ``Person`` has
level 0 everywhere. Nothing here refuses an assignment: the gaps are shown and warned about."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coopnum.core import audit
from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.organisations.models import Service
from coopnum.training.models import Person, ServiceSkillRequirement, Skill
from coopnum.training.services.people import current_levels


@dataclass(frozen=True)
class Requirement:
    """A requirement with its skill (for display)."""

    id: int
    service_id: int
    skill: Skill
    level: int


@dataclass(frozen=True)
class Gap:
    """A required skill a person does not hold at the required level."""

    skill: Skill
    required: int
    current: int


def skill_label(skill: Skill) -> str:
    return f"{skill.code} {skill.title}"


# --- reading --------------------------------------------------------------------------------------------------------

def requirements_by_service(session, service_ids: Iterable[int] | None = None) -> dict[int, list[Requirement]]:
    """{service_id: [Requirement…]} ordered by the skills' order in the framework, in one query."""
    stmt = (select(ServiceSkillRequirement, Skill).join(Skill, Skill.id == ServiceSkillRequirement.skill_id)
            .order_by(ServiceSkillRequirement.service_id, Skill.position, Skill.code))
    if service_ids is not None:
        stmt = stmt.where(ServiceSkillRequirement.service_id.in_(list(service_ids)))
    out: dict[int, list[Requirement]] = {}
    for req, skill in session.execute(stmt).all():
        out.setdefault(req.service_id, []).append(Requirement(req.id, req.service_id, skill, req.level))
    return out


def requirements_of(session, service_id: int | None) -> list[Requirement]:
    if service_id is None:
        return []
    return requirements_by_service(session, [service_id]).get(service_id, [])


def persons_by_user(session, user_ids: Iterable[int]) -> dict[int, Person]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {p.user_id: p for p in session.execute(select(Person).where(Person.user_id.in_(ids))).scalars()}


def gaps_of(requirements: list[Requirement], levels: dict[tuple[int, int], int], person_id: int | None) -> list[Gap]:
    gaps = []
    for req in requirements:
        current = levels.get((person_id, req.skill.id), 0) if person_id is not None else 0
        if current < req.level:
            gaps.append(Gap(req.skill, req.level, current))
    return gaps


def meets(session, *, service_id: int | None, user_ids: Iterable[int]) -> dict[int, list[Gap]]:
    """{user_id: [Gap…]} for each user against the requirements of the service (an empty list: meets them all).
    A user without a Person has level 0 everywhere; a service without requirements: every list empty."""
    user_ids = list(dict.fromkeys(user_ids))
    requirements = requirements_of(session, service_id)
    if not requirements:
        return {uid: [] for uid in user_ids}
    people = persons_by_user(session, user_ids)
    levels = current_levels(session, [p.id for p in people.values()], [r.skill.id for r in requirements]) \
        if people else {}
    return {uid: gaps_of(requirements, levels, people[uid].id if uid in people else None) for uid in user_ids}


# --- changing -------------------------------------------------------------------------------------------------------

def _service(session, service_id) -> Service:
    ok = isinstance(service_id, int) and not isinstance(service_id, bool)
    service = session.get(Service, service_id) if ok else None
    if service is None:
        raise NotFound("Service introuvable.", field="service_id")
    return service


def _skill(session, skill_id) -> Skill:
    skill = session.get(Skill, skill_id) if isinstance(skill_id, int) and not isinstance(skill_id, bool) else None
    if skill is None:
        raise DomainError("Choisissez une compétence.", field="skill_id")
    return skill


def _level(skill: Skill, level) -> int:
    value = level if isinstance(level, int) and not isinstance(level, bool) else None
    if value is None or not 1 <= value <= skill.max_level:
        if skill.max_level == 1:
            raise DomainError(f"Le niveau de « {skill.code} » est 1 (acquis).", field="level")
        raise DomainError(f"Le niveau doit être un entier entre 1 et {skill.max_level}.", field="level")
    return value


def add_requirement(session, actor, *, service_id: int, skill_id: int, level: int,
                    now: datetime) -> ServiceSkillRequirement:
    """Require a skill at a level for a service (409 if the service already requires that skill)."""
    service = _service(session, service_id)
    skill = _skill(session, skill_id)
    if not skill.active:
        raise DomainError("Cette compétence n'est plus active.", field="skill_id")
    value = _level(skill, level)
    exists = session.execute(select(ServiceSkillRequirement.id).where(
        ServiceSkillRequirement.service_id == service.id, ServiceSkillRequirement.skill_id == skill.id)).first()
    if exists:
        raise Conflict(f"Le service requiert déjà « {skill.code} » : changez son niveau dans la liste.",
                       field="skill_id")
    row = ServiceSkillRequirement(service_id=service.id, skill_id=skill.id, level=value)
    session.add(row)
    session.flush()
    audit.record(session, actor, "training.requirement_add", row,
                 summary=f"« {service.name} » requiert {skill.code} au niveau {value}", after=audit.snapshot(row),
                 now=now)
    return row


def change_level(session, actor, requirement: ServiceSkillRequirement, *, level: int,
                 now: datetime) -> ServiceSkillRequirement:
    skill = _skill(session, requirement.skill_id)
    before = audit.snapshot(requirement)
    requirement.level = _level(skill, level)
    session.flush()
    audit.record(session, actor, "training.requirement_change", requirement,
                 summary=f"Niveau requis en {skill.code} : {requirement.level}", before=before,
                 after=audit.snapshot(requirement), now=now)
    return requirement


def remove_requirement(session, actor, requirement: ServiceSkillRequirement, *, now: datetime) -> None:
    skill = session.get(Skill, requirement.skill_id)
    before = audit.snapshot(requirement)
    audit.record(session, actor, "training.requirement_remove", requirement,
                 summary=f"Exigence retirée : {skill.code if skill else requirement.skill_id}", before=before, now=now)
    session.delete(requirement)
    session.flush()
