"""Building an export row (the 32 columns as normalised strings) from the values of a place."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .fields import DATE_FIELDS, ENUMS, FIELDS, MULTI_SEPARATOR, MULTI_VALUED, NUMBER_FIELDS
from .normalize import _clean_text, normalize_choice, normalize_phone


def _format_number(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError("un booléen n'est pas une coordonnée")
    if isinstance(value, str):
        text = _clean_text(value)
        return text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    if isinstance(value, int | float | Decimal):
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
        if not number.is_finite():
            return str(value)
        formatted = format(number.normalize(), "f")
        return "0" if formatted in {"-0", "0"} else formatted
    raise TypeError(f"type inattendu pour un nombre : {type(value).__name__}")


def _format_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _clean_text(value)
    raise TypeError(f"type inattendu pour une date : {type(value).__name__}")


def _items(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split(MULTI_SEPARATOR)
    if isinstance(value, Iterable):
        return [str(item) for item in value if item is not None]
    return [str(value)]


def _format_multi(name: str, value: Any) -> str:
    raw = _items(value)
    if name in ENUMS and isinstance(value, str):
        raw = [part for item in raw for part in item.split(";")]  # the README's stale ";" separator
    items: list[str] = []
    for item in raw:
        cleaned = normalize_choice(name, item) if name in ENUMS else _clean_text(item)
        if cleaned and cleaned not in items:
            items.append(cleaned)
    return MULTI_SEPARATOR.join(items)


def place_row(values: Mapping[str, Any]) -> dict[str, str]:
    """The 32 schema columns, in order, as export strings.

    ``values`` is keyed by schema field name; absent keys and ``None`` give ``""``. Lists/tuples are joined
    with ``|`` (duplicates and blanks dropped), dates become ``YYYY-MM-DD``, numbers use ``.`` without
    exponent or trailing zeros, text is NFC and stripped. Enum values are normalised with
    ``normalize_choice``, the phone number with ``normalize_phone``, whitespace is removed from ``pivot``.
    Unknown keys raise ``ValueError`` (a typo would otherwise silently empty a column).
    """
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValueError(f"champs inconnus du schéma : {', '.join(unknown)}")
    row: dict[str, str] = {}
    for name in FIELDS:
        value = values.get(name)
        if value is None:
            row[name] = ""
        elif name in NUMBER_FIELDS:
            row[name] = _format_number(value)
        elif name in DATE_FIELDS:
            row[name] = _format_date(value)
        elif name in MULTI_VALUED:
            row[name] = _format_multi(name, value)
        elif name == "telephone":
            row[name] = MULTI_SEPARATOR.join(normalize_phone(item) for item in _items(value) if item.strip())
        elif name == "pivot":
            row[name] = re.sub(r"\s+", "", _clean_text(str(value)))
        else:
            row[name] = _clean_text(str(value))
    return row
