"""The Chorus Pro references of a public buyer, in the browser: the coordinator fills them on the organisation (a
wrong character refused with its French message), issues a free-line invoice to it, and the invoice page, its PDF
and its Factur-X XML carry them."""

import re

from facturx import get_facturx_xml_from_pdf
from playwright.sync_api import expect

from coopnum.organisations.models import OrganisationKind
from tests import factories
from tests.billing import factories as bf
from tests.e2e.conftest import assert_accessible, log_in
from tests.pdftext import pdf_text


def test_chorus_fields_of_the_organisation_reach_a_free_line_invoice(page, users, session):
    bf.company(session)
    org = factories.organisation(session, name="Ville de Chorusville", kind=OrganisationKind.COMMUNE)
    org_id = org.id
    session.commit()
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" of issuing
    log_in(page, users["coordinator"].email)

    page.goto(f"/missions/organisations/{org_id}")
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_label("Code service (Chorus Pro)").fill("SERV FINANCES é")
    page.get_by_label("Numéro d'engagement par défaut (bon de commande)").fill("BC-2026-0042")
    page.get_by_label("L'acheteur exige un numéro d'engagement").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#chorus_service_code-error")).to_contain_text("lettres sans accent")
    assert_accessible(page)
    page.get_by_label("Code service (Chorus Pro)").fill("SERV-FINANCES")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ville de Chorusville")
    expect(page.locator("#org-chorus-service")).to_have_text("SERV-FINANCES")
    expect(page.locator("#org-chorus-engagement")).to_contain_text("BC-2026-0042")
    expect(page.locator("#org-chorus-engagement")).to_contain_text("exigé par l'acheteur")

    # A free-line invoice to it.
    page.goto("/billing/invoices/new")
    free = page.locator("section", has=page.get_by_role("heading", name="Facture libre"))
    free.get_by_label("Client").select_option(label="Ville de Chorusville")
    free.get_by_label("Objet").fill("Formation des agents d'accueil")
    free.get_by_role("button", name="Créer un brouillon libre").click()
    main = page.locator("main")
    expect(main).to_contain_text("Brouillon créé")
    add = page.locator("#add-line form")  # open: the draft has no line yet
    add.get_by_label("Description").fill("Formation « premiers pas numériques »")
    add.get_by_label("Quantité").fill("2")
    add.get_by_label("Prix unitaire HT (€)").fill("450")
    add.get_by_role("button", name="Ajouter la ligne").click()
    expect(main).to_contain_text("1 080,00")  # 2 × 450 € + 20 % VAT
    page.get_by_role("button", name="Émettre la facture").click()
    facts = page.locator("table[data-facts]")
    expect(facts).to_contain_text(re.compile(r"F\d{4}-\d{5}"))
    expect(facts.locator("tr", has_text="Code service (Chorus Pro)")).to_contain_text("SERV-FINANCES")
    expect(facts.locator("tr", has_text="Numéro d'engagement")).to_contain_text("BC-2026-0042")
    assert_accessible(page)

    # Its PDF and its Factur-X file say the same.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Factur-X")).first.click()
    pdf = open(info.value.path(), "rb").read()
    text = " ".join(pdf_text(pdf).split())
    assert "Code service : SERV-FINANCES" in text and "N° d'engagement : BC-2026-0042" in text
    assert "intérêts moratoires au taux de la BCE majoré de 8 points" in text
    _name, xml = get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert b"<ram:BuyerReference>SERV-FINANCES</ram:BuyerReference>" in xml
    assert b"<ram:IssuerAssignedID>BC-2026-0042</ram:IssuerAssignedID>" in xml


def test_an_association_is_billed_with_the_commercial_late_payment_wording(page, users, session):
    """A professional private buyer (an association): « pénalités de retard » at the ECB rate + 10 points (art.
    L441-10 C. com.) and the 40 € indemnity, in the PDF and in the Factur-X notes; no public-procurement text."""
    bf.company(session)
    factories.organisation(session, name="Association Les Connectés", kind=OrganisationKind.ASSOCIATION,
                           siret="73282932000074")
    session.commit()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, users["coordinator"].email)
    page.goto("/billing/invoices/new")
    free = page.locator("section", has=page.get_by_role("heading", name="Facture libre"))
    free.get_by_label("Client").select_option(label="Association Les Connectés")
    free.get_by_label("Objet").fill("Atelier numérique")
    free.get_by_role("button", name="Créer un brouillon libre").click()
    add = page.locator("#add-line form")
    add.get_by_label("Description").fill("Atelier « démarches en ligne »")
    add.get_by_label("Quantité").fill("1")
    add.get_by_label("Prix unitaire HT (€)").fill("300")
    add.get_by_role("button", name="Ajouter la ligne").click()
    expect(page.locator("main")).to_contain_text("360,00")
    page.get_by_role("button", name="Émettre la facture").click()
    expect(page.locator("table[data-facts]")).to_contain_text(re.compile(r"F\d{4}-\d{5}"))
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Factur-X")).first.click()
    pdf = open(info.value.path(), "rb").read()
    text = " ".join(pdf_text(pdf).split())
    assert "pénalités de retard" in text and "BCE majoré de 10 points" in text and "L441-10" in text
    assert "40" in text and "D441-5" in text
    assert "intérêts moratoires" not in text and "R2192" not in text and "Chorus Pro" not in text
    _name, xml = get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert b"L441-10" in xml and b"R2192" not in xml
