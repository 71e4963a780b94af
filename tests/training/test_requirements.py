"""The competences a service requires: adding (validated: a skill, a level within 1..max_level, once per skill),
changing the level, removing; ``meets``: who lacks what, a user without a Person at level 0 everywhere."""

import pytest
from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.core.models import AuditLog, Role
from coopnum.training.models import ServiceSkillRequirement
from coopnum.training.services import requirements as svc
from tests import factories
from tests.training import factories_training as ft


@pytest.fixture
def ref(session):
    return ft.skills(session)


def test_add_change_remove_a_requirement(session, users, ref):
    service = factories.service(session, name="Aidants Connect")
    row = svc.add_requirement(session, users["coordinator"], service_id=service.id, skill_id=ref["4.2"].id, level=3,
                              now=clock.now())
    svc.add_requirement(session, users["coordinator"], service_id=service.id, skill_id=ref["CCP1"].id, level=1,
                        now=clock.now())
    listed = svc.requirements_of(session, service.id)
    assert [(r.skill.code, r.level) for r in listed] == [("4.2", 3), ("CCP1", 1)]
    svc.change_level(session, users["coordinator"], row, level=5, now=clock.now())
    assert session.get(ServiceSkillRequirement, row.id).level == 5
    svc.remove_requirement(session, users["coordinator"], row, now=clock.now())
    assert [r.skill.code for r in svc.requirements_of(session, service.id)] == ["CCP1"]
    actions = set(session.execute(select(AuditLog.action)).scalars())
    assert {"training.requirement_add", "training.requirement_change", "training.requirement_remove"} <= actions


def test_a_skill_is_required_once_per_service(session, users, ref):
    service = factories.service(session)
    svc.add_requirement(session, None, service_id=service.id, skill_id=ref["4.2"].id, level=3, now=clock.now())
    with pytest.raises(Conflict) as exc:
        svc.add_requirement(session, None, service_id=service.id, skill_id=ref["4.2"].id, level=4, now=clock.now())
    assert exc.value.field == "skill_id" and "déjà" in exc.value.message
    other = factories.service(session)  # another service may require it too
    svc.add_requirement(session, None, service_id=other.id, skill_id=ref["4.2"].id, level=2, now=clock.now())
    assert session.execute(select(func.count()).select_from(ServiceSkillRequirement)).scalar_one() == 2


@pytest.mark.parametrize(("code", "level"), [("4.2", 0), ("4.2", 9), ("4.2", -1), ("CCP1", 2), ("4.2", "3"),
                                             ("4.2", True)])
def test_the_level_is_within_the_skill_s_range(session, ref, code, level):
    service = factories.service(session)
    with pytest.raises(DomainError) as exc:
        svc.add_requirement(session, None, service_id=service.id, skill_id=ref[code].id, level=level, now=clock.now())
    assert exc.value.field == "level"
    assert session.execute(select(func.count()).select_from(ServiceSkillRequirement)).scalar_one() == 0


def test_unknown_service_or_skill(session, ref):
    service = factories.service(session)
    with pytest.raises(NotFound):
        svc.add_requirement(session, None, service_id=999999, skill_id=ref["4.2"].id, level=3, now=clock.now())
    with pytest.raises(DomainError) as exc:
        svc.add_requirement(session, None, service_id=service.id, skill_id=999999, level=3, now=clock.now())
    assert exc.value.field == "skill_id"
    ref["4.1"].active = False
    with pytest.raises(DomainError):
        svc.add_requirement(session, None, service_id=service.id, skill_id=ref["4.1"].id, level=3, now=clock.now())


def test_meets_lists_the_gaps_of_each_user(session, users, ref):
    service = factories.service(session)
    svc.add_requirement(session, None, service_id=service.id, skill_id=ref["4.2"].id, level=3, now=clock.now())
    svc.add_requirement(session, None, service_id=service.id, skill_id=ref["CCP1"].id, level=1, now=clock.now())
    claire = factories.user(session, roles=[Role.MEDIATOR], full_name="Claire Expert")
    paul = factories.user(session, roles=[Role.MEDIATOR], full_name="Paul Débutant")
    nobody = factories.user(session, roles=[Role.MEDIATOR], full_name="Sans Fiche")
    pc, pp = ft.person(session, user=claire), ft.person(session, user=paul)
    ft.assess(session, pc, ref["4.2"], 5)
    ft.assess(session, pc, ref["CCP1"], 1)
    ft.assess(session, pp, ref["4.2"], 4, on=ft.days.days(-60))
    ft.assess(session, pp, ref["4.2"], 2)  # the latest assessment is the current level
    result = svc.meets(session, service_id=service.id, user_ids=[claire.id, paul.id, nobody.id])
    assert result[claire.id] == []
    assert [(g.skill.code, g.current, g.required) for g in result[paul.id]] == [("4.2", 2, 3), ("CCP1", 0, 1)]
    assert [(g.skill.code, g.current, g.required) for g in result[nobody.id]] == [("4.2", 0, 3), ("CCP1", 0, 1)]
    # a service without requirements: everybody meets it
    assert svc.meets(session, service_id=factories.service(session).id, user_ids=[paul.id]) == {paul.id: []}
    assert svc.meets(session, service_id=None, user_ids=[nobody.id]) == {nobody.id: []}
