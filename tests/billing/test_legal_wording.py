"""The late-payment wording per kind of buyer (coopnum.billing.legal), one place for the PDF, the Factur-X notes and
the reminders; and the Chorus Pro references of every invoice to an organisation (its convention's, else its own),
checked on the issued PDF's text and on the Factur-X XML."""

from types import SimpleNamespace

import pytest
from lxml import etree

from coopnum.billing import legal
from coopnum.billing.models import DocumentKind, InvoiceKind
from coopnum.billing.services import credit_notes, dunning, invoices, issuing
from coopnum.core.errors import DomainError
from coopnum.organisations.models import OrganisationKind
from tests import days, factories
from tests.billing import factories as bf
from tests.billing.test_facturx import BR_FR_XSLT, EN16931_XSLT, extract_xml, failed_asserts, one, xp
from tests.pdftext import pdf_text

NOW = days.NOW
PUBLIC_KINDS = {"commune", "epci", "departement", "region", "ccas", "france_services", "state"}


# --- the wording, unit by unit ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(OrganisationKind))
def test_category_of_each_organisation_kind(kind):
    expected = legal.BuyerCategory.PUBLIC if kind.value in PUBLIC_KINDS else legal.BuyerCategory.PROFESSIONAL
    assert legal.category_of(kind.value) == expected
    assert legal.category_of("inconnu") == legal.BuyerCategory.PROFESSIONAL


def test_public_buyer_wording():
    text = legal.penalty_text(legal.BuyerCategory.PUBLIC)
    assert text == ("En cas de retard de paiement, intérêts moratoires au taux de la BCE majoré de 8 points "
                    "(art. R2192-31 du Code de la commande publique) et indemnité forfaitaire pour frais de "
                    "recouvrement de 40 € (art. L2192-13 et D2192-35 du Code de la commande publique).")
    assert "Code de commerce" not in text and "pénalités" not in text
    assert legal.indemnity_text("public").endswith("40 € (art. L2192-13 et D2192-35 du Code de la commande publique).")


def test_professional_buyer_wording():
    text = legal.penalty_text(legal.BuyerCategory.PROFESSIONAL)
    assert text == ("En cas de retard de paiement, pénalités de retard au taux de la BCE majoré de 10 points "
                    "(art. L441-10 du Code de commerce) et indemnité forfaitaire pour frais de recouvrement de 40 € "
                    "(art. L441-10 et D441-5 du Code de commerce).")
    assert "R2192" not in text and "moratoires" not in text
    assert legal.indemnity_text("professional").endswith("40 € (art. L441-10 et D441-5 du Code de commerce).")


def test_reminder_paragraph_per_buyer():
    semester = legal.semester_start(days.TODAY)
    public = legal.reminder_paragraph("public", ecb_rate_bp=215, interest="3,73 €", indemnity="40,00 €",
                                      on=days.TODAY, semester=semester)
    assert "intérêts moratoires" in public and "majoré de 8 points, soit 10,15\u00a0%" in public
    assert "(2,15\u00a0%)" in public and legal.semester_label(semester) in public and "D2192-35" in public
    private = legal.reminder_paragraph("professional", ecb_rate_bp=215, interest="4,45 €", indemnity="40,00 €",
                                       on=days.TODAY, semester=semester)
    assert "pénalités de retard" in private and "majoré de 10 points, soit 12,15\u00a0%" in private
    assert "L441-10" in private and "D441-5" in private and "R2192" not in private


def test_semesters():
    year = days.TODAY.year
    assert legal.semester_start(days.date(year, 6, 30)) == days.date(year, 1, 1)
    assert legal.semester_start(days.date(year, 7, 1)) == days.date(year, 7, 1)
    assert legal.semester_label(days.date(year, 7, 1)) == f"2d semestre {year}"
    # The interest of an invoice due on 30 June starts on 1 July: the rate of the second semester.
    invoice = SimpleNamespace(due_date=days.date(year, 6, 30))
    assert dunning.interest_semester(invoice) == days.date(year, 7, 1)


def test_professional_interest_is_ecb_plus_ten_points():
    due = days.date(2026, 1, 1)  # explicit dates: a pure computation
    inv = SimpleNamespace(due_date=due, balance_cents=120000)
    # 1 200 € × (2,15 % + 10 points) × 30 / 365 = 11,978… €
    assert dunning.late_interest(inv, days.date(2026, 1, 31), 215, legal.BuyerCategory.PROFESSIONAL) == (30, 1198,
                                                                                                          4000)
    # + 8 points for a public buyer: 10,0109… €
    assert dunning.late_interest(inv, days.date(2026, 1, 31), 215, legal.BuyerCategory.PUBLIC) == (30, 1001, 4000)


# --- the issued documents -------------------------------------------------------------------------------------------

def _issue(session, users, organisation, *, convention=None):
    bf.company(session)
    invoice = bf.draft_invoice(session, users["coordinator"], organisation=organisation, convention=convention)
    issuing.issue(session, users["coordinator"], invoice, now=NOW)
    docs = {d.kind: d.content for d in issuing.documents_of(session, invoice).values()}
    xml = extract_xml(docs[DocumentKind.FACTURX])
    return invoice, " ".join(pdf_text(docs[DocumentKind.PDF]).split()), etree.fromstring(xml), xml


