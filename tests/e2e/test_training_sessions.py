"""Issue 15 in the browser: the coordinator plans a peer training of a day with two trainees; each trainee signs the
morning and the afternoon on screen by drawing with the mouse (one of them on a phone, 390 px wide); the coordinator
marks it held and downloads the émargement sheet (both names, the signatures as images) and each certificate."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from coopnum.core.formats import elide
from coopnum.training.services import framework
from tests import days, factories
from tests.e2e.conftest import TEST_PASSWORD, assert_accessible, go_to, log_in
from tests.pdftext import pdf_text

TODAY = days.TODAY


def _draw(page) -> None:
    """Sign in the canvas with the mouse: a few strokes."""
    canvas = page.locator("canvas.tr-signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for fx, fy in ((0.25, 0.3), (0.4, 0.7), (0.55, 0.35), (0.7, 0.65), (0.85, 0.4)):
        page.mouse.move(x + w * fx, y + h * fy, steps=5)
    page.mouse.up()


def _sign_from_home(page, period: str, *, phone: bool = False) -> None:
    go_to(page, "Formation")
    page.get_by_role("link", name=re.compile(rf"Signer : Les démarches en ligne, .* {period}")).click()
    expect(page.locator("[data-signer]")).to_be_visible()
    if phone:  # a big pad, the whole width of the phone, and nothing wider than the screen
        assert page.locator("canvas.tr-signature-pad").bounding_box()["width"] >= 300
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _draw(page)
    page.get_by_role("button", name="Je signe ma présence").click()
    expect(page.locator(".flash-success")).to_contain_text("votre présence est enregistrée")
    expect(page.locator("[data-done]")).to_be_visible()


def _images(pdf: bytes) -> int:
    return sum(len(p.images) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_plan_sign_on_screen_and_on_a_phone_then_documents(page, browser, live_server, session, users, travel):
    factories.user(session, roles=["mediator"], email="alice@coop.example.org", full_name="Alice Médiatrice")
    factories.user(session, roles=["member"], email="bruno@coop.example.org", full_name="Bruno Sociétaire")
    framework.ensure_framework(session)  # the Pix competences (the migration inserts them in production)
    session.commit()

    # The coordinator plans the training: today, morning and afternoon, the mediator trains Alice and Bruno.
    log_in(page, users["coordinator"].email)
    go_to(page, "Formation")
    page.get_by_role("link", name="Planifier une formation").first.click()
    page.get_by_label("Sujet").fill("Les démarches en ligne")
    page.get_by_label("Objectifs et programme").fill("Accompagner sans faire à la place.")
    page.locator("#day_1").fill(TODAY.isoformat())
    page.locator("#period_1").select_option("am")
    page.locator("#day_2").fill(TODAY.isoformat())
    page.locator("#period_2").select_option("pm")
    page.get_by_label("Autre lieu (adresse, visio…)").fill("Salle du conseil, mairie de Loudun")
    page.locator("summary", has_text="Compétences travaillées").click()
    page.get_by_role("checkbox", name="2.1 — Interagir").check()
    page.get_by_role("group", name="Formateur·rices").get_by_label(users["mediator"].full_name).check()
    trainees = page.get_by_role("group", name="Stagiaires")
    trainees.get_by_label("Alice Médiatrice").check()
    trainees.get_by_label("Bruno Sociétaire").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("Formation planifiée")
    training_url = page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("Les démarches en ligne")
    expect(page.get_by_role("img", name=re.compile("QR code")).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Déconnexion").click()

    # Alice signs the morning on her computer.
    log_in(page, "alice@coop.example.org")
    _sign_from_home(page, "matin")
    assert_accessible(page)
    page.get_by_role("button", name="Déconnexion").click()

    # Bruno signs the morning on his phone.
    phone = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    log_in(mobile, "bruno@coop.example.org", TEST_PASSWORD)
    _sign_from_home(mobile, "matin", phone=True)
    expect(mobile.locator("canvas.tr-signature-pad")).to_have_count(0)  # signed: the pad is gone

    # After lunch both sign the afternoon.
    travel.move_to(days.at(TODAY, 13, 40))
    _sign_from_home(mobile, "après-midi", phone=True)
    phone.close()
    log_in(page, "alice@coop.example.org")
    _sign_from_home(page, "après-midi")
    page.get_by_role("button", name="Déconnexion").click()

    # At the end of the day the coordinator marks it held and downloads the documents.
    travel.move_to(days.at(TODAY, 17, 15))
    log_in(page, users["coordinator"].email)
    page.goto(training_url)
    expect(page.locator("[data-signed]")).to_have_count(4)
    page.get_by_role("button", name="Marquer comme réalisée").click()
    expect(page.locator(".flash-success")).to_contain_text("réalisée")
    sheet = page.request.get(page.get_by_role("link", name="Feuille d'émargement (PDF)").get_attribute("href"))
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(sheet.body()).split())
    assert text.count("Alice Médiatrice") == 2 and text.count("Bruno Sociétaire") == 2
    assert text.count("signé le ") == 4
    assert _images(sheet.body()) == 4  # the four drawn signatures
    for name in ("Alice Médiatrice", "Bruno Sociétaire"):
        link = page.get_by_role("link", name=elide(f"Certificat de réalisation de {name} (PDF)", name))  # d'Alice
        pdf = page.request.get(link.get_attribute("href"))
        assert pdf.ok
        certificate = " ".join(pdf_text(pdf.body()).split())
        assert "Certificat de réalisation" in certificate and name in certificate
        assert "Durée réalisée 7 h" in certificate and "Les démarches en ligne" in certificate

    # The trainer's assessment at the end: Alice reached level 3 in 2.1; the skills matrix shows it.
    page.get_by_role("link", name="Enregistrer les niveaux atteints").click()
    page.get_by_label("Niveau d'Alice Médiatrice en 2.1").fill("3")
    page.get_by_role("button", name="Enregistrer les niveaux").click()
    page.goto(f"{live_server}/training/matrix")
    alice = page.locator("tr", has=page.get_by_role("link", name="Alice Médiatrice"))
    expect(alice.locator('td[data-skill="2.1"]')).to_have_attribute("data-level", "3")
