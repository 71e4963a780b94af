"""Issue 6 end to end, in the browser, with no re-entry: a planned session → the mediator confirms it and records
its activity → the coordinator validates the month, runs the month's invoicing, reviews the draft (whose line bills
that session), adds a line by mistake, issues and e-mails the invoice, and cancels the wrong line with a credit
note → the authority contact downloads the invoice (Factur-X) and the matching activity report from its portal."""

import re
from decimal import Decimal

from facturx import get_facturx_xml_from_pdf
from playwright.sync_api import expect
from sqlalchemy import select

from coopnum.billing.models import BilledItem, Invoice, InvoiceLine
from coopnum.organisations.models import Contact, Organisation
from tests import days, factories
from tests.billing import factories as bf
from tests.e2e.conftest import go_to, log_in
from tests.pdftext import pdf_text


def _pdf_text(path) -> str:
    """The PDF's text in layout mode (a label and its figure on one line), spaces normalised."""
    with open(path, "rb") as fh:
        return pdf_text(fh.read(), layout=True)


def test_from_a_session_to_the_invoice_in_the_authority_portal(page, session, users, smtp_server, today):
    year = today.year  # the invoice is issued today: numbered in this year's series
    bf.company(session)
    org = session.get(Organisation, users["authority"].organisation_id)
    session.add(Contact(organisation_id=org.id, first_name="Claire", last_name="Compta",
                        email="compta@testville.example.org", receives_invoices=True))
    conv = factories.convention(session, organisation=org, reference="CONV-FACT", title="Permanences facturées",
                                start_date=days.year_start(), end_date=days.year_end(), unit_price_cents=4500,
                                contracted_volume=Decimal("100"))
    place = factories.place(session, organisation=org, name="Médiathèque facturée")
    mission = factories.mission(session, convention=conv, place=place, title="Permanence facturée")
    s = factories.mission_session(session, mission=mission, start=days.at(today, 7), end=days.at(today, 10))  # done
    factories.assignment(session, mission_session=s, user=users["mediator"])
    emails = {role: users[role].email for role in ("mediator", "coordinator", "authority")}
    mediator_id, session_id = users["mediator"].id, s.id
    session.commit()
    day = today
    month = f"{day:%Y-%m}"
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" of issuing

    # The mediator confirms the session from "Ma semaine" and records an accompaniment.
    log_in(page, emails["mediator"])
    page.goto(f"/missions/my-week?date={day.isoformat()}")
    card = page.locator(f'article[data-session="{session_id}"]')
    card.get_by_role("button", name=re.compile(r"^C'est fait \(3 h")).click()
    expect(card).to_contain_text("Réalisée : 3 h")
    card.get_by_role("button", name=re.compile("^Saisir une activité")).click()
    page.get_by_label("30 min").check()
    page.get_by_label("E-mail").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Activité enregistrée").wait_for()
    page.get_by_role("button", name="Déconnexion").click()

    # The coordinator validates the month, then invoices it.
    log_in(page, emails["coordinator"])
    page.goto(f"/missions/timesheets/{mediator_id}/{month}")
    page.get_by_role("button", name="Valider le mois").click()
    expect(page.locator("main")).to_contain_text("validé")
    go_to(page, "Factures")
    page.get_by_role("link", name="Facturer un mois").click()
    page.get_by_label("Mois à facturer").fill(month)
    page.get_by_role("button", name="Créer les brouillons du mois").click()
    created = page.locator('ul[data-run="created"]')
    expect(created).to_contain_text("Ville de Testville")
    created.get_by_role("link", name=re.compile("Permanences facturées")).click()
    main = page.locator("main")
    expect(main).to_contain_text("Permanence facturée — Médiathèque facturée : 1 séance, 3 h")
    expect(main).to_contain_text("135,00")  # 3 h × 45 € excl. VAT
    # a line added by mistake
    page.locator("#add-line summary").click()
    add = page.locator("#add-line form")
    add.get_by_label("Description").fill("Frais de déplacement")
    add.get_by_label("Quantité").fill("1")
    add.get_by_label("Prix unitaire HT (€)").fill("30")
    add.get_by_role("button", name="Ajouter la ligne").click()
    expect(main).to_contain_text("198,00")  # (135 + 30) × 1.2
    page.get_by_role("button", name="Émettre la facture").click()
    number = f"F{year}-00001"
    expect(main).to_contain_text(number)
    page.get_by_role("button", name="Envoyer par courriel").click()
    expect(main).to_contain_text("compta@testville.example.org")
    [mail] = [m for m in smtp_server if number in m["Subject"]]  # (the other one: "month validated")
    assert number in mail["Subject"] and "compta@testville.example.org" in mail["To"]
    assert sorted(a.get_filename() for a in mail.iter_attachments()) == [f"{number}-facturx.pdf", f"{number}.pdf"]

    # The wrong line is cancelled by a credit note.
    page.get_by_role("link", name="Établir un avoir").click()
    page.get_by_label("Motif de l'avoir").fill("Frais de déplacement facturés à tort")
    page.get_by_label("Frais de déplacement").fill("1")
    page.get_by_role("button", name="Émettre l'avoir").click()
    expect(main).to_contain_text(f"A{year}-00001")
    expect(main).to_contain_text("36,00")  # 30 € + 20 % VAT
    page.get_by_role("button", name="Déconnexion").click()

    session.expire_all()
    invoice = session.execute(select(Invoice).where(Invoice.number == number)).unique().scalar_one()
    billing_line = session.execute(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id,
                                                             InvoiceLine.kind == "hours")).scalar_one()
    billed = session.execute(select(BilledItem.session_id).where(BilledItem.line_id == billing_line.id)).all()
    assert billed == [(session_id,)]  # the invoice line bills that very session
    assert invoice.balance_cents == 19800 - 3600
    invoice_id = invoice.id
    session.commit()

    # The authority contact downloads the invoice and the matching report.
    log_in(page, emails["authority"])
    go_to(page, "Mes factures")
    row = page.locator(f"tr#invoice-{invoice_id}")
    expect(page.locator("main")).to_contain_text(f"A{year}-00001")  # the credit note is listed too
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("^Factur-X")).click()
    pdf = open(info.value.path(), "rb").read()
    text = _pdf_text(info.value.path())
    assert number in text and "Permanence facturée" in text and "198,00" in text
    _name, xml = get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert f"<ram:ID>{number}</ram:ID>".encode() in xml and b"<ram:GrandTotalAmount>198.00" in xml
    row.get_by_role("link", name=re.compile("^Bilan d'activité de la période")).click()
    expect(page.locator("main")).to_contain_text("CONV-FACT")
    expect(page.locator('td[data-figure="sessions_held"]')).to_have_text("1")
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le PDF").click()
    report = _pdf_text(info.value.path())
    assert "CONV-FACT" in report and re.search(r"Séances réalisées\s+1\b", report)
