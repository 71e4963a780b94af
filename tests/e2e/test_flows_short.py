"""Shorter flows, in the browser: the coordinator validates a month's timesheets in one go (selects them, reads the
anomalies first, validates), and plans a mission whose form narrows the places to the convention's, shows the
convention's end date and volume left, and tells before saving that the default mediator is busy on some
sessions — one sentence, not one warning per session."""

import re
from datetime import time, timedelta
from decimal import Decimal

import holidays
from playwright.sync_api import expect
from sqlalchemy import select

from coopnum.core.models import Role
from coopnum.missions.models import SessionStatus
from coopnum.timesheets.models import Timesheet, TimesheetStatus
from tests import days, factories
from tests.e2e.conftest import assert_accessible, log_in

MONTH = days.month_start(-1)
M = days.month_key(-1)


def test_coordinator_validates_the_month_in_one_go(page, session, users):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=conv, place=place)
    names = ["Alice Arnaud", "Bruno Bernard", "Chloé Caron"]
    people = {n: factories.user(session, full_name=n) for n in names}
    for n, person in enumerate(people.values()):
        day = MONTH.replace(day=3 + n)
        s = factories.mission_session(session, mission=mission, start=days.at(day, 9), end=days.at(day, 12),
                                      status=SessionStatus.HELD, held_minutes=180)
        factories.assignment(session, mission_session=s, user=person)
        if person.full_name != "Bruno Bernard":  # Bruno held a session but logged no hours nor report
            factories.time_entry(session, user=person, mission_session=s, minutes=180)
            factories.activity(session, mediator=person, mission_session=s)
        session.add(Timesheet(user_id=person.id, month=MONTH, status=TimesheetStatus.SUBMITTED,
                              submitted_at=days.NOW, created_at=days.NOW, updated_at=days.NOW))
    ids = {n: p.id for n, p in people.items()}
    email = users["coordinator"].email
    session.commit()

    log_in(page, email)
    page.goto(f"/missions/timesheets?month={M}&status=submitted")
    page.get_by_label("Tout sélectionner (relevés envoyés)").check()
    for n in names:
        expect(page.get_by_label(f"Sélectionner le relevé de {n}")).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Relire et valider la sélection").click()
    sheets = page.locator("[data-review-sheet]")
    expect(sheets.first).to_contain_text("Bruno Bernard")  # the anomalies come first
    expect(sheets.first).to_contain_text("sans heures saisies")
    expect(sheets.first).to_contain_text("sans compte rendu d'activité")
    assert_accessible(page)
    page.get_by_role("button", name="Valider 3 relevés").click()
    expect(page.locator("main")).to_contain_text("validés et verrouillés")
    session.expire_all()
    statuses = session.execute(select(Timesheet.status).where(Timesheet.user_id.in_(ids.values()))).scalars().all()
    assert statuses == [TimesheetStatus.VALIDATED] * 3
    session.commit()


def next_working_tuesday(after):
    day = days.weekday_on_or_after(after, days.TUESDAY)
    while day in holidays.country_holidays("FR", years=day.year):
        day += timedelta(weeks=1)
    return day


def test_mission_form_narrows_places_and_warns_before_saving(page, session, users, today):
    poitiers = factories.organisation(session, name="Ville de Poitiers")
    loudun = factories.organisation(session, name="Ville de Loudun", city="Loudun", postal_code="86200",
                                    insee_code="86137")
    start, end = days.month_start(1), days.month_end(3)
    conv = factories.convention(session, organisation=poitiers, reference="POI-E2E", title="Permanences Poitiers",
                                start_date=start, end_date=end, contracted_volume=Decimal("120"))
    factories.convention(session, organisation=loudun, reference="LOU-E2E", title="Permanences Loudun",
                         start_date=start, end_date=end)
    media = factories.place(session, organisation=poitiers, name="Médiathèque de Poitiers")
    mairie = factories.place(session, organisation=loudun, name="Mairie de Loudun", city="Loudun",
                             postal_code="86200", insee_code="86137")
    camille = factories.user(session, roles=[Role.MEDIATOR], full_name="Camille Martin")
    other = factories.mission(session, convention=conv, place=media, title="Atelier existant")
    first = next_working_tuesday(start)
    for week in (1, 2):
        day = first + timedelta(weeks=week)
        s = factories.mission_session(session, mission=other, start=days.at(day, 10), end=days.at(day, 11))
        factories.assignment(session, mission_session=s, user=camille)
    ids = {"conv": conv.id, "media": media.id, "mairie": mairie.id, "camille": camille.id}
    email, end_label = users["coordinator"].email, f"{end.day} "
    session.commit()

    log_in(page, email)
    page.goto("/missions/missions/new")
    page.locator("#convention_id").select_option(str(ids["conv"]))
    expect(page.locator("#convention_id-hint")).to_contain_text("Convention valable jusqu'au " + end_label)
    expect(page.locator("#convention_id-hint")).to_contain_text("Volume restant")
    place_options = page.locator("#place_id option:not([disabled])")
    expect(place_options).to_contain_text(["Médiathèque de Poitiers"])
    assert "Mairie de Loudun" not in " ".join(place_options.all_inner_texts())
    page.locator("#place_id").select_option(str(ids["media"]))
    page.get_by_label(re.compile(r"^Titre")).fill("Permanence du mardi")
    page.get_by_label("Récurrence").select_option("weekly")
    page.get_by_label("mardi").check()
    page.get_by_label("Première séance").fill(first.isoformat())
    page.get_by_label("Dernière date (facultatif)").fill((first + timedelta(weeks=5)).isoformat())
    page.get_by_label("Heure de début").fill(time(9).strftime("%H:%M"))
    page.get_by_label("Heure de fin").fill(time(12).strftime("%H:%M"))
    page.get_by_label("Camille Martin").check()
    busy = page.locator("[data-check-busy]")
    expect(busy).to_have_count(1)
    expect(busy).to_contain_text(re.compile(r"Camille Martin est déjà occupé·e sur 2 des \d+ séances"))
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_contain_text("Permanence du mardi")
    warnings = page.locator(".flash-warning, [class*=warning]").filter(has_text="Camille Martin")
    expect(warnings).to_have_count(1)
    expect(warnings).to_contain_text("ces séances restent à pourvoir")
