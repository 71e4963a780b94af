"""People of the training domain, their levels (an append-only history of assessments) and their current levels.

Every user with the mediator or coordinator role, and every member with an account, has a ``Person`` (created on
first need by ``person_for_user``, or for all staff at once by ``ensure_staff_people``); members without an account
and external people are added by hand (``create_person``).

A level is never edited: ``record_assessment`` appends an assessment; the current level of a person in a skill is
its latest assessment (by date, then by record); a correction is a new assessment (level 0: no longer held)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select

from coopnum.core import audit, clock, formats
from coopnum.core.errors import DomainError, NotFound
from coopnum.core.models import Role, User, UserRole
from coopnum.core.validation import date_in_range
from coopnum.training.models import EvidenceKind, Person, PersonKind, Skill, SkillAssessment, TargetProfile

EVIDENCE_MAX = 500


def person_for_user(session, user: User, *, create: bool = True) -> Person | None:
    """The person of a user (created if missing and ``create``)."""
    person = session.execute(select(Person).where(Person.user_id == user.id)).scalar_one_or_none()
    if person is None and create:
        kind = PersonKind.STAFF if user.has_role(Role.MEDIATOR, Role.COORDINATOR) else PersonKind.MEMBER
        person = Person(user_id=user.id, kind=kind, full_name=user.full_name, email=user.email)
        session.add(person)
        session.flush()
    return person


def ensure_staff_people(session) -> int:
    """A person for every active mediator and coordinator who has none yet (the matrix and the lists show them);
    the number created."""
    users = session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_((Role.MEDIATOR, Role.COORDINATOR)), User.active)
        .where(~select(Person.id).where(Person.user_id == User.id).exists())).unique().scalars().all()
    for user in users:
        person_for_user(session, user)
    return len(users)


def current_levels(session, person_ids: Iterable[int] | None = None,
                   skill_ids: Iterable[int] | None = None) -> dict[tuple[int, int], int]:
    """{(person_id, skill_id): level} from the latest assessment of each pair (by date, then by record), in one
    query. A pair without assessment is absent (level 0)."""
    ranked = select(SkillAssessment.person_id, SkillAssessment.skill_id, SkillAssessment.level,
                    func.row_number().over(partition_by=(SkillAssessment.person_id, SkillAssessment.skill_id),
                                           order_by=(SkillAssessment.assessed_on.desc(),
                                                     SkillAssessment.id.desc())).label("rank"))
    if person_ids is not None:
        ranked = ranked.where(SkillAssessment.person_id.in_(list(person_ids)))
    if skill_ids is not None:
        ranked = ranked.where(SkillAssessment.skill_id.in_(list(skill_ids)))
    sub = ranked.subquery()
    rows = session.execute(select(sub.c.person_id, sub.c.skill_id, sub.c.level).where(sub.c.rank == 1)).all()
    return {(p, s): level for p, s, level in rows if level > 0}


# --- the list of people ---------------------------------------------------------------------------------------------

def people_stmt(q: str = "", *, kind: str | None = None, profile_id: int | None = None, active: bool | None = True):
    stmt = select(Person)
    q = (q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Person.full_name).like(like), func.lower(Person.email).like(like),
                              func.lower(Person.organisation).like(like)))
    if kind:
        stmt = stmt.where(Person.kind == kind)
    if profile_id:
        stmt = stmt.where(Person.target_profile_id == profile_id)
    if active is not None:
        stmt = stmt.where(Person.active == active)
    return stmt.order_by(func.lower(Person.full_name), Person.id)


def _check_person(session, *, full_name: str, kind: str, email: str | None, target_profile_id: int | None,
                  member_id: int | None) -> tuple[str, str | None]:
    full_name = (full_name or "").strip()
    if not full_name:
        raise DomainError("Indiquez le nom de la personne.", field="full_name")
    if len(full_name) > 200:
        raise DomainError("Nom trop long (200 caractères au plus).", field="full_name")
    if kind not in set(PersonKind):
        raise DomainError("Type de personne inconnu.", field="kind")
    email = (email or "").strip().lower() or None
    if email is not None and ("@" not in email or len(email) > 254):
        raise DomainError("Adresse électronique invalide.", field="email")
    if target_profile_id is not None and session.get(TargetProfile, target_profile_id) is None:
        raise DomainError("Profil cible introuvable.", field="target_profile_id")
    if member_id is not None:
        from coopnum.members.models import Member

        if session.get(Member, member_id) is None:
            raise DomainError("Sociétaire introuvable.", field="member_id")
    return full_name, email


def create_person(session, actor, *, full_name: str, kind: str = PersonKind.EXTERNAL, email: str | None = None,
                  organisation: str = "", member_id: int | None = None, target_profile_id: int | None = None,
                  notes: str = "", now: datetime) -> Person:
    """A person without an account: a member of the cooperative, a hosted CNFS, an external person."""
    full_name, email = _check_person(session, full_name=full_name, kind=kind, email=email,
                                     target_profile_id=target_profile_id, member_id=member_id)
    person = Person(full_name=full_name, kind=kind, email=email, organisation=(organisation or "").strip()[:200],
                    member_id=member_id, target_profile_id=target_profile_id, notes=(notes or "").strip()[:1000],
                    created_at=now, updated_at=now)
    session.add(person)
    session.flush()
    audit.record(session, actor, "create", person, summary=f"Personne {full_name} ({kind})"[:500],
                 after=audit.snapshot(person), now=now)
    return person


def update_person(session, actor, person: Person, *, full_name: str, kind: str, email: str | None = None,
                  organisation: str = "", member_id: int | None = None, target_profile_id: int | None = None,
                  notes: str = "", active: bool = True, now: datetime) -> Person:
    """Edit a person (the name and email of a person with an account follow its account)."""
    full_name, email = _check_person(session, full_name=full_name, kind=kind, email=email,
                                     target_profile_id=target_profile_id, member_id=member_id)
    before = audit.snapshot(person)
    if person.user_id is None:
        person.full_name, person.email = full_name, email
    person.kind, person.organisation = kind, (organisation or "").strip()[:200]
    person.member_id, person.target_profile_id = member_id, target_profile_id
    person.notes, person.active, person.updated_at = (notes or "").strip()[:1000], bool(active), now
    session.flush()
    after = audit.snapshot(person)
    if audit.diff(before, after):
        audit.record(session, actor, "update", person, summary=f"Personne {person.full_name} modifiée"[:500],
                     before=before, after=after, now=now)
    return person


def assign_profile(session, actor, person: Person, profile_id: int | None, *, now: datetime) -> Person:
    if profile_id is not None:
        profile = session.get(TargetProfile, profile_id)
        if profile is None:
            raise DomainError("Profil cible introuvable.", field="target_profile_id")
    before = person.target_profile_id
    person.target_profile_id, person.updated_at = profile_id, now
    session.flush()
    audit.record(session, actor, "update", person, summary=f"Profil cible {formats.of(person.full_name)}"[:500],
                 before={"target_profile_id": before}, after={"target_profile_id": profile_id}, now=now)
    return person


# --- assessments ----------------------------------------------------------------------------------------------------

def record_assessment(session, actor, person: Person, skill: Skill | int, *, level: int, evidence_kind: str,
                      assessed_on: date | None = None, evidence: str = "", training_session_id: int | None = None,
                      now: datetime) -> SkillAssessment:
    """Append an assessment of ``person`` in ``skill`` (level 0 to the skill's maximum, on a day not in the future,
    with its evidence). Someone assessing themself records a self-assessment, whatever the evidence said (a Pix
    result they read themselves is evidence too: the kind ``pix_result`` stays when given)."""
    if isinstance(skill, int):
        found = session.get(Skill, skill)
        if found is None:
            raise NotFound("Compétence introuvable.", field="skill_id")
        skill = found
    if not skill.active:
        raise DomainError("Cette compétence n'est plus proposée.", field="skill_id")
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= skill.max_level:
        raise DomainError(f"Le niveau est compris entre 0 et {skill.max_level} pour cette compétence.",
                          field="level")
    today = clock.paris_today(now)
    assessed_on = assessed_on or today
    if assessed_on > today:
        raise DomainError("La date de l'évaluation ne peut pas être dans le futur.", field="assessed_on")
    if not date_in_range(assessed_on):
        raise DomainError("Date de l'évaluation hors des limites autorisées.", field="assessed_on")
    if evidence_kind not in set(EvidenceKind):
        raise DomainError("Type de preuve inconnu.", field="evidence_kind")
    evidence = (evidence or "").strip()
    if len(evidence) > EVIDENCE_MAX:
        raise DomainError(f"Preuve trop longue ({EVIDENCE_MAX} caractères au plus).", field="evidence")
    is_self = actor is not None and person.user_id is not None and person.user_id == actor.id
    if is_self and evidence_kind not in (EvidenceKind.SELF, EvidenceKind.PIX_RESULT,
                                         EvidenceKind.PIX_CERTIFICATION):
        evidence_kind = EvidenceKind.SELF
    if evidence_kind in (EvidenceKind.TRAINER, EvidenceKind.OTHER) and not evidence:
        evidence = f"Évaluation {formats.of(actor.full_name)}" if actor is not None else ""
    row = SkillAssessment(person_id=person.id, skill_id=skill.id, level=level, assessed_on=assessed_on,
                          evidence_kind=evidence_kind, evidence=evidence, training_session_id=training_session_id,
                          assessed_by_id=actor.id if actor is not None else None, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", row,
                 summary=f"{person.full_name} : {skill.code} niveau {level} le {assessed_on.isoformat()}"[:500],
                 after=audit.snapshot(row), now=now)
    return row


@dataclass
class HistoryLine:
    assessment: SkillAssessment
    skill: Skill
    assessor: str


def history(session, person_id: int, skill_id: int | None = None) -> list[HistoryLine]:
    """Every assessment of a person, newest first (by date, then record), with its skill and who recorded it."""
    stmt = (select(SkillAssessment, Skill, User.full_name)
            .join(Skill, Skill.id == SkillAssessment.skill_id)
            .outerjoin(User, User.id == SkillAssessment.assessed_by_id)
            .where(SkillAssessment.person_id == person_id)
            .order_by(SkillAssessment.assessed_on.desc(), SkillAssessment.id.desc()))
    if skill_id is not None:
        stmt = stmt.where(SkillAssessment.skill_id == skill_id)
    return [HistoryLine(a, s, name or "") for a, s, name in session.execute(stmt).all()]
