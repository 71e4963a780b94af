"""Rendering of an issued invoice or credit note: the PDF (PDF/A-3b) and the Factur-X file (the same PDF/A-3 with
the embedded CII XML, profile EN 16931). Called once, at issue, inside the issuing transaction; the documents are
then stored with their SHA-256 and never rendered again.

    render(invoice) -> [Rendered(DocumentKind.PDF, …), Rendered(DocumentKind.FACTURX, …)]
    render_quote_pdf(quote) -> bytes

The document is always French (a legal document), whatever the user's language. One WeasyPrint pass per
document: the Factur-X file embeds the XML into that same PDF (factur-x), then pypdf re-saves it once with the
document information aligned with the XMP metadata (PDF/A) and a ``%PDF-1.7`` header."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import object_session

from coopnum.billing import amounts, cii
from coopnum.billing.document_inputs import (  # noqa: F401  (frozen_terms: kept importable from here)
    InvoiceInputs,
    QuoteInputs,
    frozen_terms,
    invoice_inputs,
    quote_inputs,
)
from coopnum.billing.models import DocumentKind, Invoice, InvoiceKind, LineUnit
from coopnum.core import formats
from coopnum.organisations.models import VatRegime

TEMPLATE_INVOICE = "billing/pdf/invoice.html"
TEMPLATE_QUOTE = "billing/pdf/quote.html"
STYLESHEET = "billing/pdf/invoice.css"

NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"

UNIT_LABELS: dict[str, tuple[str, str]] = {  # (singular, plural), French
    LineUnit.HOUR: ("heure", "heures"),
    LineUnit.SESSION: ("séance", "séances"),
    LineUnit.WORKSHOP: ("atelier", "ateliers"),
    LineUnit.MONTH: ("mois", "mois"),
    LineUnit.DAY: ("jour", "jours"),
    LineUnit.PERSON: ("personne", "personnes"),
    LineUnit.UNIT: ("unité", "unités"),
    LineUnit.FLAT: ("forfait", "forfaits"),
}



@dataclass(frozen=True)
class Rendered:
    kind: str  # DocumentKind
    filename: str
    content: bytes


# --- French formatting (no locale lookups: the document is French) ----------------------------------------------

def eur(cents: int) -> str:
    """12345678 → '123 456,78 €' on a document: core.formats.money, the sign held to its amount."""
    return formats.money(cents, "fr", nbsp=True)


def day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def number(value: Decimal | int | str) -> str:
    """Decimal('1.500') → '1,5'; Decimal('12') → '12'."""
    text = format(Decimal(value).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def percent(value: Decimal | int | str) -> str:
    return f"{number(value)}{NBSP}%"


def rate(rate_bp: int) -> str:
    return f"{amounts.format_rate(rate_bp)}{NBSP}%"


def unit_label(unit: str, quantity: Decimal) -> str:
    singular, plural = UNIT_LABELS.get(unit, (unit, unit))
    return plural if formats.is_plural(Decimal(quantity), "fr") else singular


def group(text: str, sizes: tuple[int, ...]) -> str:
    parts, start = [], 0
    for size in sizes:
        if start >= len(text):
            break
        parts.append(text[start:start + size])
        start += size
    if start < len(text):
        parts.append(text[start:])
    return " ".join(parts)


def iban_text(iban: str) -> str:
    compact = re.sub(r"\s", "", iban or "").upper()
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def period_text(start: date | None, end: date | None) -> str:
    if start and end and start != end:
        return f"du {day(start)} au {day(end)}"
    return day(start or end)


# --- context --------------------------------------------------------------------------------------------------------

def seller_context(seller: dict) -> dict:
    siret = cii.digits(seller.get("siret"))
    siren = siret[:9]
    legal_form = (seller.get("legal_form") or "").strip()
    capital = (seller.get("capital") or "").strip()
    if legal_form and capital:
        legal_line = f"{legal_form} au capital de {capital}"
    else:
        legal_line = legal_form or (f"Capital : {capital}" if capital else "")
    rcs, rna = (seller.get("rcs") or "").strip(), (seller.get("rna") or "").strip()
    registration = " · ".join(x for x in (rcs, f"RNA {rna}" if rna else "") if x)
    return {**{k: (v or "") for k, v in seller.items() if isinstance(v, str | None)},
            "siret": siret, "siren": siren, "siret_fmt": group(siret, (3, 3, 3, 5)),
            "siren_fmt": group(siren, (3, 3, 3)), "legal_line": legal_line, "registration": registration}


def _buyer(name: str, address: str, complement: str, postal_code: str, city: str, siret: str | None,
           vat_number: str | None, chorus: dict | None = None) -> dict:
    siret = cii.digits(siret)
    return {"name": name, "address": address, "address_complement": complement, "postal_code": postal_code,
            "city": city, "siret": siret if len(siret) == 14 else "", "siren": siret[:9],
            "siret_fmt": group(siret, (3, 3, 3, 5)), "siren_fmt": group(siret[:9], (3, 3, 3)),
            "vat_number": vat_number or "", "chorus": chorus}


def _rows(lines, *, stored: bool) -> tuple[list[dict], bool, int]:
    """The printed lines; ``stored``: use the lines' frozen totals (issued invoices), else compute them."""
    rows, any_discount, discount_total = [], False, 0
    for line in lines:
        discount = Decimal(line.discount_percent or 0)
        if discount:
            any_discount = True
            discount_total += amounts.line_discount_cents(line.quantity, line.unit_price_cents, discount)
        total = line.total_excl_cents if stored else amounts.line_total_cents(
            line.quantity, line.unit_price_cents, discount)
        rows.append({
            "description": line.description,
            "detail": (line.detail or "").strip(),
            "period": period_text(getattr(line, "period_start", None), getattr(line, "period_end", None)),
            "quantity": number(line.quantity),
            "unit": unit_label(line.unit, line.quantity),
            "unit_price": eur(line.unit_price_cents),
            "discount": percent(discount) if discount else "",
            "vat_rate": rate(line.vat_rate_bp),
            "total": eur(total),
        })
    return rows, any_discount, discount_total


