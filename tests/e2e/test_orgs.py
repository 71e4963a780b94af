"""Browser test of the organisations and conventions area: the coordinator's main flow."""

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.organisations.models import Convention, Organisation
from tests import days, factories
from tests.e2e.conftest import assert_accessible, go_to, log_in


def field(page, label: str):
    """The field with exactly this label (a required field's label ends with a "*")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def test_coordinator_creates_an_organisation_then_a_convention(page, users, session):
    held_day = days.days(-7)  # a session held a week ago, under the convention of its year
    year = held_day.year
    factories.service(session, code="PERM-H", name="Permanence numérique")
    session.commit()
    log_in(page, users["coordinator"].email)

    go_to(page, "Structures")
    page.get_by_role("link", name="Nouvelle structure").click()
    field(page, "Nom").fill("Ville de Lusignan")
    page.get_by_label("Type de structure").select_option(label="Commune")
    field(page, "SIRET").fill("732 829 320 00075")  # wrong check digit
    page.get_by_label("Code postal").fill("86600")
    field(page, "Commune").fill("Lusignan")
    page.get_by_label("Code commune INSEE").fill("86139")
    page.get_by_role("button", name="Enregistrer").click()

    error = page.locator("#siret-error")
    expect(error).to_have_text("SIRET invalide : 14 chiffres avec une clé de contrôle correcte.")
    expect(field(page, "SIRET")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    field(page, "SIRET").fill("732 829 320 00074")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ville de Lusignan")
    expect(page.get_by_role("status")).to_contain_text("Structure « Ville de Lusignan » créée.")
    assert_accessible(page)

    page.get_by_role("link", name="Nouvelle convention").click()
    expect(field(page, "Structure")).to_have_value(re.compile(r"^\d+$"))
    assert field(page, "Structure").locator("option:checked").inner_text() == "Ville de Lusignan"
    page.get_by_label("Intitulé").fill(f"Permanences numériques {year}")
    page.get_by_label("Date de début").fill(date(year, 1, 1).isoformat())
    page.get_by_label("Date de fin").fill(date(year - 1, 12, 31).isoformat())  # before the start: refused
    page.get_by_label("Prix unitaire HT (€)").fill("45")
    page.get_by_label("Volume contracté").fill("120")
    page.get_by_role("checkbox", name="Permanence numérique").check()
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#end_date-error")).to_have_text("La date de fin doit être postérieure à la date de début.")
    page.get_by_label("Date de fin").fill(date(year, 12, 31).isoformat())
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"CONV-{year}-001")
    expect(page.get_by_test_id("volume-contracted")).to_have_text("120 h")
    expect(page.get_by_test_id("volume-used")).to_have_text("0 h")
    assert_accessible(page)

    # sessions held under the convention show in its volume
    session.expire_all()
    org = session.execute(select(Organisation).where(Organisation.name == "Ville de Lusignan")).scalar_one()
    convention = session.execute(select(Convention)).scalar_one()
    assert org.siret == "73282932000074" and convention.organisation_id == org.id
    place = factories.place(session, organisation=org, name="Mairie de Lusignan")
    mission = factories.mission(session, convention=convention, place=place)
    factories.mission_session(session, mission=mission, start=days.at(held_day, 9), end=days.at(held_day, 12),
                              status=SessionStatus.HELD)
    session.commit()
    assert session.execute(select(MissionSession)).scalar_one().mission_id == mission.id
    page.reload()
    expect(page.get_by_test_id("volume-used")).to_have_text("3 h")
    expect(page.locator("main")).to_contain_text("Mairie de Lusignan")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "3.00")
