import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, go_to, log_in


def test_coordinator_creates_a_place_and_finds_it_in_the_open_data(page, users):
    log_in(page, users["coordinator"].email)
    go_to(page, "Lieux")
    expect(page.locator("h1")).to_have_text("Lieux de médiation")
    page.get_by_role("link", name="Nouveau lieu").click()
    expect(page.get_by_label("Nom du lieu")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Nom du lieu").fill("Espace numérique des Trois-Cités")
    page.get_by_role("textbox", name="Adresse", exact=True).fill("3 place des Trois-Cités")
    page.get_by_label("Code postal").fill("86000")
    page.get_by_role("textbox", name="Commune", exact=True).fill("Poitiers")
    page.get_by_label("Code INSEE de la commune").fill("86194")
    page.get_by_role("textbox", name="Téléphone").fill("05 49 00 11 22")
    page.get_by_label("Horaires d'ouverture").fill("lundi 9h-12h")
    page.get_by_label("Aide aux démarches administratives").check()
    page.get_by_label("Accompagnement individuel").check()
    page.get_by_role("button", name="Enregistrer").click()

    error = page.locator("#horaires-error")
    expect(error).to_contain_text("« lundi » n'est pas un jour reconnu")
    expect(page.locator("#horaires-hint")).to_contain_text("Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00")
    expect(page.get_by_label("Horaires d'ouverture")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Horaires d'ouverture").fill("Mo-Fr 09:00-12:00; We 14:00-17:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Lieu « Espace numérique des Trois-Cités » créé.")
    expect(page.locator("h1")).to_have_text("Espace numérique des Trois-Cités")
    expect(page.locator("main")).to_contain_text("Lundi–Vendredi 09:00–12:00 ; Mercredi 14:00–17:00")
    expect(page.locator("main")).to_contain_text("+33549001122")
    assert_accessible(page)

    page.get_by_role("link", name="Lieux de médiation").click()
    expect(page.get_by_role("link", name="Espace numérique des Trois-Cités")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="fichier CSV").click()
    download = download_info.value
    # no SIRET of the cooperative in the settings here: the name leaves it out (never fourteen zeros)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_lieux-de-mediation-numerique_.+\.csv", download.suggested_filename)
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.startswith("id,pivot,nom,commune,code_postal,")
    assert "Espace numérique des Trois-Cités" in content and "Mo-Fr 09:00-12:00; We 14:00-17:00" in content