def _vat_rows(vat_breakdown: list[dict], regime: str) -> list[dict]:
    result = []
    for row in vat_breakdown:
        label = rate(row["rate_bp"])
        if row["rate_bp"] == 0:
            label += " (exonéré)" if regime != VatRegime.FRANCHISE else " (TVA non applicable)"
        result.append({"label": label, "base": eur(row["base_cents"]), "vat": eur(row["vat_cents"])})
    return result


def vat_mentions(regime: str, seller: dict, *, vat_rows: list[dict], vat_on_debits: bool) -> list[str]:
    """The VAT regime's legal texts (293 B franchise; training exemption with the declaration number)."""
    mentions = []
    if any(r["rate_bp"] == 0 for r in vat_rows) or regime != VatRegime.STANDARD:
        text = amounts.VAT_MENTIONS.get(regime, "")
        if text:
            mentions.append(text)
    if regime == VatRegime.TRAINING_EXEMPT:
        mentions.append(training_text(seller))
    if vat_on_debits and any(r["rate_bp"] > 0 for r in vat_rows):
        mentions.append("TVA sur les débits : option pour le paiement de la taxe d'après les débits.")
    return mentions


def training_text(seller: dict) -> str:
    declaration = (seller.get("training_declaration") or "").strip()
    # Art. L6352-12 of the Code du travail: the only allowed wording of the declaration number.
    return (f"Organisme de formation enregistré sous le numéro {declaration}. "
            "Cet enregistrement ne vaut pas agrément de l'État.") if declaration else ""


def legal_texts(early: str, late: str, indemnity: str) -> list[str]:
    """[early payment, late payment(, indemnity when the late payment text does not state the 40 €)]."""
    texts = [(early or "").strip() or "Pas d'escompte pour paiement anticipé.", (late or "").strip()]
    flat = re.sub(r"\s", " ", texts[1])
    if "40 €" not in flat and "40 euros" not in flat:
        texts.append(indemnity)
    return [t for t in texts if t]


def payment_terms_text(invoice: Invoice, credited: dict | None) -> str:
    if credited:
        return (f"Avoir sur la facture n° {credited['number']} du {credited['issue_date']} : montant à déduire "
                "du solde de cette facture ou à rembourser.")
    days = invoice.payment_terms_days
    when = "à réception" if not days else f"à {days} jours à compter de la date d'émission"
    due = f", soit au plus tard le {day(invoice.due_date)}" if invoice.due_date else ""
    means = ", par virement bancaire" if (invoice.seller or {}).get("iban") else ""
    return f"Paiement {when}{due}{means}."


