"""Issue 13 in the browser: the coordinator creates and convenes an AGO and opens an online vote; a member gives
its proxy to another, who votes for both; a third votes from a phone; the secretary records a fourth in the room;
the closed vote shows the per-college and weighted result; the attendance sheet and the minutes are PDFs."""

import re

from playwright.sync_api import expect

from tests import days, factories
from tests.e2e.conftest import TEST_PASSWORD, go_to, log_in
from tests.members import factories_registry as mf
from tests.pdftext import pdf_text

PEOPLE = (("anne", "Anne Salariée", 0), ("bruno", "Bruno Élu", 1), ("chloe", "Chloé Bénéficiaire", 2),
          ("damien", "Damien Soutien", 3))


def _choose(select, text: str) -> None:
    """Pick the option of a select whose label contains ``text``."""
    select.select_option(value=select.locator("option", has_text=text).get_attribute("value"))


def test_an_ago_convened_voted_by_proxy_from_a_phone_and_in_the_room(page, browser, live_server, session, users,
                                                                      smtp_server):
    colleges = mf.colleges(session)  # 40 / 20 / 20 / 20 %
    for key, name, college in PEOPLE:
        user = factories.user(session, roles=["member"], email=f"{key}@coop.example.org", full_name=name)
        mf.member(session, colleges[college], name=name, shares=1, user=user, email=f"{key}@coop.example.org")
    session.commit()
    page.on("dialog", lambda dialog: dialog.accept())
    day = days.days(20)  # more than the 15 days' notice of a first convocation

    # The coordinator creates the AGO, adds a resolution, convenes the members and opens an online vote.
    log_in(page, users["coordinator"].email)
    go_to(page, "Assemblées")
    page.get_by_role("link", name="Nouvelle assemblée").click()
    page.get_by_label("Type").select_option(label="Assemblée générale ordinaire (AGO)")
    page.get_by_label(re.compile(r"^Date")).fill(day.isoformat())
    page.get_by_label(re.compile(r"^Heure")).fill("18:00")
    page.get_by_label("Lieu", exact=True).fill("Salle des fêtes de Loudun")
    page.get_by_label("Ordre du jour").fill("1. Approbation des comptes\n2. Questions diverses")
    page.get_by_role("button", name="Créer l'assemblée").click()
    page.get_by_role("textbox", name="Titre", exact=True).fill("Approbation des comptes")
    page.get_by_label("Texte de la résolution").fill("L'assemblée approuve les comptes de l'exercice.")
    page.get_by_role("button", name="Ajouter la résolution").click()
    page.get_by_role("button", name="Envoyer les convocations").click()
    expect(page.locator(".flash-success")).to_contain_text("4")
    assembly_url = page.url
    page.get_by_role("link", name="Approbation des comptes").click()
    page.get_by_label("Vote en ligne pendant (heures)").fill("48")
    page.get_by_role("button", name="Ouvrir le vote").click()
    expect(page.locator(".badge", has_text="Vote ouvert")).to_be_visible()
    resolution_url = page.url
    page.get_by_role("button", name="Déconnexion").click()
    convocations = [m for m in smtp_server if "Convocation" in m["Subject"]]
    assert sorted(m["To"] for m in convocations) == sorted(f"{key}@coop.example.org" for key, _n, _c in PEOPLE)

    # Bruno cannot come: he gives his proxy to Anne from his space.
    log_in(page, "bruno@coop.example.org")
    go_to(page, "Vie coopérative")
    page.get_by_label("Donnez votre pouvoir à").select_option(label="Anne Salariée")
    page.get_by_role("button", name="Donner mon pouvoir").click()
    expect(page.get_by_text("Vous avez donné pouvoir à Anne Salariée")).to_be_visible()
    page.get_by_role("button", name="Déconnexion").click()

    # Anne votes for herself and, with the proxy, for Bruno.
    log_in(page, "anne@coop.example.org")
    go_to(page, "Vie coopérative")
    page.locator("form.vote-buttons", has_text="Votre vote").get_by_role("button", name="Pour").click()
    page.locator("form.vote-buttons", has_text="Vote pour Bruno Élu").get_by_role("button", name="Pour").click()
    expect(page.locator(".vote p", has_text="Vote enregistré pour Bruno Élu.")).to_contain_text("(Pour)")
    page.get_by_role("button", name="Déconnexion").click()

    # Chloé votes from her phone.
    phone = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    log_in(mobile, "chloe@coop.example.org", TEST_PASSWORD)
    mobile.goto("/members/me")
    against = mobile.locator("form.vote-buttons").get_by_role("button", name="Contre")
    box = against.bounding_box()
    assert box["height"] >= 40 and box["x"] + box["width"] <= 390  # a thumb-sized button, on screen
    against.tap()
    expect(mobile.locator(".vote p", has_text="Vous avez voté.")).to_contain_text("(Contre)")
    phone.close()

    # In the room: the secretary records Damien present and his abstention, then closes the vote.
    log_in(page, users["coordinator"].email)
    page.goto(assembly_url)
    _choose(page.get_by_label("Sociétaire", exact=True), "Damien Soutien")
    page.get_by_label("Présence", exact=True).select_option(label="Présent·e")
    page.get_by_role("button", name="Enregistrer la présence").click()
    page.goto(resolution_url)
    _choose(page.get_by_label("Sociétaire", exact=True), "Damien Soutien")
    page.get_by_label("Abstention").check()
    page.get_by_role("button", name="Enregistrer le vote").click()
    live = page.locator("table.tally")
    expect(live).to_contain_text("Décompte en direct")
    page.get_by_role("button", name="Clore le vote").click()

    # Anne and Bruno for (colleges of 40 % and 20 %), Chloé against (20 %), Damien's college casts no vote: its
    # weight is shared among the others (the default rule) → (0.4 + 0.2) / 0.8 = 75 %.
    tally = page.locator("table.tally")
    expect(tally).to_contain_text("Résultat définitif")
    result = page.locator("p", has_text="Résultat pondéré")
    expect(result).to_contain_text("75,00\u00a0% pour")
    expect(result).to_contain_text("Adoptée")
    rows = tally.locator("tbody tr")
    expect(rows.filter(has=page.get_by_role("rowheader", name="Salariés"))).to_contain_text("100,00\u00a0%")
    expect(rows.filter(has=page.get_by_role("rowheader", name="Bénéficiaires"))).to_contain_text("0,00\u00a0%")

    # The attendance sheet and the minutes.
    page.goto(assembly_url)
    sheet = page.request.get(page.get_by_role("link", name="Feuille de présence (PDF)").get_attribute("href"))
    assert sheet.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(sheet.body()).split())  # names wrap in the table's narrow cells
    assert all(name in text for _k, name, _c in PEOPLE), text
    assert "présents 1, à distance 2, représentés 1" in text and "atteint" in text
    minutes = page.request.get(page.get_by_role("link", name="Procès-verbal (PDF)").get_attribute("href"))
    text = " ".join(pdf_text(minutes.body()).split())
    assert "Approbation des comptes" in text and "Salle des fêtes de Loudun" in text
    assert "Résultat pondéré : 75,00 % pour" in text and "ADOPTÉE" in text, text
