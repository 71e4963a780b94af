"""The issue's flow, in the browser: the coordinator creates an organisation, a convention, a place and a weekly
mission, assigns a mediator, and the mediator sees it in "Ma semaine" and in their iCal feed; a double booking is
refused with a message naming the conflict."""

import re
from datetime import date, timedelta

import holidays
import icalendar
from playwright.sync_api import expect

from tests import days, factories
from tests.e2e.conftest import assert_accessible, go_to, log_in


def label(page, text):
    return page.get_by_label(re.compile(rf"^{re.escape(text)}( \*)?$"))


def next_working_tuesday(today: date) -> date:
    """The first Tuesday after today that is not a French public holiday (missions skip those by default)."""
    day = days.weekday_on_or_after(today + timedelta(days=1), days.TUESDAY)
    while day in holidays.country_holidays("FR", years=day.year):
        day += timedelta(weeks=1)
    return day


def select_containing(page, field_id: str, text: str) -> None:
    value = page.locator(f"#{field_id} option", has_text=text).first.get_attribute("value")
    page.locator(f"#{field_id}").select_option(value)


def test_coordinator_plans_a_weekly_mission_seen_by_the_mediator(page, browser, live_server, users, session, today):
    mediator_name, mediator_email = users["mediator"].full_name, users["mediator"].email
    coordinator_email = users["coordinator"].email
    session.commit()
    tuesday = next_working_tuesday(today)
    siret = factories.siret(424242)

    log_in(page, coordinator_email)
    # organisation
    go_to(page, "Structures")
    page.get_by_role("link", name="Nouvelle structure").click()
    label(page, "Nom").fill("Ville de Vouneuil")
    page.get_by_label("Type de structure").select_option(label="Commune")
    label(page, "SIRET").fill(siret)
    page.get_by_label("Code postal").fill("86580")
    label(page, "Commune").fill("Vouneuil-sous-Biard")
    page.get_by_label("Code commune INSEE").fill("86297")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_contain_text("Ville de Vouneuil")
    # convention
    page.get_by_role("link", name="Nouvelle convention").click()
    page.get_by_label("Intitulé").fill("Permanences Vouneuil")
    page.get_by_label("Date de début").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Date de fin").fill((today + timedelta(days=120)).isoformat())
    page.get_by_label("Prix unitaire HT (€)").fill("45")
    page.get_by_label("Volume contracté").fill("100")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_contain_text("Permanences Vouneuil")
    # place
    go_to(page, "Lieux")
    page.get_by_role("link", name="Nouveau lieu").click()
    page.get_by_label("Nom du lieu").fill("Mairie de Vouneuil")
    page.get_by_role("textbox", name="Adresse", exact=True).fill("1 place de la Mairie")
    page.get_by_label("Code postal").fill("86580")
    page.get_by_role("textbox", name="Commune", exact=True).fill("Vouneuil-sous-Biard")
    page.get_by_label("Code INSEE de la commune").fill("86297")
    select_containing(page, "organisation_id", "Ville de Vouneuil")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_contain_text("Mairie de Vouneuil")
    # weekly mission, with a first try whose end is before its start
    go_to(page, "Missions")
    page.get_by_role("link", name="Nouvelle mission").click()
    select_containing(page, "convention_id", "Permanences Vouneuil")
    select_containing(page, "place_id", "Mairie de Vouneuil")
    label(page, "Titre").fill("Permanence du mardi")
    page.get_by_label("Récurrence").select_option("weekly")
    page.get_by_label("mardi").check()
    page.get_by_label("Première séance").fill(tuesday.isoformat())
    page.get_by_label("Heure de début").fill("09:00")
    page.get_by_label("Heure de fin").fill("08:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".field-error")).to_contain_text("L'heure de fin doit être après l'heure de début.")
    assert_accessible(page)
    page.get_by_label("Heure de fin").fill("12:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("séances créées")
    expect(page.locator("main")).to_contain_text("Chaque semaine le mardi")
    # assign the mediator to the first session
    page.locator("table a").first.click()
    page.get_by_label("Médiateur·rice").select_option(label=mediator_name)
    page.get_by_role("button", name="Affecter").click()
    expect(page.get_by_role("status")).to_contain_text(f"{mediator_name} est affecté·e à cette séance.")
    assert_accessible(page)
    # a second mission at the same time: the same mediator is refused, naming the conflict
    go_to(page, "Missions")
    page.get_by_role("link", name="Nouvelle mission").click()
    select_containing(page, "convention_id", "Permanences Vouneuil")
    select_containing(page, "place_id", "Mairie de Vouneuil")
    label(page, "Titre").fill("Atelier exceptionnel")
    page.get_by_label("Récurrence").select_option("none")
    page.get_by_label("Première séance").fill(tuesday.isoformat())
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("11:00")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator("table a").first.click()
    page.get_by_label("Médiateur·rice").select_option(label=mediator_name)
    page.get_by_role("button", name="Affecter").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        f"{mediator_name} est déjà affecté·e à « Permanence du mardi » (Mairie de Vouneuil)")

    # the mediator sees it in their week and in their calendar feed
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    mediator = context.new_page()
    log_in(mediator, mediator_email)
    mediator.goto(f"/missions/my-week?date={tuesday.isoformat()}")
    expect(mediator.locator("main")).to_contain_text("Permanence du mardi")
    expect(mediator.locator("main")).to_contain_text("09:00")
    assert_accessible(mediator)
    mediator.goto("/missions/calendar/feeds")
    mediator.get_by_role("button", name="Créer mon lien d'abonnement").click()
    url = mediator.get_by_label("Adresse de l'abonnement").input_value()
    feed = mediator.request.get(url)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.body())
    events = [e for e in calendar.walk("VEVENT") if "Permanence du mardi" in str(e["SUMMARY"])]
    assert len(events) == 1  # only the assigned session
    start = events[0].decoded("DTSTART")
    assert start.date() == tuesday and start.hour == 9 and str(start.tzinfo) == "Europe/Paris"
    context.close()
