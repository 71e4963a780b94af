"""Issue 15's "skills meet planning" in the browser: the coordinator opens a session of a service that requires
4.2 at level 3, sees who meets it, assigns a mediator who lacks it, sees the warning, and the mediator is assigned;
the requirements and suggestions pages are accessible."""

from playwright.sync_api import expect
from sqlalchemy import select

from coopnum.missions.models import Assignment
from coopnum.training.models import ServiceSkillRequirement
from tests import days, factories
from tests.e2e.conftest import assert_accessible, log_in
from tests.training import factories_training as ft


def test_assign_a_mediator_who_lacks_a_required_competence(page, live_server, users, session):
    ref = ft.skills(session)
    org = factories.organisation(session)
    service = factories.service(session, name="Aidants Connect — démarches en ligne")
    session.add(ServiceSkillRequirement(service_id=service.id, skill_id=ref["4.2"].id, level=3))
    mission = factories.mission(session, convention=factories.convention(session, organisation=org),
                                place=factories.place(session, organisation=org), service_id=service.id,
                                title="Permanence Aidants Connect")
    ms = factories.mission_session(session, mission=mission, start=days.at(days.days(4), 9),
                                   end=days.at(days.days(4), 12))
    claire = factories.user(session, roles=["mediator"], full_name="Claire Experte")
    paul = factories.user(session, roles=["mediator"], full_name="Paul Débutant")
    ft.assess(session, ft.person(session, user=claire), ref["4.2"], 6)
    ft.assess(session, ft.person(session, user=paul), ref["4.2"], 2)
    session.commit()
    session_id, paul_id = ms.id, paul.id

    log_in(page, users["coordinator"].email)
    page.goto(f"/missions/sessions/{session_id}")
    panel = page.locator("[data-training-meets]")
    expect(panel).to_contain_text("Protéger les données personnelles et la vie privée (niveau 3)")
    expect(panel.locator("tr", has_text="Claire Experte")).to_contain_text("a le niveau")
    expect(panel.locator("tr", has_text="Paul Débutant")).to_contain_text("4.2 2/3")
    assert_accessible(page)

    page.get_by_label("Médiateur·rice").select_option(label="Paul Débutant")
    page.get_by_role("button", name="Affecter").click()
    expect(page.locator(".flash-success")).to_contain_text("Paul Débutant est affecté·e à cette séance.")
    expect(page.locator(".flash-warning", has_text="Attention")).to_contain_text(
        "Attention : Paul Débutant n'a pas le niveau requis en 4.2 Protéger les données personnelles et la vie "
        "privée (2/3)")
    expect(page.locator("[data-training-meets] tr", has_text="Paul Débutant")).to_contain_text("affecté·e")
    session.expire_all()
    assert session.execute(select(Assignment.user_id).where(Assignment.session_id == session_id)
                           ).scalars().all() == [paul_id]

    # the gap is now a suggested peer training, Claire can lead it
    page.get_by_role("link", name="Formations suggérées").click()
    expect(page.locator("[data-skill='4.2']")).to_contain_text("Claire Experte (niveau 6)")
    assert_accessible(page)
    page.get_by_role("navigation", name="Pages de la formation").get_by_role("link", name="Compétences requises par service").click()
    expect(page.locator("h1")).to_have_text("Compétences requises par service")
    assert_accessible(page)
