"""In the browser, on a phone: a mediator records two accompaniments and a workshop for a session in under a
minute; the activity pages pass axe-core (no serious violation)."""

import re
import time

import pytest
from sqlalchemy import select

from coopnum.activities.models import Activity
from coopnum.missions.models import MissionSession
from tests import days, factories
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)  # a PDF rendered on a busy two-core machine may take seconds
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_two_accompaniments_and_a_workshop_in_under_a_minute(phone, session, users):
    ids = factories.world(session, users, billing=False)
    # The form offers the mediator's sessions of the last 21 days: the world's past session is held yesterday.
    past = session.get(MissionSession, ids["past_session"])
    past.start, past.end = days.at(days.days(-1), 9), days.at(days.days(-1), 12)
    session.commit()
    page = phone
    log_in(page, users["mediator"].email)
    started = time.monotonic()
    page.goto("/missions/activities/new")
    page.get_by_role("link", name="accompagnement", exact=True).first.click()
    assert_accessible(page)
    page.get_by_label("30 min").check()
    page.get_by_label("E-mail").check()
    page.get_by_label("Téléphone").check()
    page.get_by_role("button", name="Enregistrer et saisir un autre accompagnement").click()
    page.get_by_text("Activité enregistrée").wait_for()
    page.get_by_label("45 min").check()
    page.get_by_label("Aide aux démarches administratives").first.check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Activité enregistrée").wait_for()
    page.goto(f"/missions/activities/new?session={ids['past_session']}&kind=Collectif")
    page.get_by_label("2 h", exact=True).check()
    page.get_by_label("Prendre en main du matériel").check()
    page.get_by_label("Titre de l’atelier").fill("Premiers pas sur la tablette")
    page.get_by_label("Nombre de participants").fill("6")
    page.get_by_label("Débutant").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Activité enregistrée").wait_for()
    assert time.monotonic() - started < 60
    rows = session.execute(select(Activity.kind, Activity.duration_minutes).where(
        Activity.session_id == ids["past_session"]).order_by(Activity.id)).all()
    assert rows == [("Individuel", 30), ("Individuel", 45), ("Collectif", 120)]
    page.goto("/missions/activities")
    assert_accessible(page)
    assert page.locator("tr[data-activity]").count() == 4
    page.goto("/missions/beneficiaries")
    assert_accessible(page)
    page.goto(f"/missions/activities/{ids['own_activity']}")
    assert_accessible(page)
    assert re.search("E-mail", page.content())
