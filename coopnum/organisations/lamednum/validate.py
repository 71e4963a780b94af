"""Validation of export rows against the schema (and, with ``strict=True``, against what it only describes)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date

from stdnum.fr import siret

from coopnum.core import spreadsheet

from .fields import DATE_FIELDS, ENUMS, FIELDS, MULTI_SEPARATOR, MULTI_VALUED, NUMBER_FIELDS
from .opening_hours import validate_opening_hours
from .tableschema import _constraints, _pattern

_PATTERN_MESSAGES: dict[str, str] = {
    "pivot": "doit être un SIRET (14 chiffres), un numéro RNA ou un RIDET : 9 à 14 lettres ou chiffres, sans espace",
    "code_postal": "doit comporter 5 chiffres",
    "code_insee": "doit être un code INSEE de commune (5 caractères, par ex. 93048 ou 2A004)",
    "telephone": "doit contenir un seul numéro au format international, sans espace (par ex. +33123456789)",
}
_EMAIL = re.compile(r"[^@\s|]+@[^@\s|]+\.[^@\s|.]+")
_URL = re.compile(r"https?://[^\s|/]+\.[^\s|]+", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z0-9_]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", re.ASCII)
_RANGES: dict[str, tuple[int, int]] = {"latitude": (-90, 90), "longitude": (-180, 180)}


def _say(name: str, rule: str) -> str:
    return f"Le champ « {name} » {rule}."


def _enum_errors(name: str, value: str) -> list[str]:
    items = value.split(MULTI_SEPARATOR)
    unknown = [item for item in items if item and item not in ENUMS[name]]
    errors: list[str] = []
    if "" in items:
        errors.append(_say(name, "contient une valeur vide (séparateur « | » en trop)"))
    if unknown:
        quoted = ", ".join(f"« {item} »" for item in unknown)
        errors.append(_say(name, f"contient une valeur non autorisée : {quoted}"))
    pattern = _pattern(name)
    if not errors and pattern is not None and not pattern.fullmatch(value):
        errors.append(_say(name, "ne respecte pas le motif du schéma"))
    return errors


def _number_error(name: str, value: str) -> str | None:
    if not _NUMBER.fullmatch(value):
        return _say(name, "doit être un nombre avec un point décimal (par ex. 48.8616)")
    number = float(value)
    low, high = _RANGES.get(name, (-math.inf, math.inf))
    if not low <= number <= high:
        return _say(name, f"doit être compris entre {low} et {high} (coordonnées WGS84)")
    return None


def _date_error(name: str, value: str) -> str | None:
    if _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return None
    return _say(name, "doit être une date valide au format AAAA-MM-JJ (par ex. 2024-04-02)")


FORMULA_RULE = ("ne doit pas commencer par =, +, -, @ ni par une tabulation : un tableur ouvrant le fichier "
                "open data le prendrait pour une formule")


def _strict_errors(name: str, value: str) -> list[str]:
    """Checks beyond the schema, for forms: formats the schema only describes in prose, then no text a
    spreadsheet would run as a formula."""
    items = value.split(MULTI_SEPARATOR) if name in MULTI_VALUED else [value]
    errors = _format_errors(name, value, items)
    if not errors and any(spreadsheet.is_formula_like(item) for item in items):
        errors = [_say(name, FORMULA_RULE)]
    return errors


def _format_errors(name: str, value: str, items: list[str]) -> list[str]:
    if name == "horaires":
        message = validate_opening_hours(value)
        return [_say(name, f"n'est pas valide : {message}")] if message else []
    if name == "courriels":
        bad = [item for item in items if not _EMAIL.fullmatch(item)]
        return [_say(name, f"contient une adresse invalide : « {item} »") for item in bad]
    if name in {"site_web", "fiche_acces_libre", "prise_rdv"}:
        bad = [item for item in items if not _URL.fullmatch(item)]
        return [_say(name, f"doit contenir des adresses web en http ou https : « {item} »") for item in bad]
    if name == "typologie":
        bad = [item for item in items if not _CODE.fullmatch(item)]
        return [_say(name, f"contient un code de typologie invalide : « {item} »") for item in bad]
    if name == "pivot" and len(value) == 14 and value.isdigit():
        if not siret.is_valid(value):
            return [_say(name, "n'est pas un SIRET valide (clé de contrôle incorrecte)")]
    return []


def field_errors(row: Mapping[str, str | None], *, strict: bool = False) -> dict[str, list[str]]:
    """Errors per field name (for forms). See ``validate_row``."""
    constraints = _constraints()
    errors: dict[str, list[str]] = {}
    for name in sorted(set(row) - set(FIELDS)):
        errors.setdefault(name, []).append(f"Le champ « {name} » n'existe pas dans le schéma.")
    for name in FIELDS:
        value = row.get(name) or ""
        rules = constraints[name]
        found: list[str] = []
        if not value.strip():
            if rules.get("required"):
                found.append(_say(name, "est obligatoire"))
        elif name in ENUMS:
            found.extend(_enum_errors(name, value))
        else:
            pattern = _pattern(name)
            if pattern is not None and not pattern.fullmatch(value):
                found.append(_say(name, _PATTERN_MESSAGES.get(name, "ne respecte pas le format attendu")))
            max_length = rules.get("maxLength")
            if max_length is not None and len(value) > max_length:
                found.append(
                    _say(name, f"ne doit pas dépasser {max_length} caractères (actuellement {len(value)})")
                )
            if name in NUMBER_FIELDS and (message := _number_error(name, value)):
                found.append(message)
            if name in DATE_FIELDS and (message := _date_error(name, value)):
                found.append(message)
            if strict and not found:
                found.extend(_strict_errors(name, value))
        if found:
            errors[name] = found
    return errors


def validate_row(row: Mapping[str, str | None], *, strict: bool = False) -> list[str]:
    """French error messages for one row; an empty list means the row is valid.

    Checks the schema constraints: required fields (blank counts as missing), patterns (``pivot``,
    ``code_postal``, ``code_insee``, ``telephone``), enum regexes (each ``|``-separated value must be allowed),
    ``maxLength``, ``number`` (with the WGS84 ranges) and ``date`` (``YYYY-MM-DD``) types, and unknown columns.
    With ``strict=True`` it also checks what the schema only describes: OSM opening hours, e-mail addresses,
    HTTP and HTTPS URLs, typology codes and the SIRET check digit.
    """
    return [message for messages in field_errors(row, strict=strict).values() for message in messages]


def validate_rows(rows: Iterable[Mapping[str, str | None]], *, strict: bool = False) -> list[str]:
    """Errors of a whole export, prefixed with the line number (1 = first data row), plus ``id`` uniqueness."""
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        errors.extend(f"Ligne {number} : {message}" for message in validate_row(row, strict=strict))
        identifier = row.get("id") or ""
        if identifier in seen:
            errors.append(
                f"Ligne {number} : l'identifiant « {identifier} » est déjà utilisé ligne {seen[identifier]}."
            )
        elif identifier:
            seen[identifier] = number
    return errors
