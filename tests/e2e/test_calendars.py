"""Browser test: a mediator opens « Ma semaine », then subscribes to its calendar and the feed URL works."""

import re
from datetime import timedelta

from babel.dates import format_date
from icalendar import Calendar
from playwright.sync_api import expect

from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.e2e.conftest import assert_accessible, go_to, log_in


def test_mediator_week_and_feed(page, users, session):
    monday = days.week_monday()  # « Ma semaine » is today's week, Monday to Sunday
    tuesday = monday + timedelta(days=1)  # past or future: the week shows it either way
    open_day = days.days(3)  # an open session ahead (« Séances à pourvoir » lists future ones)
    org = session.get(Organisation, users["authority"].organisation_id)
    place = factories.place(session, organisation=org, name="Médiathèque des Tilleuls")
    conv = factories.convention(session, organisation=org)
    mission = factories.mission(session, convention=conv, place=place, title="Permanence numérique")
    mine = factories.mission_session(session, mission=mission, start=days.at(tuesday, 9), end=days.at(tuesday, 12))
    factories.assignment(session, mission_session=mine, user=users["mediator"])
    other = factories.mission(session, convention=conv, place=place, title="Atelier tablette")
    factories.mission_session(session, mission=other, start=days.at(open_day, 14), end=days.at(open_day, 16))
    session.commit()

    log_in(page, users["mediator"].email)
    go_to(page, "Ma semaine")
    sunday = monday + timedelta(days=6)
    week = f"du {format_date(monday, 'd MMMM', locale='fr')} au {format_date(sunday, 'd MMMM y', locale='fr')}"
    expect(page.locator("h1")).to_contain_text(f"Ma semaine {week}")
    heading = format_date(tuesday, "EEEE d MMMM", locale="fr")  # e.g. « mardi 24 novembre »
    day = page.locator("section", has=page.get_by_role("heading", name=heading))
    expect(day).to_contain_text("09:00–12:00 · Permanence numérique")
    expect(day).to_contain_text("Médiathèque des Tilleuls")
    open_sessions = page.locator("section", has=page.get_by_role("heading", name="Séances à pourvoir"))
    expect(open_sessions).to_contain_text("Atelier tablette")
    assert_accessible(page)

    page.get_by_role("link", name="Mon agenda sur mon téléphone (iCal)").click()
    expect(page.locator("h1")).to_contain_text("Abonnements aux agendas")
    page.get_by_role("button", name="Créer mon lien d'abonnement").click()
    expect(page.get_by_role("status")).to_contain_text("Lien d'abonnement prêt")
    url = page.get_by_label("Adresse de l'abonnement").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/ical/[A-Za-z0-9_-]{32}\.ics", url), url
    webcal = page.get_by_role("link", name=re.compile("webcal"))
    expect(webcal).to_have_attribute("href", url.replace("http://", "webcal://"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copier l'adresse").click()
    expect(page.get_by_role("button", name="Copié !")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert_accessible(page)

    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.body())
    events = {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}
    assert list(events) == [f"session-{mine.id}@127.0.0.1"]
    event = events[f"session-{mine.id}@127.0.0.1"]
    assert str(event["SUMMARY"]) == "Permanence numérique — Médiathèque des Tilleuls"
    assert (event.start.hour, event.start.minute) == (9, 0)
