"""Demo: the skills some services of the catalogue require, so that the session pages show who meets them and the
suggestions page is not empty.

- the demo missions name their service (the permanences: "PERM-H", the workshops: "ATELIER") when they do not yet;
- "Permanence numérique" (démarches en ligne, FranceConnect) requires 4.2 (protect personal data) at level 3 and
  the block CCP1 of the title; the workshops require 2.1 (interact) at level 3 and CCP2; the itinerant permanence
  4.2 at level 3;
- the mediator assigned to the first coming permanence is below 4.2 level 3 (an assessment at level 2 is added if
  needed), and someone of the cooperative can train it (4.2 at level 6 for the coordinator if nobody can).

Runs after the skills and sessions demos, which create people and their levels: guarded for their absence."""

from datetime import time, timedelta

from sqlalchemy import select

from coopnum.core import clock
from coopnum.missions.models import Mission, MissionKind, MissionSession, SessionStatus
from coopnum.organisations.models import Service
from coopnum.training.models import EvidenceKind, ServiceSkillRequirement, Skill, SkillAssessment
from coopnum.training.services import framework, requirements, suggestions
from coopnum.training.services.people import current_levels, person_for_user

REQUIREMENTS = {
    "PERM-H": (("4.2", 3), ("CCP1", 1)),
    "ATELIER": (("2.1", 3), ("CCP2", 1)),
    "PERM-ITIN": (("4.2", 3),),
}


def seed(session, ctx, now) -> None:
    framework.ensure_framework(session)
    skills = {s.code: s for s in session.execute(select(Skill)).scalars()}
    services = {s.code: s for s in session.execute(select(Service)).scalars()}
    if not services:
        return
    _link_missions(session, ctx, services)
    actor = getattr(ctx, "coordinator", None)
    existing = {(r.service_id, r.skill_id) for r in session.execute(select(ServiceSkillRequirement)).scalars()}
    for code, wanted in REQUIREMENTS.items():
        service = services.get(code)
        if service is None:
            continue
        for skill_code, level in wanted:
            skill = skills.get(skill_code)
            if skill is not None and (service.id, skill.id) not in existing:
                requirements.add_requirement(session, actor, service_id=service.id, skill_id=skill.id, level=level,
                                             now=now)
    _make_a_gap(session, ctx, now, services, skills)


def _link_missions(session, ctx, services) -> None:
    """The demo missions without a service: permanences → PERM-H, workshops → ATELIER."""
    by_kind = {MissionKind.PERMANENCE: services.get("PERM-H"), MissionKind.WORKSHOP_SERIES: services.get("ATELIER")}
    for mission in session.execute(select(Mission).where(Mission.service_id.is_(None))).scalars():
        service = by_kind.get(mission.kind)
        if service is not None:
            mission.service_id = service.id
    session.flush()


def _make_a_gap(session, ctx, now, services, skills) -> None:
    perm, skill = services.get("PERM-H"), skills.get("4.2")
    if perm is None or skill is None:
        return
    today = clock.paris_today(now)
    start = clock.paris_datetime(today + timedelta(days=1), time(0, 0))
    end = clock.paris_datetime(today + timedelta(days=suggestions.WINDOW_DAYS), time(0, 0))
    coming = session.execute(
        select(MissionSession).join(Mission, Mission.id == MissionSession.mission_id)
        .where(Mission.service_id == perm.id, MissionSession.status == SessionStatus.PLANNED,
               MissionSession.start >= start, MissionSession.start < end)
        .order_by(MissionSession.start, MissionSession.id)).scalars().all()
    assigned = next((s for s in coming if s.assignments), None)
    if assigned is None:
        return
    user = assigned.assignments[0].user
    person = person_for_user(session, user)
    level = current_levels(session, [person.id], [skill.id]).get((person.id, skill.id), 0)
    if level >= 3:
        session.add(SkillAssessment(person_id=person.id, skill_id=skill.id, level=2, assessed_on=today,
                                    evidence_kind=EvidenceKind.PIX_RESULT,
                                    evidence="Pix, campagne « Protection des données » de l'équipe : niveau 2"))
        session.flush()
    # someone who can train it
    levels = current_levels(session, None, [skill.id])
    if not any(suggestions.is_trainer_level(skill, lvl, 3) for lvl in levels.values()):
        coordinator = getattr(ctx, "coordinator", None)
        if coordinator is not None:
            trainer = person_for_user(session, coordinator)
            session.add(SkillAssessment(person_id=trainer.id, skill_id=skill.id, level=6, assessed_on=today,
                                        evidence_kind=EvidenceKind.PIX_CERTIFICATION,
                                        evidence="Certification Pix : niveau 6 en 4.2"))
            session.flush()