def invoice_context(invoice: Invoice, inputs: InvoiceInputs) -> tuple[dict, cii.Terms]:
    """The template context and the terms (shared with the CII XML) of an issued invoice or credit note, from the
    invoice's columns and its gathered inputs (no setting read, no query)."""
    seller_raw = inputs.seller.raw
    seller = seller_context(seller_raw)
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    credited = inputs.credited.as_dict() if inputs.credited else None
    early, late = inputs.seller.early_payment_text, inputs.seller.late_penalty_text
    vat_on_debits = inputs.seller.vat_on_debits
    regime = invoice.vat_regime
    rows, show_discount, discount_total = _rows(inputs.lines, stored=True)
    chorus = _chorus(invoice)
    service_label, service_dates = _service_dates(invoice, inputs.lines)
    contract = inputs.contract
    mentions = vat_mentions(regime, seller_raw, vat_rows=invoice.vat_breakdown, vat_on_debits=vat_on_debits)
    legal = legal_texts(early, late, inputs.seller.indemnity_text)
    terms_text = payment_terms_text(invoice, credited)
    legal_info = " · ".join(x for x in (seller["legal_line"], seller["registration"]) if x)
    context = {
        "doc": {
            "title": "Avoir" if credit_note else "Facture",
            "number": invoice.number or "",
            "issue_date": day(invoice.issue_date),
            "due_date": "" if credit_note else day(invoice.due_date),
            "service_dates_label": service_label,
            "service_dates": service_dates,
            "object": invoice.title,
            "notes": (invoice.notes or "").strip(),
            "credited": credited,
            "contract": contract,
        },
        "seller": seller,
        "buyer": _buyer(invoice.buyer_name, invoice.buyer_address, invoice.buyer_address_complement,
                        invoice.buyer_postal_code, invoice.buyer_city, invoice.buyer_siret,
                        invoice.buyer_vat_number, chorus),
        "lines": rows,
        "show_discount": show_discount,
        "totals": _totals(invoice, discount_total),
        "mentions": [m for m in mentions if m],
        "payment": {
            "terms": terms_text,
            "iban": "" if credit_note else iban_text(seller_raw.get("iban") or ""),
            "bic": (seller_raw.get("bic") or "").strip().upper(),
        },
        "legal": [] if credit_note else legal,
    }
    terms = cii.Terms(
        payment_terms=terms_text,
        early_payment=legal[0],
        late_penalty=legal[1] if len(legal) > 1 else inputs.seller.indemnity_text,
        indemnity=inputs.seller.indemnity_text,
        vat_on_debits=vat_on_debits and any(r["rate_bp"] > 0 for r in invoice.vat_breakdown),
        legal_info=legal_info,
        credited_number=credited["number"] if credited else None,
        credited_date=credited["date"] if credited else None,
        exemption_reason=_exemption_reason(regime, seller_raw),
        contract=contract or None,
    )
    return context, terms


def _totals(invoice: Invoice, discount_total: int) -> dict:
    return {
        "vat_rows": _vat_rows(invoice.vat_breakdown, invoice.vat_regime),
        "discount": eur(discount_total) if discount_total else "",
        "excl": eur(invoice.total_excl_cents), "vat": eur(invoice.total_vat_cents),
        "incl": eur(invoice.total_incl_cents),
        "due_label": "Montant de l'avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Net à payer",
    }


def _chorus(invoice: Invoice) -> dict | None:
    """The Chorus Pro references printed with the buyer (None without any)."""
    if not (invoice.chorus_buyer_siret or invoice.chorus_service_code or invoice.chorus_engagement_number):
        return None
    chorus_siret = cii.digits(invoice.chorus_buyer_siret or invoice.buyer_siret)
    return {"siret_fmt": group(chorus_siret, (3, 3, 3, 5)), "service_code": invoice.chorus_service_code,
            "engagement_number": invoice.chorus_engagement_number}


def _service_dates(invoice: Invoice, lines) -> tuple[str, str]:
    """(label, dates) of the services: the invoice's period, else its lines' one, else the issue date."""
    line_starts = [ln.period_start for ln in lines if ln.period_start]
    line_ends = [ln.period_end for ln in lines if ln.period_end]
    start = invoice.period_start or (min(line_starts) if line_starts else None)
    end = invoice.period_end or (max(line_ends) if line_ends else None)
    if start or end:
        return (("Période de prestation", period_text(start, end)) if start and end
                and start != end else ("Date de la prestation", day(start or end)))
    return "Date de la prestation", day(invoice.issue_date)