def _notes(tree) -> dict:
    return {n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
            for n in xp(tree, "//rsm:ExchangedDocument/ram:IncludedNote")}


NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


def test_invoice_to_a_public_buyer(session, users):
    org = factories.organisation(session, name="Communauté de communes du Test", kind=OrganisationKind.EPCI)
    conv = factories.convention(session, organisation=org, chorus_service_code="DSI-NUM",
                                chorus_engagement_number="EJ-CONV-7")
    invoice, text, tree, xml = _issue(session, users, org, convention=conv)
    assert legal.penalty_text("public") in text
    assert "pénalités de retard" not in text and "Code de commerce" not in text
    notes = _notes(tree)
    assert notes["PMD"] == legal.penalty_text("public")
    assert notes["PMT"] == legal.indemnity_text("public")
    # The convention's Chorus Pro references.
    assert "Code service : DSI-NUM" in text and "N° d'engagement : EJ-CONV-7" in text
    assert one(tree, "//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference") == "DSI-NUM"  # BT-10
    assert one(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "EJ-CONV-7"  # BT-13
    assert failed_asserts(xml, EN16931_XSLT) == [] and failed_asserts(xml, BR_FR_XSLT) == []
    assert invoice.seller["buyer_category"] == "public"  # frozen with the terms


def test_invoice_to_an_association(session, users):
    org = factories.organisation(session, name="Association Les Connectés", kind=OrganisationKind.ASSOCIATION)
    _invoice, text, tree, xml = _issue(session, users, org)
    assert legal.penalty_text("professional") in text
    assert "intérêts moratoires" not in text and "R2192" not in text and "commande publique" not in text
    notes = _notes(tree)
    assert notes["PMD"] == legal.penalty_text("professional")
    assert notes["PMT"] == legal.indemnity_text("professional")
    assert "R2192" not in xml.decode() and "Chorus Pro" not in text
    assert xp(tree, "//ram:BuyerReference") == [] and xp(tree, "//ram:BuyerOrderReferencedDocument") == []
    assert failed_asserts(xml, EN16931_XSLT) == []


def test_free_line_invoice_and_credit_note_to_a_public_buyer_carry_its_chorus_fields(session, users):
    org = factories.organisation(session, name="Ville de Chorusville", chorus_service_code="SERV-FIN",
                                 chorus_engagement_number="BC-2026-0042", chorus_engagement_required=True)
    invoice, text, tree, xml = _issue(session, users, org)  # no convention: free lines
    assert invoice.convention_id is None
    assert (invoice.chorus_service_code, invoice.chorus_engagement_number) == ("SERV-FIN", "BC-2026-0042")
    assert "Chorus Pro" in text and "Code service : SERV-FIN" in text and "N° d'engagement : BC-2026-0042" in text
    assert legal.penalty_text("public") in text
    assert one(tree, "//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference") == "SERV-FIN"
    assert one(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "BC-2026-0042"
    assert failed_asserts(xml, EN16931_XSLT) == [] and failed_asserts(xml, BR_FR_XSLT) == []
    # Its credit note carries them too.
    note = credit_notes.create_credit_note(session, users["coordinator"], invoice, reason="Erreur de quantité", now=NOW,
                               render=bf.fake_render)
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert (note.chorus_service_code, note.chorus_engagement_number) == ("SERV-FIN", "BC-2026-0042")


def test_convention_references_win_over_the_organisation_ones(session, users):
    org = factories.organisation(session, chorus_service_code="SERV-ORG", chorus_engagement_number="EJ-ORG")
    conv = factories.convention(session, organisation=org, chorus_engagement_number="EJ-CONV")
    draft = bf.draft_invoice(session, users["coordinator"], organisation=org, convention=conv)
    # The convention's engagement, the organisation's code service (the convention has none).
    assert (draft.chorus_service_code, draft.chorus_engagement_number) == ("SERV-ORG", "EJ-CONV")


def test_a_draft_without_references_gets_the_organisation_ones_at_issue(session, users):
    org = factories.organisation(session)
    draft = bf.draft_invoice(session, users["coordinator"], organisation=org)
    assert (draft.chorus_service_code, draft.chorus_engagement_number) == (None, None)
    org.chorus_service_code, org.chorus_engagement_number = "SERV-TARD", "EJ-TARD"  # filled in after the draft
    bf.company(session)
    issuing.issue(session, users["coordinator"], draft, now=NOW, render=bf.fake_render)
    assert (draft.chorus_service_code, draft.chorus_engagement_number) == ("SERV-TARD", "EJ-TARD")


def test_engagement_required_blocks_the_issue(session, users):
    org = factories.organisation(session, name="Département exigeant", kind=OrganisationKind.DEPARTEMENT,
                                 chorus_engagement_required=True)
    bf.company(session)
    draft = bf.draft_invoice(session, users["coordinator"], organisation=org)
    with pytest.raises(DomainError, match="exige un numéro d'engagement"):
        issuing.issue(session, users["coordinator"], draft, now=NOW, render=bf.fake_render)
    invoices.update_header(session, users["coordinator"], draft, title="Prestations", notes="", payment_terms_days=30,
                           chorus_engagement_number="EJ-99", now=NOW)
    issuing.issue(session, users["coordinator"], draft, now=NOW, render=bf.fake_render)
    assert draft.number and draft.chorus_engagement_number == "EJ-99"
