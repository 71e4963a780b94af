"""Money helpers: amounts are integer cents everywhere; parsing and rounding are exact (Decimal, never float)."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_euros(text: str) -> int:
    """'1 234,56' / '1234.56' / '45' / '45,5 €' → cents. Raises ValueError with a French message."""
    cleaned = _SPACES.sub("", str(text)).replace("€", "").replace(",", ".")
    if cleaned.count(".") > 1 or not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
        raise ValueError("Montant invalide : écrivez par exemple 45 ou 1 234,50.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("Montant invalide.") from exc
    if abs(value) >= Decimal("100000000"):
        raise ValueError("Montant trop élevé.")
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def round_cents(value: Decimal) -> int:
    """Round a Decimal number of cents half-up to an integer (French commercial rounding)."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))
