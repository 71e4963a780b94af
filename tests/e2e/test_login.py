import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, go_to, log_in

# What each role must see on its dashboard, and in its menu.
EXPECTED = {
    "admin": ("La coopérative en chiffres", "Journal d'audit"),
    "coordinator": ("La coopérative en chiffres", "Comptes"),
    "mediator": ("Bonjour", "Missions"),
    "member": ("Vie coopérative", "Vie coopérative"),
    "authority": ("Ville de Testville", "Tableau de bord"),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_logs_in_and_sees_its_dashboard(page, users, role):
    log_in(page, users[role].email)
    expect(page).to_have_url(re.compile(r"/$"))
    heading, menu_entry = EXPECTED[role]
    expect(page.locator("main")).to_contain_text(heading)
    expect(page.get_by_role("navigation", name="Navigation principale")).to_contain_text(menu_entry)
    if role != "admin":
        expect(page.get_by_role("link", name="Journal d'audit")).to_have_count(0)
    assert_accessible(page)


def test_wrong_password_shows_a_french_message(page, users):
    log_in(page, users["member"].email, "pas-le-bon")
    expect(page.get_by_role("alert")).to_contain_text("Adresse électronique ou mot de passe incorrect.")
    assert_accessible(page)


def test_logout_and_language_switch(page, users):
    log_in(page, users["mediator"].email)
    page.get_by_role("button", name="EN").click()
    expect(page.locator("h1")).to_contain_text("Hello")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def test_coordinator_creates_an_account_in_the_browser(page, users, session):
    from sqlalchemy import select

    from coopnum.core.models import User

    log_in(page, users["coordinator"].email)
    go_to(page, "Comptes")
    page.get_by_role("link", name="Nouveau compte").click()
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    page.get_by_label("Nom complet").fill("Zoé Médiatrice")
    page.get_by_label("Médiateur·rice").check()
    page.get_by_label("Envoyer un lien pour choisir son mot de passe").uncheck()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".field-error").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Adresse électronique").fill("zoe@example.org")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Compte créé pour zoe@example.org")
    session.expire_all()
    user = session.execute(select(User).where(User.email == "zoe@example.org")).scalar_one()
    assert user.role_set == {"mediator"}


def test_phone_menu_folds_behind_a_button(page, users):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, users["mediator"].email)
    week = page.get_by_role("link", name="Ma semaine", exact=True)
    expect(week).to_be_hidden()
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    week.click()
    expect(page.locator("h1")).to_contain_text("Ma semaine")
    assert_accessible(page)


def test_desktop_menu_groups_the_planning(page, users):
    """A mediator's bar: the planning is a dropdown, closed until opened; opening another group closes it."""
    log_in(page, users["mediator"].email)
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Absences")).to_be_hidden()
    nav.locator("summary", has_text="Planning").click()
    expect(nav.get_by_role("link", name="Absences")).to_be_visible()
    nav.locator("summary", has_text="Suivi d'activité").click()
    expect(nav.get_by_role("link", name="Absences")).to_be_hidden()
    nav.locator("summary", has_text="Planning").click()
    nav.get_by_role("link", name="Absences").click()
    expect(page.locator("h1")).to_have_text("Absences")


def test_office_side_navigation_shows_every_section_on_one_screen(page, users):
    """The coordination at 1280 px: a side navigation, its groups open as sections, the account name, logout and
    language switch visible in the header, nothing wider than the window."""
    log_in(page, users["coordinator"].email)
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav).to_have_class(re.compile("side-nav"))
    for name in ("Absences", "Structures", "Relevés d'heures", "Factures", "Comptes"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_attached()
    expect(nav.get_by_role("link", name="Absences")).to_be_visible()
    box = nav.bounding_box()
    assert box["x"] < 10 and box["width"] < 300
    for control in (page.get_by_role("link", name=users["coordinator"].first_name, exact=True),
                    page.get_by_role("button", name="Déconnexion"), page.get_by_role("button", name="EN")):
        expect(control).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    nav.get_by_role("link", name="Absences").click()
    expect(page.locator("h1")).to_have_text("Absences")
    expect(nav.get_by_role("link", name="Absences")).to_have_attribute("aria-current", "page")


def test_phone_menu_groups_open_inline_and_push_the_next_entries(page, users):
    """On a phone, an open group never covers the entries below it: they move down, and a tap lands where aimed."""
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, users["mediator"].email)
    page.get_by_role("button", name="Menu").click()
    nav = page.get_by_role("navigation", name="Navigation principale")
    week = nav.get_by_role("link", name="Ma semaine", exact=True)
    before = week.bounding_box()
    nav.locator("summary", has_text="Planning").click()
    missions = nav.get_by_role("link", name="Missions", exact=True)
    expect(missions).to_be_visible()
    after = week.bounding_box()
    assert after["y"] > before["y"] + 3 * before["height"], (before, after)  # pushed below the group's entries
    assert missions.bounding_box()["y"] + missions.bounding_box()["height"] <= after["y"] + 1
    # opening another group closes the first one
    nav.locator("summary", has_text="Suivi d'activité").click()
    expect(missions).to_be_hidden()
    week.click()
    expect(page.locator("h1")).to_contain_text("Ma semaine")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_admin_menu_and_dashboard_follow_the_admins_own_roles(page, users):
    """An administrator runs the office: the coordination's menu and panels, not a mediator's nor an authority's."""
    log_in(page, users["admin"].email)
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Journal d'audit")).to_be_attached()
    expect(nav.get_by_role("link", name="Factures")).to_be_attached()
    for name in ("Ma semaine", "Mes heures", "Mon espace", "Mes factures", "Mes demandes"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("rattaché à aucune structure")
