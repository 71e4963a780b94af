"""Issue 14 in the browser, the assets: the coordinator creates an asset, opens its QR label sheet (a PDF), then the
label's URL opens the asset's page when logged in, and the « found it? » page with the cooperative's phone in a
fresh anonymous browser."""

import re

from playwright.sync_api import expect

from coopnum.core import clock, settings
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in
from tests.inventory import factories_inventory as inv
from tests.pdftext import pdf_text


def test_create_an_asset_print_its_label_and_follow_its_qr_code(page, browser, live_server, session, users):
    settings.set_value(session, None, "company.name", "Coop'Num Vienne", now=clock.now())
    settings.set_value(session, None, "company.phone", "05 49 12 34 56", now=clock.now())
    factories.place(session, name="Médiathèque de Loudun")
    inv.asset(session, tag="PC-0001", category="laptop", model="Lenovo ThinkPad E14")
    session.commit()

    log_in(page, users["coordinator"].email)
    page.goto("/inventory/assets")
    expect(page.get_by_role("heading", name="Inventaire du matériel")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nouveau matériel").click()
    page.get_by_label("Étiquette").fill("tab-0042")
    page.get_by_label("Catégorie").select_option(label="Tablette")
    page.get_by_label("Modèle").fill("Samsung Galaxy Tab A9+")
    page.get_by_label(re.compile(r"^Numéro de série")).fill("R9XW30ABCDE")
    page.get_by_label(re.compile(r"^Prix d'achat")).fill("229,90")
    page.get_by_label("Lieu de rattachement").select_option(label="Médiathèque de Loudun")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("TAB-0042")
    expect(page.get_by_role("heading", name=re.compile("TAB-0042"))).to_be_visible()
    expect(page.get_by_text("229,90")).to_be_visible()
    expect(page.get_by_text("Entrée dans l'inventaire")).to_be_visible()
    asset_url = page.url
    assert_accessible(page)

    # the label sheet: a PDF with the tag
    href = page.get_by_role("link", name="Étiquette QR (PDF)").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert "TAB-0042" in text and "Coop'Num Vienne" in text

    # the QR code's URL, logged in: the asset's page
    page.goto(f"{live_server}/q/TAB-0042")
    assert page.url == asset_url
    expect(page.get_by_role("heading", name=re.compile("TAB-0042"))).to_be_visible()

    # the same URL in a fresh browser, not logged in: the public page, with the phone and nothing else
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    stranger = context.new_page()
    stranger.goto("/q/TAB-0042")
    expect(stranger.get_by_role("heading", name="Vous avez trouvé ce matériel ?")).to_be_visible()
    expect(stranger.get_by_role("link", name="05 49 12 34 56")).to_be_visible()
    body = stranger.locator("main").inner_text() if stranger.locator("main").count() else stranger.inner_text("body")
    assert "TAB-0042" in body and "Galaxy" not in body and "Loudun" not in body
    assert_accessible(stranger)
    context.close()
