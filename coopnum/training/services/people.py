"""People of the training domain and their current levels.

Every user with the mediator or coordinator role, and every member with an account, has a ``Person`` (created on
first need by ``person_for_user``); members without an account and external people are added by hand."""

from collections.abc import Iterable

from sqlalchemy import func, select

from coopnum.core.models import Role, User
from coopnum.training.models import Person, PersonKind, SkillAssessment


def person_for_user(session, user: User, *, create: bool = True) -> Person | None:
    """The person of a user (created if missing and ``create``)."""
    person = session.execute(select(Person).where(Person.user_id == user.id)).scalar_one_or_none()
    if person is None and create:
        kind = PersonKind.STAFF if user.has_role(Role.MEDIATOR, Role.COORDINATOR) else PersonKind.MEMBER
        person = Person(user_id=user.id, kind=kind, full_name=user.full_name, email=user.email)
        session.add(person)
        session.flush()
    return person


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
