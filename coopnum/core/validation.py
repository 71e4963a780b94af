"""The limits every input must respect at the boundary (forms, API bodies, queries, paths, imports).

One place for them so that the HTML forms (WTForms validators in ``core.forms``) and the API (pydantic types
in ``core.api``) refuse the same things with the same French words: characters that PostgreSQL or XML cannot
store (NUL, other control characters, lone surrogates), integers beyond the database's columns, years that no
cooperative record can have. No Flask import here: services may call these too."""

import re
from datetime import date, datetime

# PostgreSQL INTEGER / BIGINT. An id or a count beyond INT_MAX can match no row: refuse it before the database does.
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
BIGINT_MAX = 2**63 - 1

# The years a record of the cooperative can have: 1900 (a birth year, an old purchase) to 2199.
MIN_YEAR = 1900
MAX_YEAR = 2199
MIN_DATE = date(MIN_YEAR, 1, 1)
MAX_DATE = date(MAX_YEAR, 12, 31)

# XML 1.0 (Factur-X, iCal consumers, PDF text) and PostgreSQL TEXT accept neither NUL nor most C0 controls,
# nor lone surrogates, nor U+FFFE/U+FFFF. Tab, line feed and carriage return are allowed in multi-line text only.
_FORBIDDEN_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

CONTROL_CHARS_MESSAGE = "Ce texte contient des caractères de contrôle ou invisibles non autorisés."
NUMBER_RANGE_MESSAGE = "Nombre hors des limites autorisées."
DATE_RANGE_MESSAGE = f"Date hors des limites autorisées (années {MIN_YEAR} à {MAX_YEAR})."


def forbidden_chars(text: str, *, multiline: bool = False) -> bool:
    """True when ``text`` holds a character no field may store."""
    pattern = _FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_SINGLE_LINE
    return bool(pattern.search(text))


def check_text(text: str, *, multiline: bool = False, max_length: int | None = None) -> str:
    """``text`` unchanged, or ValueError with a French message."""
    if forbidden_chars(text, multiline=multiline):
        raise ValueError(CONTROL_CHARS_MESSAGE)
    if max_length is not None and len(text) > max_length:
        raise ValueError(f"Texte trop long ({len(text)} caractères, au plus {max_length}).")
    return text


def int_in_range(value: int, *, low: int = INT_MIN, high: int = INT_MAX) -> bool:
    return low <= value <= high


def check_int(value: int, *, low: int = INT_MIN, high: int = INT_MAX) -> int:
    if not int_in_range(value, low=low, high=high):
        raise ValueError(NUMBER_RANGE_MESSAGE)
    return value


def date_in_range(value: date | datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def check_date(value: date | datetime) -> date | datetime:
    if not date_in_range(value):
        raise ValueError(DATE_RANGE_MESSAGE)
    return value
