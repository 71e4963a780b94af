"""Display labels of the enum values, and normalisation of spelling variants and phone numbers."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

from .fields import _ALIASES, _DISPLAY_OVERRIDES, ENUMS


def label(value: str) -> str:
    """French display label of an export value (typographic apostrophe, description spelling)."""
    return _DISPLAY_OVERRIDES.get(value, value.replace("'", "’"))


def choices(values: Iterable[str]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a select field, e.g. ``choices(SERVICES)`` or ``choices(TYPOLOGIES)``."""
    if isinstance(values, Mapping):
        return [(str(code), str(text)) for code, text in values.items()]
    return [(value, label(value)) for value in values]


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")


def _clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def _fold(value: str) -> str:
    """Comparison key: no accents, no case, no punctuation or spaces."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_APOSTROPHES))
    return "".join(char for char in decomposed if char.isalnum()).casefold()


@functools.cache
def _choice_lookup(field: str) -> dict[str, str]:
    lookup = {_fold(value): value for value in ENUMS[field]}
    for alias, value in _ALIASES.get(field, {}).items():
        lookup[_fold(alias)] = value
    return lookup


def normalize_choice(field: str, value: str) -> str:
    """Map a spelling variant of an enum value to the value the schema regex accepts.

    Handles typographic apostrophes, non-breaking spaces, NFD accents, case, a missing accent
    ("Comprehension"), the description spellings ("Étapes numériques (La Poste)", the long
    ``modalites_accompagnement`` wordings). Unknown values are returned cleaned but unchanged, so that
    validation reports them.
    """
    if field not in ENUMS:
        return _clean_text(value)
    cleaned = _SPACES.sub(" ", _clean_text(value).translate(_APOSTROPHES))
    return _choice_lookup(field).get(_fold(cleaned), cleaned)


_PHONE_JUNK = re.compile(r"[\s.\-/()]")
# French overseas departments dial their own country code; the 10-digit national number keeps its prefix.
_OVERSEAS_PREFIXES: dict[str, str] = {
    "0590": "+590", "0690": "+590", "0691": "+590",  # Guadeloupe, Saint-Martin, Saint-Barthélemy
    "0594": "+594", "0694": "+594",  # Guyane
    "0596": "+596", "0696": "+596", "0697": "+596",  # Martinique
    "0262": "+262", "0263": "+262", "0692": "+262", "0693": "+262",  # La Réunion
    "0269": "+262", "0639": "+262",  # Mayotte (+262 in E.164; the schema's +269 is the Comoros)
}  # fmt: skip


def normalize_phone(value: str) -> str:
    """French phone number to the schema's format (``+33123456789``); other input returned stripped."""
    text = _clean_text(value)
    compact = _PHONE_JUNK.sub("", text.replace("(0)", ""))
    if compact.startswith("00") and compact[2:].isdigit():
        compact = "+" + compact[2:]
    if compact.startswith("+") and compact[1:].isdigit():
        return compact
    if len(compact) == 10 and compact.isdigit() and compact.startswith("0"):
        prefix = _OVERSEAS_PREFIXES.get(compact[:4], "+33")
        return prefix + compact[1:]
    return text
