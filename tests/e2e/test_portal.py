"""The main flow of the portal in a browser: a contact requests a service, the coordination declines it, the
contact reads the answer."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from coopnum.missions.models import RequestStatus, ServiceRequest
from tests import factories
from tests.e2e.conftest import assert_accessible, go_to, log_in


def test_contact_requests_a_service_and_reads_the_coordination_answer(page, browser, live_server, session, users,
                                                                     today):
    factories.world(session, users, billing=False)
    workshop = factories.service(session, name="Ateliers seniors")
    session.commit()
    contact_email, coordinator_email = users["authority"].email, users["coordinator"].email

    # the contact sees its sessions in its portal
    log_in(page, contact_email)
    go_to(page, "Mon espace")
    expect(page.locator("h1")).to_have_text("Ville de Testville")
    expect(page.locator("main")).to_contain_text("Médiathèque de Testville")
    expect(page.locator("main")).not_to_contain_text("Mairie Voisine")
    assert_accessible(page)
    page.get_by_role("link", name="Toutes les séances, à venir et passées").click()
    expect(page.get_by_role("link", name="À venir")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Passées").click()
    expect(page).to_have_url(re.compile(r"when=past"))
    assert_accessible(page)

    # it requests a service; a bad period is refused next to its field
    page.goto("/missions/portal")
    page.get_by_role("link", name="Demander une prestation").first.click()
    expect(page.locator("h1")).to_have_text("Demander une prestation")
    assert_accessible(page)
    page.get_by_label("Prestation souhaitée").select_option(label="Ateliers seniors")
    page.get_by_label("Votre besoin").fill("Des ateliers tablette pour les seniors du quartier.")
    page.get_by_label("Lieu", exact=True).select_option(label="Médiathèque de Testville")
    start = today + timedelta(days=20)
    page.get_by_label("Début souhaité").fill(start.isoformat())
    page.get_by_label("Fin souhaitée").fill((start - timedelta(days=5)).isoformat())
    page.get_by_label("Jours et horaires souhaités").fill("le mardi matin")
    page.get_by_label("Public").fill("Seniors")
    page.get_by_label("Nombre de participants attendus").fill("10")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator(".field-error")).to_contain_text("La date de fin souhaitée doit suivre la date de début.")
    assert_accessible(page)
    page.get_by_label("Fin souhaitée").fill((start + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("status")).to_contain_text("Votre demande est envoyée à la coordination.")
    expect(page.locator("main table")).to_contain_text("Ateliers seniors")
    session.expire_all()
    req = session.execute(select(ServiceRequest).where(ServiceRequest.service_id == workshop.id)).scalar_one()
    assert req.status == RequestStatus.NEW and req.schedule_note == "le mardi matin"
    session.commit()  # end the read: SQLite's lock goes back to the live server

    # the coordination, in another browser, declines it with a message
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    coordinator = context.new_page()
    try:
        log_in(coordinator, coordinator_email)
        go_to(coordinator, "Demandes")
        expect(coordinator.locator("h1")).to_have_text("Demandes des structures")
        coordinator.get_by_role("link", name="Ateliers seniors").click()
        expect(coordinator.locator("main")).to_contain_text("Des ateliers tablette pour les seniors du quartier.")
        assert_accessible(coordinator)
        coordinator.get_by_label("Motif du refus").fill("Nos médiateurs sont complets jusqu'en mars.")
        coordinator.get_by_role("button", name="Refuser").click()
        expect(coordinator.get_by_role("status")).to_contain_text("Demande refusée")
    finally:
        context.close()

    # the contact reads the answer
    page.goto("/missions/portal/requests")
    expect(page.locator("main table")).to_contain_text("Refusée")
    expect(page.locator("main table")).to_contain_text("Nos médiateurs sont complets jusqu'en mars.")