def _exemption_reason(regime: str, seller_raw: dict) -> str | None:
    """The VAT exemption reason of a training invoice, with the declaration number (BT-120)."""
    if regime == VatRegime.TRAINING_EXEMPT and training_text(seller_raw):
        return (f"{amounts.VAT_MENTIONS[VatRegime.TRAINING_EXEMPT]} — organisme de formation "
                f"n° {seller_raw['training_declaration'].strip()}")
    return None


# --- rendering ------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _stylesheet():
    """The print stylesheet, parsed once per process."""
    from weasyprint import CSS

    source, _filename, _uptodate = current_app.jinja_loader.get_source(current_app.jinja_env, STYLESHEET)
    return CSS(string=source)


_local = threading.local()


def _font_config():
    """One WeasyPrint font configuration per thread, reused from one document to the next (no @font-face: the
    system's DejaVu fonts)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """One WeasyPrint pass, PDF/A-3b (embedded fonts, sRGB output intent, XMP metadata)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf(stylesheets=[_stylesheet()], pdf_variant="pdf/a-3b",
                                       font_config=_font_config())


def _render_html(template: str, context: dict) -> str:
    with force_locale("fr"):
        return render_template(template, **context)


def invoice_pdf(invoice: Invoice, inputs: InvoiceInputs) -> tuple[bytes, bytes]:
    """The PDF/A-3b of the invoice and its CII XML, from the invoice and its gathered inputs alone."""
    context, terms = invoice_context(invoice, inputs)
    pdf = html_to_pdf(_render_html(TEMPLATE_INVOICE, context))
    return pdf, cii.build(invoice, terms, inputs.lines)


def render(invoice: Invoice, inputs: InvoiceInputs | None = None) -> list[Rendered]:
    """The stored documents of an issued invoice: its inputs are gathered once (from the invoice's session, unless
    given), then the PDF, the XML and the Factur-X file are rendered from them."""
    if inputs is None:
        inputs = invoice_inputs(object_session(invoice), invoice)
    pdf, xml = invoice_pdf(invoice, inputs)
    title = "Avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Facture"
    seller = (invoice.seller or {}).get("name") or ""
    metadata = {
        "author": seller,
        "title": f"{title} {invoice.number}",
        "subject": f"{title} {invoice.number} du {day(invoice.issue_date)} — {invoice.buyer_name}",
        "keywords": "",
    }
    facturx_pdf = embed_facturx(pdf, xml, metadata)
    return [Rendered(DocumentKind.PDF, f"{invoice.number}.pdf", pdf),
            Rendered(DocumentKind.FACTURX, f"{invoice.number}-facturx.pdf", facturx_pdf)]


def embed_facturx(pdf: bytes, xml: bytes, metadata: dict) -> bytes:
    """The Factur-X file: ``pdf`` (PDF/A-3b) with ``xml`` embedded as factur-x.xml (EN 16931, XSD-checked)."""
    import facturx

    with tempfile.TemporaryDirectory(prefix="coopnum-fx-") as tmp:
        source, target = os.path.join(tmp, "document.pdf"), os.path.join(tmp, "factur-x.pdf")
        with open(source, "wb") as f:
            f.write(pdf)
        # generate_from_file, not generate_from_binary (factur-x 7.8 writes the input before the output).
        facturx.generate_from_file(source, xml, flavor="factur-x", level="en16931", check_xsd=True,
                                   pdf_metadata=dict(metadata), lang="fr-FR", output_pdf_file=target)
        return _align_metadata(target)


_XMP_FIELDS = {
    "/Producer": re.compile(rb"<pdf:Producer>([^<]*)</pdf:Producer>"),
    "/CreationDate": re.compile(rb"<xmp:CreateDate>([^<]*)</xmp:CreateDate>"),
    "/ModDate": re.compile(rb"<xmp:ModifyDate>([^<]*)</xmp:ModifyDate>"),
}


