"""The CII XML (UN/CEFACT Cross Industry Invoice D16B) of an issued invoice or credit note, profile EN 16931
(``urn:cen.eu:en16931:2017``), as embedded in the Factur-X file.

Written for the French e-invoicing rules too (BR-FR schematron): SIREN as legal registration (scheme 0002), SIRET
as global id (scheme 0009), electronic addresses (BT-34, BT-49) as SIREN with scheme 0225, business process BT-23
``S1`` (services), the mandatory notes (PMD late penalties, PMT 40 € indemnity, AAB early payment discount).

Amounts are those of the invoice, to the cent (integer cents → 2 decimals, never float); a line's net amount is
``amounts.line_total_cents`` and its discount (BT-136) the gross amount minus the net amount, so the EN 16931
arithmetic (BR-CO-10…16) holds exactly as in ``coopnum.billing.amounts``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from lxml import etree

from coopnum.billing import amounts
from coopnum.billing.models import InvoiceKind, LineUnit
from coopnum.core.money import round_cents
from coopnum.organisations.models import VatRegime

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
GUIDELINE = "urn:cen.eu:en16931:2017"  # Factur-X profile EN 16931 (« Comfort »)
BUSINESS_PROCESS = "S1"  # French reform framework: services, simple invoice deposit (BR-FR-08)
TYPE_INVOICE, TYPE_CREDIT_NOTE = "380", "381"
CURRENCY = "EUR"
SEPA_TRANSFER = "58"

# UN/ECE Recommendation 20 unit codes (BT-130).
UNIT_CODES: dict[str, str] = {
    LineUnit.HOUR: "HUR",
    LineUnit.DAY: "DAY",
    LineUnit.MONTH: "MON",
    LineUnit.SESSION: "E48",  # service unit
    LineUnit.WORKSHOP: "E48",
    LineUnit.PERSON: "IE",  # person
    LineUnit.UNIT: "C62",  # one
    LineUnit.FLAT: "LS",  # lump sum
}

@dataclass(frozen=True)
class VatCategory:
    code: str  # UNTDID 5305: S standard, E exempt
    reason: str = ""  # BT-120
    reason_code: str = ""  # BT-121 (VATEX)


def vat_category(regime: str, rate_bp: int) -> VatCategory:
    """The EN 16931 VAT category of a rate under the invoice's VAT regime."""
    if rate_bp > 0:
        return VatCategory("S")
    if regime == VatRegime.FRANCHISE:
        return VatCategory("E", amounts.VAT_MENTIONS[VatRegime.FRANCHISE], "VATEX-FR-FRANCHISE")
    if regime == VatRegime.TRAINING_EXEMPT:
        # Vocational training, art. 132 (1) (i) of directive 2006/112/EC = art. 261-4-4°-a of the CGI.
        return VatCategory("E", amounts.VAT_MENTIONS[VatRegime.TRAINING_EXEMPT], "VATEX-EU-132-1I")
    return VatCategory("E", "Exonération de TVA")


def unit_code(unit: str) -> str:
    return UNIT_CODES.get(unit, "C62")


def money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def quantity_text(value: Decimal) -> str:
    q = Decimal(value).quantize(Decimal("0.0001")).normalize()
    return format(q, "f")


def rate_text(rate_bp: int) -> str:
    return format((Decimal(rate_bp) / 100).quantize(Decimal("0.01")).normalize(), "f")


def digits(value: str | None) -> str:
    return "".join(c for c in (value or "") if c.isalnum())


# --- element helpers --------------------------------------------------------------------------------------------

def _q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


