"""Issue 15 in the browser, the skills: the coordinator records a level for a mediator on the person's page, then
the skills matrix shows it; the person and matrix pages are accessible."""

import re

from playwright.sync_api import expect

from coopnum.training.services import people
from tests.e2e.conftest import assert_accessible, log_in
from tests.training import factories_training as ft


def test_the_coordinator_records_a_level_and_the_matrix_shows_it(page, session, users):
    ref = ft.skills(session)
    mediator = people.person_for_user(session, users["mediator"])
    session.commit()

    log_in(page, users["coordinator"].email)
    page.goto("/training/people")
    page.get_by_role("link", name=mediator.full_name).click()
    expect(page.get_by_role("heading", name=mediator.full_name, level=1)).to_be_visible()
    assert_accessible(page)
    page.locator("#assess summary").click()
    page.get_by_role("combobox", name=re.compile(r"^Compétence")).select_option(value=str(ref["4.2"].id))
    page.get_by_role("spinbutton", name=re.compile(r"^Niveau")).fill("5")
    page.get_by_role("combobox", name=re.compile(r"^Preuve")).select_option(label="Évaluation par un·e formateur·rice")
    page.get_by_label(re.compile(r"^Détail de la preuve")).fill("Observation en atelier")
    page.get_by_role("button", name="Enregistrer le niveau").click()
    expect(page.locator(".flash-success")).to_contain_text("Niveau enregistré")
    expect(page.locator('[data-levels="pix"] tr[data-skill="4.2"] td').first).to_have_text("5")
    expect(page.locator("[data-history]")).to_contain_text("Observation en atelier")

    page.get_by_role("link", name="Matrice des compétences").click()
    expect(page.get_by_role("heading", name="Matrice des compétences")).to_be_visible()
    cell = page.locator(f'tr[data-person="{mediator.id}"] td[data-skill="4.2"]')
    expect(cell).to_have_text("5")
    assert_accessible(page)
