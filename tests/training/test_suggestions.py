"""Suggested peer trainings over a hand-built month: the gaps of the mediators assigned to the coming 30 days'
planned sessions, grouped by competence, with the sessions concerned, the open ones, and the possible trainers."""

import pytest
from sqlalchemy import select

from coopnum.core.models import Role
from coopnum.missions.models import SessionStatus
from coopnum.training.models import Person
from coopnum.training.services import suggestions as svc
from tests import days, factories
from tests.training import factories_training as ft


@pytest.fixture
def month(session, users):
    ref = ft.skills(session)
    org = factories.organisation(session)
    place = factories.place(session, organisation=org)
    conv = factories.convention(session, organisation=org)
    aidants = factories.service(session, name="Aidants Connect")
    plain = factories.service(session, name="Sans exigence")
    from coopnum.training.models import ServiceSkillRequirement

    session.add(ServiceSkillRequirement(service_id=aidants.id, skill_id=ref["4.2"].id, level=3))
    session.add(ServiceSkillRequirement(service_id=aidants.id, skill_id=ref["CCP1"].id, level=1))
    mission = factories.mission(session, convention=conv, place=place, service_id=aidants.id, title="Démarches")
    other = factories.mission(session, convention=conv, place=place, service_id=plain.id, title="Libre")

    def at(n, m=mission, **kw):
        return factories.mission_session(session, mission=m, start=days.at(days.days(n), 9),
                                         end=days.at(days.days(n), 12), **kw)

    claire = factories.user(session, roles=[Role.MEDIATOR], full_name="Claire Experte")
    paul = factories.user(session, roles=[Role.MEDIATOR], full_name="Paul Débutant")
    nadia = factories.user(session, roles=[Role.MEDIATOR], full_name="Nadia Sansfiche")
    pc, pp = ft.person(session, user=claire), ft.person(session, user=paul)
    ft.assess(session, pc, ref["4.2"], 6)
    ft.assess(session, pc, ref["CCP1"], 1)
    ft.assess(session, pp, ref["4.2"], 2)
    ft.assess(session, pp, ref["CCP1"], 1)
    five = ft.person(session, full_name="Zoé Cinq", kind="staff")
    ft.assess(session, five, ref["4.2"], 5)
    four = ft.person(session, full_name="Hugo Quatre", kind="staff")
    ft.assess(session, four, ref["4.2"], 4)  # above the level but not enough to train
    gone = ft.person(session, full_name="Ancien Formateur", kind="staff")
    ft.assess(session, gone, ref["4.2"], 8)
    gone.active = False

    sessions = {n: at(n) for n in (0, 2, 9, 16, 20, 30, 32, -3)}
    cancelled = at(5, status=SessionStatus.CANCELLED)
    for n in (2, 9, 30):
        factories.assignment(session, mission_session=sessions[n], user=paul)
    factories.assignment(session, mission_session=sessions[16], user=nadia)
    factories.assignment(session, mission_session=sessions[0], user=claire)
    for n in (32, -3):  # outside the window
        factories.assignment(session, mission_session=sessions[n], user=paul)
    factories.assignment(session, mission_session=cancelled, user=paul)
    factories.assignment(session, mission_session=at(3, m=other), user=paul)  # no requirement
    session.flush()
    return {"ref": ref, "sessions": sessions, "paul": paul, "nadia": nadia, "pp": pp, "claire": pc, "five": five}


def test_gaps_grouped_by_competence(session, month):
    result = svc.suggestions(session, today=days.TODAY)
    assert [s.skill.code for s in result] == ["4.2", "CCP1"]
    s42, ccp1 = result
    assert s42.level == 3
    assert [(t.name, t.current, t.required) for t in s42.trainees] == [("Nadia Sansfiche", 0, 3),
                                                                       ("Paul Débutant", 2, 3)]
    sessions = month["sessions"]
    assert s42.session_ids == {sessions[n].id for n in (2, 9, 16, 30)}
    assert s42.open_session_ids == {sessions[20].id}  # nobody on it yet
    assert [(t.name, t.level) for t in s42.trainers] == [("Claire Experte", 6), ("Zoé Cinq", 5)]
    assert s42.trainee_person_ids == [month["pp"].id]  # Nadia has no Person yet
    # CCP1: only Nadia lacks it (Paul holds it); anyone who holds it can train it
    assert [t.name for t in ccp1.trainees] == ["Nadia Sansfiche"]
    assert ccp1.session_ids == {sessions[16].id}
    assert {t.name for t in ccp1.trainers} == {"Claire Experte", "Paul Débutant"}


def test_a_training_closes_the_gap(session, month):
    ft.assess(session, month["pp"], month["ref"]["4.2"], 3)
    nadia = ft.person(session, user=month["nadia"])
    ft.assess(session, nadia, month["ref"]["4.2"], 4)
    ft.assess(session, nadia, month["ref"]["CCP1"], 1)
    assert svc.suggestions(session, today=days.TODAY) == []


def test_trainer_rule():
    skill = type("S", (), {"max_level": 8})()
    assert svc.is_trainer_level(skill, 5, 3) and svc.is_trainer_level(skill, 5, 4)
    assert svc.is_trainer_level(skill, 6, 4) and not svc.is_trainer_level(skill, 5, 5)
    assert not svc.is_trainer_level(skill, 4, 3) and svc.is_trainer_level(skill, 4, 2)
    block = type("S", (), {"max_level": 1})()
    assert svc.is_trainer_level(block, 1, 1) and not svc.is_trainer_level(block, 0, 1)


def test_nothing_without_requirements_or_sessions(session, users):
    ft.skills(session)
    assert svc.suggestions(session, today=days.TODAY) == []
    assert session.execute(select(Person)).first() is None  # reading creates nobody
