"""Exact amounts of lines and documents, as French practice and EN 16931 want them:

- a line's net amount is rounded to the cent: quantity × unit price × (1 − discount %);
- the VAT is computed per rate on the sum of the line amounts at that rate, and rounded once per rate
  (BR-CO-17: VAT amount = taxable base × rate, rounded);
- the totals are sums of rounded amounts (never float).

Works on any line-like object (``InvoiceLine``, ``QuoteLine``, a form row) with ``quantity``, ``unit_price_cents``,
``discount_percent`` and ``vat_rate_bp``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from coopnum.core.money import round_cents
from coopnum.organisations.models import VatRegime

HUNDRED = Decimal(100)


def line_total_cents(quantity: Decimal, unit_price_cents: int, discount_percent: Decimal = Decimal(0)) -> int:
    gross = Decimal(quantity) * Decimal(unit_price_cents)
    return round_cents(gross * (HUNDRED - Decimal(discount_percent)) / HUNDRED)


def line_discount_cents(quantity: Decimal, unit_price_cents: int, discount_percent: Decimal) -> int:
    """The discount of a line in cents (BT-136): the gross amount minus the net amount."""
    return round_cents(Decimal(quantity) * Decimal(unit_price_cents)) - line_total_cents(
        quantity, unit_price_cents, discount_percent)


def vat_cents(base_cents: int, rate_bp: int) -> int:
    return round_cents(Decimal(base_cents) * Decimal(rate_bp) / Decimal(10000))


@dataclass(frozen=True)
class VatRow:
    rate_bp: int
    base_cents: int
    vat_cents: int

    def as_dict(self) -> dict:
        return {"rate_bp": self.rate_bp, "base_cents": self.base_cents, "vat_cents": self.vat_cents}


@dataclass(frozen=True)
class Totals:
    excl_cents: int
    vat_cents: int
    incl_cents: int
    vat_rows: list[VatRow] = field(default_factory=list)


def compute(lines: Iterable) -> Totals:
    """Line totals (set on each line as ``total_excl_cents``) and the document totals."""
    bases: dict[int, int] = {}
    for line in lines:
        line.total_excl_cents = line_total_cents(line.quantity, line.unit_price_cents, line.discount_percent)
        bases[line.vat_rate_bp] = bases.get(line.vat_rate_bp, 0) + line.total_excl_cents
    rows = [VatRow(rate, base, vat_cents(base, rate)) for rate, base in sorted(bases.items(), reverse=True)]
    excl = sum(r.base_cents for r in rows)
    vat = sum(r.vat_cents for r in rows)
    return Totals(excl, vat, excl + vat, rows)


def apply(document, lines: Iterable | None = None) -> Totals:
    """Compute and store the totals of an invoice or a quote (``total_*_cents``, ``vat_breakdown`` if any)."""
    totals = compute(document.lines if lines is None else lines)
    document.total_excl_cents, document.total_vat_cents, document.total_incl_cents = (
        totals.excl_cents, totals.vat_cents, totals.incl_cents)
    if hasattr(document, "vat_breakdown"):
        document.vat_breakdown = [r.as_dict() for r in totals.vat_rows]
    return totals


def rate_of(regime: str) -> int:
    return VatRegime(regime).rate_basis_points


# The legal text printed for each VAT regime (mandatory when no VAT is charged).
VAT_MENTIONS: dict[str, str] = {
    VatRegime.STANDARD: "",
    VatRegime.FRANCHISE: "TVA non applicable, art. 293 B du CGI",
    VatRegime.TRAINING_EXEMPT: "Exonération de TVA, art. 261-4-4°-a du CGI",
}


def format_rate(rate_bp: int) -> str:
    """2000 → '20', 550 → '5,5', 0 → '0' (French decimal comma)."""
    value = (Decimal(rate_bp) / HUNDRED).normalize()
    text = f"{value:f}"
    return text.replace(".", ",")