def _sub(parent, tag: str, text: str | None = None, **attrib) -> etree._Element:
    el = etree.SubElement(parent, _q(tag), {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _date(parent, tag: str, value: date, *, qualified: bool = False) -> None:
    holder = _sub(parent, tag)
    _sub(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString", value.strftime("%Y%m%d"),
         format="102")


def _address(party, *, line_one: str, line_two: str = "", postal_code: str, city: str) -> None:
    addr = _sub(party, "ram:PostalTradeAddress")
    if postal_code:
        _sub(addr, "ram:PostcodeCode", postal_code)
    if line_one:
        _sub(addr, "ram:LineOne", line_one)
    if line_two:
        _sub(addr, "ram:LineTwo", line_two)
    if city:
        _sub(addr, "ram:CityName", city)
    _sub(addr, "ram:CountryID", "FR")


def _party(parent, tag: str, *, name: str, siret: str, description: str = "", trading_name: str = "",
           address: dict, vat_number: str = "", contact: dict | None = None) -> None:
    party = _sub(parent, tag)
    siren = siret[:9] if len(siret) >= 9 else ""
    if len(siret) == 14:
        _sub(party, "ram:GlobalID", siret, schemeID="0009")  # BT-29 / BT-46: SIRET
    _sub(party, "ram:Name", name)
    if description:
        _sub(party, "ram:Description", description)  # BT-33: additional legal information
    if siren:
        legal = _sub(party, "ram:SpecifiedLegalOrganization")
        _sub(legal, "ram:ID", siren, schemeID="0002")  # BT-30 / BT-47: SIREN
        if trading_name:
            _sub(legal, "ram:TradingBusinessName", trading_name)
    if contact and (contact.get("phone") or contact.get("email")):
        tc = _sub(party, "ram:DefinedTradeContact")
        if contact.get("phone"):
            _sub(_sub(tc, "ram:TelephoneUniversalCommunication"), "ram:CompleteNumber", contact["phone"])
        if contact.get("email"):
            _sub(_sub(tc, "ram:EmailURIUniversalCommunication"), "ram:URIID", contact["email"])
    _address(party, **address)
    if siren:
        # BT-34 / BT-49: the electronic address on the French e-invoicing directory, the SIREN (scheme 0225).
        _sub(_sub(party, "ram:URIUniversalCommunication"), "ram:URIID", siren, schemeID="0225")
    if vat_number:
        _sub(_sub(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_number, schemeID="VA")


def _tax(parent, tag: str, category: VatCategory, rate_bp: int, *, base_cents: int | None = None,
         vat_cents: int | None = None, due_date_code: str | None = None) -> None:
    tax = _sub(parent, tag)
    if vat_cents is not None:
        _sub(tax, "ram:CalculatedAmount", money(vat_cents))
    _sub(tax, "ram:TypeCode", "VAT")
    if category.reason and base_cents is not None:
        _sub(tax, "ram:ExemptionReason", category.reason)
    if base_cents is not None:
        _sub(tax, "ram:BasisAmount", money(base_cents))
    _sub(tax, "ram:CategoryCode", category.code)
    if category.reason_code and base_cents is not None:
        _sub(tax, "ram:ExemptionReasonCode", category.reason_code)
    if due_date_code:
        _sub(tax, "ram:DueDateTypeCode", due_date_code)
    _sub(tax, "ram:RateApplicablePercent", rate_text(rate_bp))


# --- the document -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Terms:
    """The texts printed under the totals, also carried in the XML notes (BR-FR-05)."""

    payment_terms: str  # BT-20
    early_payment: str  # AAB
    late_penalty: str  # PMD
    indemnity: str  # PMT
    vat_on_debits: bool
    legal_info: str  # BT-33 and note REG
    credited_number: str | None = None  # BT-25
    credited_date: date | None = None  # BT-26
    exemption_reason: str | None = None  # BT-120 of the exempt rows, when more precise than the regime's text
    contract: str | None = None  # BT-12: the convention's reference


def build(invoice, terms: Terms, lines) -> bytes:
    """The CII XML of ``invoice`` (issued: number, dates, totals and frozen seller set) with its ``lines`` and
    ``terms`` (gathered before rendering: no setting read, no query)."""
    root = etree.Element(_q("rsm:CrossIndustryInvoice"), nsmap=NS)
    _document(root, invoice, terms)
    tx = _sub(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(lines, start=1):
        _line(tx, index, line, invoice.vat_regime)
    _agreement(tx, invoice, terms)
    delivery = _sub(tx, "ram:ApplicableHeaderTradeDelivery")
    delivered = invoice.period_end or invoice.issue_date  # BT-72: the (last) day of the services
    _date(_sub(delivery, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime", delivered)
    _settlement(tx, invoice, terms, lines)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _document(root, invoice, terms: Terms) -> None:
    """The context (business process, profile) and the document header with its notes."""
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    ctx = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(_sub(ctx, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", BUSINESS_PROCESS)
    _sub(_sub(ctx, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)

    doc = _sub(root, "rsm:ExchangedDocument")
    _sub(doc, "ram:ID", invoice.number)
    _sub(doc, "ram:TypeCode", TYPE_CREDIT_NOTE if credit_note else TYPE_INVOICE)
    _date(doc, "ram:IssueDateTime", invoice.issue_date)
    notes = [(invoice.title, "AAI"), (invoice.notes, "AAI"), (terms.legal_info, "REG"),
             (terms.early_payment, "AAB"), (terms.late_penalty, "PMD"), (terms.indemnity, "PMT")]
    if terms.vat_on_debits:
        notes.append(("Option pour le paiement de la taxe d'après les débits", "TXD"))
    for content, subject in notes:
        if content and content.strip():
            note = _sub(doc, "ram:IncludedNote")
            _sub(note, "ram:Content", content.strip())
            _sub(note, "ram:SubjectCode", subject)


def _agreement(tx, invoice, terms: Terms) -> None:
    """Header agreement: buyer reference (code service), seller, buyer, order (engagement), contract."""
    seller = invoice.seller or {}
    agreement = _sub(tx, "ram:ApplicableHeaderTradeAgreement")
    if invoice.chorus_service_code:
        _sub(agreement, "ram:BuyerReference", invoice.chorus_service_code)  # BT-10
    seller_siret = digits(seller.get("siret"))
    _party(agreement, "ram:SellerTradeParty", name=seller.get("name") or "", siret=seller_siret,
           description=terms.legal_info,
           address={"line_one": seller.get("address") or "", "postal_code": seller.get("postal_code") or "",
                    "city": seller.get("city") or ""},
           vat_number=digits(seller.get("vat_number")).upper(),
           contact={"phone": seller.get("phone"), "email": seller.get("email")})
    buyer_siret = digits(invoice.chorus_buyer_siret or invoice.buyer_siret)
    _party(agreement, "ram:BuyerTradeParty", name=invoice.buyer_name, siret=buyer_siret,
           address={"line_one": invoice.buyer_address, "line_two": invoice.buyer_address_complement,
                    "postal_code": invoice.buyer_postal_code, "city": invoice.buyer_city},
           vat_number=digits(invoice.buyer_vat_number).upper())
    if invoice.chorus_engagement_number:
        _sub(_sub(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID",
             invoice.chorus_engagement_number)  # BT-13
    if terms.contract:
        _sub(_sub(agreement, "ram:ContractReferencedDocument"), "ram:IssuerAssignedID", terms.contract)  # BT-12


def _settlement(tx, invoice, terms: Terms, lines) -> None:
    """Header settlement: payment reference and means, VAT breakdown, period, terms, totals, credited invoice."""
    seller = invoice.seller or {}
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    regime = invoice.vat_regime
    settlement = _sub(tx, "ram:ApplicableHeaderTradeSettlement")
    if not credit_note:
        _sub(settlement, "ram:PaymentReference", invoice.number)  # BT-83: to quote on the transfer
    _sub(settlement, "ram:InvoiceCurrencyCode", CURRENCY)
    _payment_means(settlement, seller, credit_note)
    due_code = "5" if terms.vat_on_debits else "72"  # BT-8: VAT due on the invoice date (débits) or when paid
    for row in invoice.vat_breakdown:
        category = vat_category(regime, row["rate_bp"])
        if category.code == "E" and terms.exemption_reason:
            category = replace(category, reason=terms.exemption_reason)
        _tax(settlement, "ram:ApplicableTradeTax", category, row["rate_bp"], base_cents=row["base_cents"],
             vat_cents=row["vat_cents"], due_date_code=due_code if category.code == "S" else None)
    if invoice.period_start or invoice.period_end:
        period = _sub(settlement, "ram:BillingSpecifiedPeriod")
        if invoice.period_start:
            _date(period, "ram:StartDateTime", invoice.period_start)
        if invoice.period_end:
            _date(period, "ram:EndDateTime", invoice.period_end)
    payment_terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    _sub(payment_terms, "ram:Description", terms.payment_terms)  # BT-20
    if invoice.due_date and not credit_note:
        _date(payment_terms, "ram:DueDateDateTime", invoice.due_date)  # BT-9

    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", money(sum(line.total_excl_cents for line in lines)))
    _sub(summation, "ram:TaxBasisTotalAmount", money(invoice.total_excl_cents))
    _sub(summation, "ram:TaxTotalAmount", money(invoice.total_vat_cents), currencyID=CURRENCY)
    _sub(summation, "ram:GrandTotalAmount", money(invoice.total_incl_cents))
    _sub(summation, "ram:DuePayableAmount", money(invoice.total_incl_cents))
    if terms.credited_number:
        ref = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(ref, "ram:IssuerAssignedID", terms.credited_number)  # BT-25
        if terms.credited_date:
            _date(ref, "ram:FormattedIssueDateTime", terms.credited_date, qualified=True)  # BT-26


def _payment_means(settlement, seller: dict, credit_note: bool) -> None:
    """A SEPA transfer to the seller's IBAN (not on a credit note)."""
    iban = digits(seller.get("iban")).upper()
    if iban and not credit_note:
        means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram:TypeCode", SEPA_TRANSFER)
        _sub(means, "ram:Information", "Virement SEPA")
        account = _sub(means, "ram:PayeePartyCreditorFinancialAccount")
        _sub(account, "ram:IBANID", iban)
        if seller.get("name"):
            _sub(account, "ram:AccountName", seller["name"])
        bic = digits(seller.get("bic")).upper()
        if bic:
            _sub(_sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", bic)


def _line(tx, index: int, line, regime: str) -> None:
    item = _sub(tx, "ram:IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
    product = _sub(item, "ram:SpecifiedTradeProduct")
    _sub(product, "ram:Name", line.description)
    if line.detail and line.detail.strip():
        _sub(product, "ram:Description", line.detail.strip())
    # EN 16931 wants a non-negative price (BR-27): a negative line (a discount line) is a negative quantity.
    price, quantity = line.unit_price_cents, Decimal(line.quantity)
    if price < 0:
        price, quantity = -price, -quantity
    _sub(_sub(_sub(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice"),
         "ram:ChargeAmount", money(price))
    _sub(_sub(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", quantity_text(quantity),
         unitCode=unit_code(line.unit))
    settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, "ram:ApplicableTradeTax", vat_category(regime, line.vat_rate_bp), line.vat_rate_bp)
    if line.period_start or line.period_end:
        period = _sub(settlement, "ram:BillingSpecifiedPeriod")
        if line.period_start:
            _date(period, "ram:StartDateTime", line.period_start)
        if line.period_end:
            _date(period, "ram:EndDateTime", line.period_end)
    discount = Decimal(line.discount_percent or 0)
    if discount:
        gross = round_cents(quantity * Decimal(price))
        allowance = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _sub(_sub(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _sub(allowance, "ram:CalculationPercent", format(discount.normalize(), "f"))
        _sub(allowance, "ram:BasisAmount", money(gross))
        _sub(allowance, "ram:ActualAmount", money(amounts.line_discount_cents(quantity, price, discount)))  # BT-136
        _sub(allowance, "ram:ReasonCode", "95")  # discount
        _sub(allowance, "ram:Reason", "Remise")
    _sub(_sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount",
         money(line.total_excl_cents))
