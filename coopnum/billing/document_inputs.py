"""What a billing document needs, gathered once before rendering: the seller (its identity and the billing terms
printed on the document), the lines, the credited invoice of a credit note, the contract reference; for a quote, the
current identity and settings, the client and the lines.

    inputs = invoice_inputs(session, invoice)   # reads the settings and the database, once
    documents.invoice_context(invoice, inputs)  # then the PDF context, the CII XML and the Factur-X embed read
    cii.build(invoice, terms)                   # nothing else: no setting, no query

An issued invoice prints the identity and the terms frozen into ``Invoice.seller`` at issue; a term missing from
that dict (an invoice issued before the terms were frozen) is read from the settings here. The late-payment texts
depend on the kind of buyer (``coopnum.billing.legal``) and on the late-penalty rate the invoice's convention sets
(``contract_rate_bp``, frozen into ``Invoice.penalty_rate_bp``): frozen at issue too, else written for the buyer's
category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from coopnum.billing import company, legal
from coopnum.billing.models import Invoice, InvoiceKind
from coopnum.core import settings

# The settings printed on every invoice, read when the invoice is issued (unless frozen into ``Invoice.seller``).
TERM_SETTINGS = ("early_payment_text", "vat_on_debits")


@dataclass(frozen=True)
class Seller:
    """The seller as printed: ``raw`` is the identity dict (frozen at issue, or the current one for a quote) with
    the terms it may carry; the terms themselves are resolved (frozen value, else the setting)."""

    raw: dict
    early_payment_text: str | None
    late_penalty_text: str | None
    vat_on_debits: bool
    indemnity_text: str = ""


@dataclass(frozen=True)
class Credited:
    """The invoice a credit note credits, as printed (number, issue date as text and as a date)."""

    number: str
    issue_date: str
    date: date | None

    def as_dict(self) -> dict:
        return {"number": self.number, "issue_date": self.issue_date, "date": self.date}


@dataclass(frozen=True)
class InvoiceInputs:
    seller: Seller
    lines: tuple
    credited: Credited | None
    contract: str  # the convention's reference ("" without a convention)


@dataclass(frozen=True)
class QuoteInputs:
    seller: Seller
    payment_terms_days: int
    organisation: object | None  # the client (its name and address are printed)
    lines: tuple


def frozen_terms(session: Session, category: legal.BuyerCategory | None = None,
                 contract_rate_bp: int | None = None) -> dict:
    """The billing settings printed on invoices, to freeze into ``Invoice.seller`` at issue (with the identity),
    so that the document always shows the texts in force on its issue date; with the buyer's ``category``, also
    the late-payment texts written for it (at the convention's rate ``contract_rate_bp`` when it sets one)."""
    values = settings.get_many(session, [f"billing.{key}" for key in TERM_SETTINGS])
    terms = {key: values[f"billing.{key}"] for key in TERM_SETTINGS}
    if category is not None:
        terms.update(buyer_category=str(category), late_penalty_text=legal.penalty_text(category, contract_rate_bp),
                     indemnity_text=legal.indemnity_text(category))
    return terms


def contract_rate_bp(session: Session, invoice: Invoice) -> int | None:
    """The late-penalty rate an invoice is issued under: its convention's (a professional buyer only: a public
    buyer's rate is fixed by law); a credit note keeps the one of the invoice it credits; None: the legal default."""
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        original = session.get(Invoice, invoice.credit_of_id) if invoice.credit_of_id else None
        return original.penalty_rate_bp if original is not None else None
    if buyer_category(invoice.organisation) != legal.BuyerCategory.PROFESSIONAL or not invoice.convention_id:
        return None
    return getattr(invoice.convention, "penalty_rate_bp", None)


def _seller(session: Session, raw: dict, category: legal.BuyerCategory, contract_rate: int | None = None) -> Seller:
    missing = [key for key in TERM_SETTINGS if key not in raw]
    current = frozen_terms(session) if missing else {}
    terms = {key: raw[key] if key in raw else current[key] for key in TERM_SETTINGS}
    category = legal.BuyerCategory(raw.get("buyer_category") or category)
    return Seller(raw=raw, early_payment_text=terms["early_payment_text"],
                  late_penalty_text=raw.get("late_penalty_text") or legal.penalty_text(category, contract_rate),
                  vat_on_debits=bool(terms["vat_on_debits"]),
                  indemnity_text=raw.get("indemnity_text") or legal.indemnity_text(category))


def buyer_category(organisation) -> legal.BuyerCategory:
    return legal.category_of(getattr(organisation, "kind", None))


def _credited(session: Session, invoice: Invoice) -> Credited | None:
    if invoice.kind != InvoiceKind.CREDIT_NOTE or not invoice.credit_of_id:
        return None
    original = session.get(Invoice, invoice.credit_of_id)
    if original is None:
        return None
    issue_date = original.issue_date.strftime("%d/%m/%Y") if original.issue_date else ""
    return Credited(original.number or "", issue_date, original.issue_date)


def invoice_inputs(session: Session, invoice: Invoice) -> InvoiceInputs:
    """Everything an issued invoice or credit note prints besides its own columns, read once."""
    contract = getattr(invoice.convention, "reference", "") if invoice.convention_id else ""
    return InvoiceInputs(seller=_seller(session, invoice.seller or {}, buyer_category(invoice.organisation),
                                        invoice.penalty_rate_bp),
                         lines=tuple(invoice.lines),
                         credited=_credited(session, invoice), contract=contract or "")


def quote_inputs(session: Session, quote) -> QuoteInputs:
    """The current identity and billing settings, the client and the lines of a quote, read once."""
    terms = frozen_terms(session, buyer_category(quote.organisation))
    seller = Seller(raw=company.identity(session), early_payment_text=terms["early_payment_text"],
                    late_penalty_text=terms["late_penalty_text"], vat_on_debits=bool(terms["vat_on_debits"]),
                    indemnity_text=terms["indemnity_text"])
    days = settings.get(session, "billing.payment_terms_days")
    return QuoteInputs(seller=seller, payment_terms_days=days, organisation=quote.organisation,
                       lines=tuple(quote.lines))
