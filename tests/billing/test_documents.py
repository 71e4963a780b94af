"""The invoice PDF: every mandatory mention (art. L441-9 C. com., art. 242 nonies A CGI), checked one by one on the
text extracted with pypdf; the credit note; the quote PDF; rendering in French whatever the user's language."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date

from coopnum.billing import amounts, documents
from coopnum.billing.models import DocumentKind, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from tests import days, factories
from tests.pdftext import pdf_text


def _siren_of(siret: str) -> str:
    return siret[:9]


def vat_number_of(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


SELLER_SIRET = factories.siret(912345)
SELLER = {
    "name": "Coopérative numérique du Poitou",
    "legal_form": "SCIC SAS à capital variable",
    "capital": "12 400 €",
    "address": "12 rue des Lilas",
    "postal_code": "86000",
    "city": "Poitiers",
    "siret": SELLER_SIRET,
    "rcs": f"RCS Poitiers {SELLER_SIRET[:3]} {SELLER_SIRET[3:6]} {SELLER_SIRET[6:9]}",
    "rna": "",
    "vat_number": vat_number_of(SELLER_SIRET[:9]),
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP882",
    "training_declaration": "75860123486",
    "email": "factures@coopnum.example.org",
    "phone": "05 49 00 00 00",
    "website": "https://coopnum.example.org",
}
BUYER_SIRET = factories.siret(654321)

# The dates of the rendered documents, from the test day: the invoice is issued on the 2nd of last month for the
# work of the month before (both wholly past, whatever today is), due 30 days later; its credit note is issued today.
WORK_START, WORK_END = days.month_start(-2), days.month_end(-2)
ISSUE_DATE = days.month_start(-1).replace(day=2)
DUE_DATE = ISSUE_DATE + timedelta(days=30)
NUMBER = f"F{ISSUE_DATE.year}-00012"
CREDIT_DATE = days.TODAY
CREDIT_NUMBER = f"A{CREDIT_DATE.year}-00003"
ENGAGEMENT = f"EJ-{ISSUE_DATE.year}-0042"
WORK_MONTH_NAME = format_date(WORK_START, "MMMM", locale="fr")  # "octobre"
WORK_TUESDAYS = [days.nth_weekday(WORK_START, days.TUESDAY, n).day for n in (1, 2, 3, 4)]
SESSIONS_DETAIL = (f"Séances des {WORK_TUESDAYS[0]}, {WORK_TUESDAYS[1]}, {WORK_TUESDAYS[2]} et {WORK_TUESDAYS[3]} "
                   f"{WORK_MONTH_NAME}")
TITLE = f"Médiation numérique — {format_date(WORK_START, 'MMMM y', locale='fr')}"
CREDITED_WORKSHOP = f"Ateliers seniors (atelier du 15 {WORK_MONTH_NAME})"


def dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def ymd(day: date) -> str:
    """A date as Factur-X writes it (format 102)."""
    return f"{day:%Y%m%d}"


def make_invoice(session, *, regime: str = "standard", discount: bool = False, chorus: bool = True,
                 credit: bool = False, seller: dict | None = None, negative_line: bool = False,
                 number: str = NUMBER) -> Invoice:
    """An issued-like invoice (or a credit note of one), flushed: number, dates, frozen seller and buyer, lines
    and totals as the issuing service sets them."""
    org = factories.organisation(session, name="Ville de Testville", siret=BUYER_SIRET)
    rate = 2000 if regime == "standard" else 0
    invoice = _invoice(session, org, number=number, issue_date=ISSUE_DATE, regime=regime,
                       seller=seller, chorus=chorus, lines=[
                           InvoiceLine(position=1, kind="hours", description="Permanences numériques — médiathèque",
                                       detail=SESSIONS_DETAIL, quantity=Decimal("12.5"),
                                       unit="hour", unit_price_cents=4500, vat_rate_bp=rate,
                                       period_start=WORK_START, period_end=WORK_END),
                           InvoiceLine(position=2, kind="workshops", description="Ateliers seniors",
                                       quantity=Decimal(4), unit="workshop", unit_price_cents=18000,
                                       discount_percent=Decimal("10") if discount else Decimal(0),
                                       vat_rate_bp=rate),
                           InvoiceLine(position=3, kind="flat", description="Forfait mensuel d'accompagnement",
                                       quantity=Decimal(1), unit="flat", unit_price_cents=35033, vat_rate_bp=rate),
                           *([InvoiceLine(position=4, kind="free", description="Geste commercial",
                                          quantity=Decimal(1), unit="unit", unit_price_cents=-5000,
                                          vat_rate_bp=rate)] if negative_line else []),
                       ])
    if not credit:
        return invoice
    return _invoice(session, org, number=CREDIT_NUMBER, issue_date=CREDIT_DATE, regime=regime,
                    seller=seller, chorus=chorus, kind=InvoiceKind.CREDIT_NOTE, credit_of_id=invoice.id,
                    title="Annulation d'un atelier non tenu", lines=[
                        InvoiceLine(position=1, kind="credit", description=CREDITED_WORKSHOP,
                                    quantity=Decimal(1), unit="workshop", unit_price_cents=18000, vat_rate_bp=rate,
                                    credited_line_id=invoice.lines[1].id)])


def _invoice(session, org, *, number: str, issue_date: date, regime: str, seller: dict | None, chorus: bool,
             lines: list, kind: str = InvoiceKind.INVOICE, credit_of_id: int | None = None,
             title: str = TITLE) -> Invoice:
    invoice = Invoice(
        kind=kind, status=InvoiceStatus.ISSUED, number=number, series=number[:5], sequence=int(number[6:]),
        organisation_id=org.id, credit_of_id=credit_of_id, title=title,
        period_start=WORK_START, period_end=WORK_END, issue_date=issue_date,
        due_date=issue_date + timedelta(days=30) if kind == InvoiceKind.INVOICE else None, payment_terms_days=30,
        vat_regime=regime, buyer_name="Ville de Testville", buyer_address="1 place de la Mairie",
        buyer_address_complement="Service des finances", buyer_postal_code="86000", buyer_city="Testville",
        buyer_siret=BUYER_SIRET, buyer_email="finances@testville.example.org",
        chorus_buyer_siret=BUYER_SIRET if chorus else None,
        chorus_service_code="SERV-NUMERIQUE" if chorus else None,
        chorus_engagement_number=ENGAGEMENT if chorus else None,
        seller=dict(seller or SELLER), notes="Merci de votre confiance.", lines=lines,
    )
    amounts.apply(invoice)
    session.add(invoice)
    session.flush()
    return invoice


# --- text of the rendered PDFs ------------------------------------------------------------------------------------

class Text:
    """The document's text: ``flat`` (reading order, every run of whitespace one space) for phrases, and the
    ``layout`` lines to check what stands on one row of a table (a label and its amount)."""

    def __init__(self, pdf: bytes):
        self.flat = " ".join(pdf_text(pdf).split())
        self.lines = pdf_text(pdf, layout=True).splitlines()

    def __contains__(self, phrase: str) -> bool:
        return phrase in self.flat

    def row(self, label: str) -> str:
        rows = [line for line in self.lines if label in line]
        assert rows, f"no line with {label!r}"
        return rows[0]


def fmt_siret(siret: str) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


def fmt_siren(siret: str) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]}"


_RENDERED: dict[str, tuple[dict, bytes]] = {}


def render_text(session, scenario: str, **kw) -> Text:
    """Render the scenario once per test process (each mention is a test of its own)."""
    if scenario not in _RENDERED:
        invoice = make_invoice(session, **kw)
        docs = {r.kind: r.content for r in documents.render(invoice)}
        facts = {"vat_breakdown": invoice.vat_breakdown, "total_excl_cents": invoice.total_excl_cents,
                 "total_vat_cents": invoice.total_vat_cents, "total_incl_cents": invoice.total_incl_cents}
        _RENDERED[scenario] = (facts, docs[DocumentKind.PDF])
    return Text(_RENDERED[scenario][1])


_NOW = days.NOW


@pytest.fixture(scope="module")
def standard(db_template, tmp_path_factory):
    """A standard-VAT invoice with a discount, Chorus Pro references and a custom early payment text, rendered
    once for the module (every mention is a test of its own) in an app of its own; nothing is committed."""
    import shutil

    from coopnum import create_app
    from coopnum.core import settings
    from coopnum.core.db import db
    from tests.conftest import PG_URL

    if PG_URL:
        url = PG_URL
    else:
        path = tmp_path_factory.mktemp("documents") / "test.db"
        shutil.copy(db_template, path)
        url = f"sqlite:///{path}"
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test", "SMTP_HOST": ""})
    with app.app_context():
        settings.set_value(db.session, None, "billing.early_payment_text",
                           "Escompte de 1 % pour paiement sous 8 jours.", now=_NOW)
        text = render_text(db.session, "standard", discount=True)
        db.session.rollback()
    app.extensions["coopnum_db"].dispose()
    return text


MENTIONS = {
    # seller
    "seller name": "Coopérative numérique du Poitou",
    "seller legal form and capital": "SCIC SAS à capital variable au capital de 12 400 €",
    "seller address": "12 rue des Lilas 86000 Poitiers",
    "seller SIREN and SIRET": f"SIREN {fmt_siren(SELLER_SIRET)} · SIRET {fmt_siret(SELLER_SIRET)}",
    "seller RCS": f"RCS Poitiers {fmt_siren(SELLER_SIRET)}",
    "seller VAT number": f"N° TVA intracommunautaire : {SELLER['vat_number']}",
    # buyer
    "buyer name": "Ville de Testville",
    "buyer address": "1 place de la Mairie Service des finances 86000 Testville",
    "buyer SIREN and SIRET": f"SIREN {fmt_siren(BUYER_SIRET)} · SIRET {fmt_siret(BUYER_SIRET)}",
    # document
    "title": "Facture",
    "invoice number": f"N° {NUMBER}",
    "issue date": f"Date d'émission {dmy(ISSUE_DATE)}",
    "service period": f"Période de prestation du {dmy(WORK_START)} au {dmy(WORK_END)}",
    "nature of the operation": "Nature de l'opération : Prestations de services",
    "object": f"Objet : {TITLE}",
    "line detail and period": f"du {dmy(WORK_START)} au {dmy(WORK_END)} {SESSIONS_DETAIL}",
    "due date": f"Date d'échéance {dmy(DUE_DATE)}",
    "payment terms": f"Paiement à 30 jours à compter de la date d'émission, soit au plus tard le {dmy(DUE_DATE)}, "
                     "par virement bancaire.",
    "early payment discount (setting)": "Escompte de 1 % pour paiement sous 8 jours.",
    "late penalty (public buyer)": "intérêts moratoires au taux de la BCE majoré de 8 points "
                                   "(art. R2192-31 du Code de la commande publique)",
    "fixed 40 € recovery indemnity": "indemnité forfaitaire pour frais de recouvrement de 40 € "
                                     "(art. L2192-13 et D2192-35 du Code de la commande publique)",
    "Chorus Pro buyer SIRET": f"Chorus Pro — SIRET destinataire : {fmt_siret(BUYER_SIRET)}",
    "Chorus Pro code service": "Code service : SERV-NUMERIQUE",
    "Chorus Pro engagement number": f"N° d'engagement : {ENGAGEMENT}",
    "IBAN": "IBAN : FR76 3000 6000 0112 3456 7890 189",
    "BIC": "BIC : AGRIFRPP882",
    "payment reference": f"Référence à indiquer : {NUMBER}",
    "notes": "Merci de votre confiance.",
}


@pytest.mark.parametrize("mention", MENTIONS)
def test_mandatory_mention(standard, mention):
    assert MENTIONS[mention] in standard, standard.flat


@pytest.mark.parametrize(("description", "quantity", "unit", "price", "discount", "total"), [
    ("Permanences numériques — médiathèque", "12,5", "heures", "45,00 €", "", "562,50 €"),
    ("Ateliers seniors", "4", "ateliers", "180,00 €", "10 %", "648,00 €"),
    ("Forfait mensuel d'accompagnement", "1", "forfait", "350,33 €", "", "350,33 €"),
])
def test_line_description_quantity_unit_price_discount_rate_and_amount(standard, description, quantity, unit,
                                                                       price, discount, total):
    row = standard.row(f"{price} {discount} 20 % {total}".replace("  ", " "))  # one row of the table
    assert row.startswith(description.split(" — ")[0])  # (a long description wraps in its cell)
    assert " ".join(x for x in (quantity, unit, price, discount, "20 %", total) if x) in row, row
    assert description in standard


def test_table_headers_say_excl_vat(standard):
    header = standard.row("Désignation")
    for label in ("Quantité", "Unité", "Prix unitaire HT", "Remise", "TVA", "Montant HT"):
        assert label in header


def test_vat_rate_and_amount_per_rate_and_totals(standard):
    facts, _pdf = _RENDERED["standard"]
    (row,) = facts["vat_breakdown"]
    assert (row["rate_bp"], row["base_cents"], row["vat_cents"]) == (2000, 156083, 31217)
    assert "20 % 1 560,83 € 312,17 €" in standard.row("1 560,83 € 312,17 €")
    assert standard.row("Total HT").endswith("Total HT 1 560,83 €")
    assert standard.row("Total TVA").endswith("Total TVA 312,17 €")
    assert standard.row("Total TTC").endswith("Total TTC 1 873,00 €")
    assert standard.row("Net à payer").endswith("Net à payer 1 873,00 €")
    assert (facts["total_excl_cents"], facts["total_vat_cents"], facts["total_incl_cents"]) == (
        156083, 31217, 187300)


def test_discount_total(standard):
    assert standard.row("Dont remises accordées").endswith("72,00 €")


def test_no_vat_on_debits_mention_by_default(standard):
    assert "débits" not in standard.flat
    assert "293 B" not in standard.flat and "261-4-4" not in standard.flat


def test_vat_on_debits_mention(session):
    from coopnum.core import settings

    settings.set_value(session, None, "billing.vat_on_debits", True, now=_NOW)
    text = render_text(session, "debits")
    assert "TVA sur les débits : option pour le paiement de la taxe d'après les débits." in text


def test_franchise_mention(session):
    text = render_text(session, "franchise", regime="franchise")
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "0 % (TVA non applicable)" in text
    assert text.row("Total TVA").endswith("0,00 €")


def test_training_exemption_with_declaration_number(session):
    text = render_text(session, "training", regime="training_exempt")
    assert "Exonération de TVA, art. 261-4-4°-a du CGI" in text
    assert ("Organisme de formation enregistré sous le numéro 75860123486. Cet enregistrement ne vaut pas "
            "agrément de l'État.") in text


def test_training_exemption_without_declaration_is_reported(session):
    invoice = make_invoice(session, regime="training_exempt", seller={**SELLER, "training_declaration": ""})
    assert any("déclaration d'activité" in p for p in documents.missing_mentions(invoice))
    assert documents.missing_mentions(make_invoice(session, number=f"F{ISSUE_DATE.year}-00013")) == []


def test_frozen_penalty_text_without_the_indemnity_gets_it_added(session):
    # An invoice issued with an older, frozen text that forgot the 40 €: the indemnity of its buyer is added.
    seller = {**SELLER, "late_penalty_text": "Pénalités de retard : trois fois le taux d'intérêt légal."}
    text = render_text(session, "custom-penalty", seller=seller)
    assert "Pénalités de retard : trois fois le taux d'intérêt légal." in text
    assert ("Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € "
            "(art. L2192-13 et D2192-35 du Code de la commande publique).") in text


def test_frozen_terms_win_over_current_settings(session):
    seller = {**SELLER, **documents.frozen_terms(session), "early_payment_text": "Pas d'escompte (figé)."}
    text = render_text(session, "frozen", seller=seller)
    assert "Pas d'escompte (figé)." in text


def test_credit_note(session):
    text = render_text(session, "credit", credit=True)
    assert "Avoir" in text.row("Avoir") and "Facture" not in text.flat.split("Avoir sur")[0]
    assert f"N° {CREDIT_NUMBER}" in text
    assert f"Date d'émission {dmy(CREDIT_DATE)}" in text
    assert f"Avoir sur la facture n° {NUMBER} du {dmy(ISSUE_DATE)}" in text
    assert CREDITED_WORKSHOP in text
    assert text.row("Montant de l'avoir").endswith("216,00 €")
    assert "Date d'échéance" not in text.flat and "IBAN" not in text.flat
    assert "Nature de l'opération : Prestations de services" in text


def test_rendered_in_french_whatever_the_users_language(app, session):
    from flask import session as http_session

    invoice = make_invoice(session)
    with app.test_request_context("/"):
        http_session["lang"] = "en"
        from flask_babel import get_locale

        assert str(get_locale()) == "en"
        pdf = {r.kind: r.content for r in documents.render(invoice)}[DocumentKind.PDF]
    text = Text(pdf)
    assert f"Date d'émission {dmy(ISSUE_DATE)}" in text
    assert "Invoice" not in text.flat and "Due date" not in text.flat


def test_quote_pdf(session):
    from coopnum.billing.models import Quote, QuoteLine
    from coopnum.core import settings

    for key, value in (("company.name", "Coop'Num Vienne"), ("company.siret", SELLER_SIRET),
                       ("company.vat_number", SELLER["vat_number"])):
        settings.set_value(session, None, key, value, now=_NOW)
    org = factories.organisation(session, name="Commune de Devisville", siret=BUYER_SIRET)
    number, valid_until = f"D{days.TODAY.year}-00007", days.days(60)
    quote = Quote(number=number, organisation_id=org.id, title=f"Ateliers numériques {days.TODAY.year + 1}",
                  issue_date=days.TODAY, valid_until=valid_until, vat_regime="standard",
                  lines=[QuoteLine(description="Atelier découverte de la tablette", quantity=Decimal(10),
                                   unit="workshop", unit_price_cents=18000, discount_percent=Decimal(5),
                                   vat_rate_bp=2000)])
    session.add(quote)
    session.flush()
    pdf = documents.render_quote_pdf(quote)
    assert pdf.startswith(b"%PDF-")
    text = Text(pdf)
    assert "Devis" in text and f"N° {number}" in text
    assert "Coop'Num Vienne" in text and "Commune de Devisville" in text
    assert f"Valable jusqu'au {dmy(valid_until)}" in text
    assert "Atelier découverte de la tablette 10 ateliers 180,00 €" in text.row("tablette")
    assert text.row("tablette").endswith("20 % 1 710,00 €")
    assert "Remise" in text.row("Désignation")
    assert " 5 % " in text.row("tablette").replace("5%", "5 %")  # a PDF reader may drop the no-break space
    assert text.row("Total TTC").endswith("2 052,00 €")
    assert "Bon pour accord" in text


def test_money_and_number_formats():
    assert documents.eur(123456789) == "1\u202f234\u202f567,89\u00a0€"
    assert documents.eur(-5000) == "-50,00\u00a0€"
    assert documents.number(Decimal("12.500")) == "12,5"
    assert documents.number(Decimal("10")) == "10"
    assert documents.rate(550) == "5,5\u00a0%"
    assert documents.iban_text("FR7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"