def _pdf_date(xmp_date: str) -> str:
    """'2026-11-23T10:00:00+00:00' → "D:20261123100000+00'00'"."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?", xmp_date)
    if not m:
        return ""
    zone = m.group(7) or "Z"
    suffix = "Z" if zone == "Z" else f"{zone[:3]}'{zone[4:]}'"
    return "D:" + "".join(m.groups()[:6]) + suffix


def _align_metadata(path: str) -> bytes:
    """Re-save with pypdf: the document information dictionary equal to the XMP metadata that factur-x rewrote
    (PDF/A: Producer and dates identical, no Keywords absent from the XMP) and the PDF 1.7 header of PDF/A-3."""
    from io import BytesIO

    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=path)
    xmp = writer._root_object["/Metadata"].get_object().get_data()
    info = writer._info.get_object() if writer._info is not None else None
    if info is not None:
        for key, pattern in _XMP_FIELDS.items():
            found = pattern.search(xmp)
            if found:
                value = found.group(1).decode("utf-8")
                info[NameObject(key)] = TextStringObject(_pdf_date(value) if key != "/Producer" else value)
        if b"pdf:Keywords" not in xmp and "/Keywords" in info:
            del info["/Keywords"]
    writer.pdf_header = b"%PDF-1.7"
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# --- quotes ---------------------------------------------------------------------------------------------------------

def quote_context(quote, inputs: QuoteInputs) -> dict:
    """The template context of a quote, from the quote's columns and its gathered inputs (no setting, no query)."""
    seller_raw = inputs.seller.raw
    org = inputs.organisation
    regime = quote.vat_regime
    rows, show_discount, discount_total = _rows(inputs.lines, stored=False)
    bases: dict[int, int] = {}
    for line in inputs.lines:
        total = amounts.line_total_cents(line.quantity, line.unit_price_cents, line.discount_percent)
        bases[line.vat_rate_bp] = bases.get(line.vat_rate_bp, 0) + total
    vat_rows = [{"rate_bp": r, "base_cents": b, "vat_cents": amounts.vat_cents(b, r)}
                for r, b in sorted(bases.items(), reverse=True)]
    excl = sum(r["base_cents"] for r in vat_rows)
    vat = sum(r["vat_cents"] for r in vat_rows)
    days = inputs.payment_terms_days
    early, late = inputs.seller.early_payment_text, inputs.seller.late_penalty_text
    vat_on_debits = inputs.seller.vat_on_debits
    return {
        "doc": {"number": quote.number or "", "issue_date": day(quote.issue_date),
                "valid_until": day(quote.valid_until), "object": quote.title, "notes": (quote.notes or "").strip()},
        "seller": seller_context(seller_raw),
        "buyer": _buyer(org.name, org.address, org.address_complement, org.postal_code, org.city, org.siret,
                        org.vat_number) if org is not None else _buyer("", "", "", "", "", None, None),
        "lines": rows,
        "show_discount": show_discount,
        "totals": {"vat_rows": _vat_rows(vat_rows, regime), "discount": eur(discount_total) if discount_total else "",
                   "excl": eur(excl), "vat": eur(vat), "incl": eur(excl + vat), "due_label": ""},
        "mentions": [m for m in vat_mentions(regime, seller_raw, vat_rows=vat_rows, vat_on_debits=vat_on_debits)
                     if m],
        "payment": {"terms": f"Paiement à {days} jours à compter de la date de la facture, par virement bancaire."},
        "legal": legal_texts(early, late, inputs.seller.indemnity_text),
    }


def render_quote_pdf(quote, inputs: QuoteInputs | None = None) -> bytes:
    """The quote as a PDF (the seller's identity and the billing settings as they are now, gathered once from the
    quote's session unless given)."""
    if inputs is None:
        inputs = quote_inputs(object_session(quote), quote)
    return html_to_pdf(_render_html(TEMPLATE_QUOTE, quote_context(quote, inputs)))


# --- checks before issuing ------------------------------------------------------------------------------------------

def missing_mentions(invoice: Invoice) -> list[str]:
    """What would make the document incomplete (French messages), for the issuing service to refuse early."""
    seller = invoice.seller or {}
    problems = []
    if invoice.vat_regime == VatRegime.TRAINING_EXEMPT and not (seller.get("training_declaration") or "").strip():
        problems.append("L'exonération de TVA des formations (art. 261-4-4°-a du CGI) exige le numéro de "
                        "déclaration d'activité de l'organisme de formation : renseignez-le dans les paramètres.")
    if not cii.digits(invoice.chorus_buyer_siret or invoice.buyer_siret):
        problems.append("Le SIRET du client manque : il est obligatoire sur la facture et pour Chorus Pro.")
    return problems
