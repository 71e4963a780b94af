"""Target profiles: the level a kind of person should reach in each skill (e.g. « CNFS — socle »: 4.2 at level 3,
CCP1 acquired…), assigned to people; the gaps of a person = required level − current level, for each skill of its
profile where it is positive."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coopnum.core import audit
from coopnum.core.errors import Conflict, DomainError
from coopnum.training.models import Person, Skill, TargetProfile, TargetProfileSkill


def profiles(session, *, active_only: bool = False) -> list[TargetProfile]:
    stmt = select(TargetProfile).order_by(TargetProfile.name)
    if active_only:
        stmt = stmt.where(TargetProfile.active)
    return list(session.execute(stmt).scalars())


def _check_name(session, profile: TargetProfile | None, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("Indiquez le nom du profil.", field="name")
    if len(name) > 200:
        raise DomainError("Nom trop long (200 caractères au plus).", field="name")
    clash = session.execute(select(TargetProfile.id).where(func.lower(TargetProfile.name) == name.lower())
                            ).scalar_one_or_none()
    if clash is not None and (profile is None or clash != profile.id):
        raise Conflict(f"Un profil s'appelle déjà « {name} ».", field="name")
    return name


def create_profile(session, actor, *, name: str, description: str = "", now: datetime) -> TargetProfile:
    profile = TargetProfile(name=_check_name(session, None, name), description=(description or "").strip()[:1000],
                            created_at=now, updated_at=now)
    session.add(profile)
    session.flush()
    audit.record(session, actor, "create", profile, summary=f"Profil cible {profile.name}"[:500], now=now)
    return profile


def update_profile(session, actor, profile: TargetProfile, *, name: str, description: str = "", active: bool = True,
                   levels: dict[int, int] | None = None, now: datetime) -> TargetProfile:
    """Rename, describe, (de)activate a profile and, when ``levels`` is given, set its required levels
    ({skill_id: level}; 0 or absent: not required)."""
    before = {"name": profile.name, "description": profile.description, "active": profile.active,
              "levels": required_levels(session, [profile.id]).get(profile.id, {})}
    profile.name = _check_name(session, profile, name)
    profile.description, profile.active, profile.updated_at = (description or "").strip()[:1000], bool(active), now
    if levels is not None:
        set_levels(session, profile, levels)
    session.flush()
    after = {"name": profile.name, "description": profile.description, "active": profile.active,
             "levels": required_levels(session, [profile.id]).get(profile.id, {})}
    audit.record(session, actor, "update", profile, summary=f"Profil cible {profile.name} modifié"[:500],
                 before={k: v if k != "levels" else {str(a): b for a, b in v.items()} for k, v in before.items()},
                 after={k: v if k != "levels" else {str(a): b for a, b in v.items()} for k, v in after.items()},
                 now=now)
    return profile


def set_levels(session, profile: TargetProfile, levels: dict[int, int]) -> None:
    skills = {s.id: s for s in session.execute(select(Skill).where(Skill.id.in_(list(levels)))).scalars()} \
        if levels else {}
    for skill_id, level in levels.items():
        skill = skills.get(skill_id)
        if skill is None:
            raise DomainError("Compétence introuvable.", field="levels")
        if not 0 <= level <= skill.max_level:
            raise DomainError(f"{skill.code} : le niveau visé est compris entre 0 et {skill.max_level}.",
                              field="levels")
    rows = {r.skill_id: r for r in session.execute(select(TargetProfileSkill).where(
        TargetProfileSkill.profile_id == profile.id)).scalars()}
    for skill_id, level in levels.items():
        row = rows.get(skill_id)
        if level <= 0:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(TargetProfileSkill(profile_id=profile.id, skill_id=skill_id, level=level))
        else:
            row.level = level
    session.flush()


def required_levels(session, profile_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """{profile_id: {skill_id: required level}}, in one query."""
    ids = [i for i in profile_ids if i]
    result: dict[int, dict[int, int]] = {i: {} for i in ids}
    if not ids:
        return result
    for pid, sid, level in session.execute(select(TargetProfileSkill.profile_id, TargetProfileSkill.skill_id,
                                                  TargetProfileSkill.level)
                                           .where(TargetProfileSkill.profile_id.in_(ids))).all():
        result[pid][sid] = level
    return result


@dataclass
class Gap:
    skill: Skill
    required: int
    current: int

    @property
    def missing(self) -> int:
        return max(0, self.required - self.current)


def gaps(session, people: list[Person], levels: dict[tuple[int, int], int] | None = None) -> dict[int, list[Gap]]:
    """{person_id: [Gap]} for the skills of each person's target profile where the current level is below the
    required one (``levels``: the current levels when already read)."""
    from coopnum.training.services.people import current_levels

    required = required_levels(session, {p.target_profile_id for p in people if p.target_profile_id})
    skill_ids = {sid for levels_ in required.values() for sid in levels_}
    skills = {s.id: s for s in session.execute(select(Skill).where(Skill.id.in_(skill_ids))).scalars()} \
        if skill_ids else {}
    if levels is None:
        levels = current_levels(session, [p.id for p in people], skill_ids) if skill_ids else {}
    result: dict[int, list[Gap]] = {}
    for p in people:
        wanted = required.get(p.target_profile_id, {}) if p.target_profile_id else {}
        found = [Gap(skills[sid], level, levels.get((p.id, sid), 0)) for sid, level in wanted.items()
                 if sid in skills and levels.get((p.id, sid), 0) < level]
        result[p.id] = sorted(found, key=lambda g: (g.skill.framework != "pix", g.skill.position, g.skill.code))
    return result
