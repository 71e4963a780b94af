"""The planning demo: the demo missions get their service, three services require competences, the mediator of the
first coming permanence is below 4.2 level 3, so the suggestions are not empty and name a trainer; without the
catalogue it does nothing; run twice, it adds nothing."""

from types import SimpleNamespace

from sqlalchemy import func, select

from coopnum.missions.models import MissionKind
from coopnum.training import demo_planning
from coopnum.training.models import ServiceSkillRequirement
from coopnum.training.services import suggestions
from coopnum.training.services.people import current_levels
from tests import days, factories
from tests.training import factories_training as ft


def _count(session) -> int:
    return session.execute(select(func.count()).select_from(ServiceSkillRequirement)).scalar_one()


def test_without_the_catalogue_nothing_happens(session, users):
    demo_planning.seed(session, SimpleNamespace(), days.NOW)
    assert _count(session) == 0


def test_demo_planning(session, users):
    ref = ft.skills(session)
    for code in ("PERM-H", "ATELIER", "PERM-ITIN"):
        factories.service(session, code=code)
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    perm = factories.mission(session, convention=conv, place=factories.place(session, organisation=org),
                             kind=MissionKind.PERMANENCE)
    ms = factories.mission_session(session, mission=perm, start=days.at(days.days(3), 9),
                                   end=days.at(days.days(3), 12))
    factories.assignment(session, mission_session=ms, user=users["mediator"])
    ft.assess(session, ft.person(session, user=users["mediator"]), ref["4.2"], 4, on=days.days(-90))
    ctx = SimpleNamespace(coordinator=users["coordinator"], mediators=[users["mediator"]])
    demo_planning.seed(session, ctx, days.NOW)
    assert perm.service_id is not None
    assert _count(session) == 5
    person = ft.person(session, user=users["mediator"])
    assert current_levels(session, [person.id], [ref["4.2"].id])[(person.id, ref["4.2"].id)] == 2
    found = {s.skill.code: s for s in suggestions.suggestions(session, today=days.TODAY)}
    assert set(found) == {"4.2", "CCP1"}
    assert [t.name for t in found["4.2"].trainers] == [users["coordinator"].full_name]
    demo_planning.seed(session, ctx, days.NOW)
    assert _count(session) == 5
