"""Export of mediation places in the national open-data standard (LaMednum "lieux de médiation numérique").

Pure module: no Flask, no database. It knows the TableSchema v1.0.2 shipped in
``coopnum/missions/data/lamednum-lieux-schema.json`` (an unmodified copy of the upstream ``schema.json``).

Typical use::

    rows = [place_row({...}) for place in places]       # normalised strings, the 32 columns in order
    problems = validate_rows(rows)                        # French messages; empty list means valid
    write_csv(rows, fp)                                   # or to_csv(rows) / to_json(rows)

Choices worth knowing:

* Constants (``FIELDS``, ``REQUIRED``, the enumerations) are written out here so that importing the module reads
  no file; ``schema()`` loads the JSON lazily, once, and refuses to run if the file and the constants disagree.
  The validator always uses the regexes of the schema file itself.
* Enum values are exactly what the schema regexes accept, which is not always what the descriptions say:
  ``Compréhension`` with its accent, the ASCII apostrophe in ``Ce lieu n'accueille pas de public`` and
  ``Point d'accès numérique CAF``, the short ``modalites_accompagnement`` values, and
  ``Étapes numériques(La Poste)`` without the space (bug of v1.0.2). ``place_row`` maps the usual variants
  (typographic apostrophes, the description spellings, missing accents, NFD text) to those values, and
  ``label()`` gives the description's spelling for display.
* CSV: UTF-8 without BOM, ``,`` separator, ``"`` quoting only when needed, CRLF line ends (RFC 4180 and the
  Frictionless default dialect; open the file with ``newline=""``). No cell is a spreadsheet formula: the strict
  check (forms, API) refuses texts starting with ``= + - @`` or a tab, and ``write_csv`` puts an apostrophe before
  any such text saved earlier (``coopnum.core.spreadsheet``).
* JSON: an array of objects with the 32 keys in schema order. Empty cells are ``null`` (a TableSchema missing
  value, and what data.inclusion emits), ``latitude``/``longitude`` are JSON numbers (schema type ``number``, and
  how the cartographie nationale API types them), every other value is the same string as in the CSV, multiple
  values included (``"a|b"``), except the CSV's apostrophe before a formula-like text (JSON is no spreadsheet). ``from_json`` reads it back into CSV-style rows.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any, TextIO

from stdnum.fr import siret

from coopnum.core import spreadsheet

__all__ = [
    "DISPOSITIFS",
    "ENUMS",
    "FIELDS",
    "FORMATIONS_LABELS",
    "FRAIS",
    "ITINERANCE",
    "MODALITES_ACCES",
    "MODALITES_ACCOMPAGNEMENT",
    "MULTI_VALUED",
    "PRISE_EN_CHARGE",
    "PUBLICS",
    "REQUIRED",
    "SCHEMA_VERSION",
    "SERVICES",
    "TYPOLOGIES",
    "OpeningHoursError",
    "choices",
    "describe_opening_hours",
    "enum_values_from_pattern",
    "export_filename",
    "field_errors",
    "from_json",
    "label",
    "normalize_choice",
    "normalize_phone",
    "parse_opening_hours",
    "place_row",
    "schema",
    "to_csv",
    "to_json",
    "validate_opening_hours",
    "validate_row",
    "validate_rows",
    "write_csv",
]

SCHEMA_VERSION = "v1.0.2"
SCHEMA_RESOURCE = "lamednum-lieux-schema.json"
MULTI_SEPARATOR = "|"

FIELDS: list[str] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
]

REQUIRED: tuple[str, ...] = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")

NUMBER_FIELDS: tuple[str, ...] = ("latitude", "longitude")
DATE_FIELDS: tuple[str, ...] = ("date_maj",)

# --- Enumerations: exactly the alternatives of the schema regexes (see test_opendata for the cross-check). ---

SERVICES: tuple[str, ...] = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)
PUBLICS: tuple[str, ...] = ("Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes")
PRISE_EN_CHARGE: tuple[str, ...] = (
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
)
FRAIS: tuple[str, ...] = ("Gratuit", "Gratuit sous condition", "Payant")
DISPOSITIFS: tuple[str, ...] = (
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
)
FORMATIONS_LABELS: tuple[str, ...] = (
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques(La Poste)",  # sic: the v1.0.2 regex has no space before "(" (the description has one)
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
)
MODALITES_ACCES: tuple[str, ...] = (
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",  # ASCII apostrophe, as in the regex
    "Envoyer un mail avec une fiche de prescription",
)
MODALITES_ACCOMPAGNEMENT: tuple[str, ...] = (
    "En autonomie",
    "Accompagnement individuel",
    "Dans un atelier collectif",
    "À distance",
)
ITINERANCE: tuple[str, ...] = ("Itinérant", "Fixe")

ENUMS: dict[str, tuple[str, ...]] = {
    "itinerance": ITINERANCE,
    "services": SERVICES,
    "publics_specifiquement_adresses": PUBLICS,
    "prise_en_charge_specifique": PRISE_EN_CHARGE,
    "frais_a_charge": FRAIS,
    "dispositif_programmes_nationaux": DISPOSITIFS,
    "formations_labels": FORMATIONS_LABELS,
    "modalites_acces": MODALITES_ACCES,
    "modalites_accompagnement": MODALITES_ACCOMPAGNEMENT,
}

# Fields whose cell may hold several values joined by "|".
MULTI_VALUED: frozenset[str] = frozenset({*ENUMS, "typologie", "courriels", "site_web"})

# Display labels where the export value is not the best French spelling for a form or a page.
_DISPLAY_OVERRIDES: dict[str, str] = {
    "Étapes numériques(La Poste)": "Étapes numériques (La Poste)",
}

# Other spellings seen in the wild (schema descriptions, older tools, our own domain notes) → export value.
_ALIASES: dict[str, dict[str, str]] = {
    "services": {
        "Compréhension et usage critique du numérique": "Compréhension du monde numérique",
    },
    "modalites_accompagnement": {
        "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique": "Dans un atelier collectif",
        "À distance (par téléphone ou en visioconférence)": "À distance",
    },
}

# Structure typologies: a common subset of the data.inclusion "typologies de structure" vocabulary.
# The schema puts no constraint on this column; codes outside this subset remain valid.
TYPOLOGIES: dict[str, str] = {
    "ACI": "Structure porteuse d’ateliers et chantiers d’insertion (ACI)",
    "ASSO": "Association",
    "BIB": "Bibliothèque / Médiathèque",
    "CAF": "Caisse d’allocations familiales (CAF)",
    "CC": "Communauté de communes",
    "CCAS": "Centre communal d’action sociale (CCAS)",
    "CD": "Conseil départemental",
    "CIAS": "Centre intercommunal d’action sociale (CIAS)",
    "CPAM": "Caisse primaire d’assurance maladie (CPAM)",
    "CS": "Centre social",
    "CSC": "Centre socioculturel",
    "DEPT": "Services sociaux du Conseil départemental",
    "E2C": "École de la deuxième chance (E2C)",
    "EPCI": "Intercommunalité (EPCI)",
    "EPN": "Espace public numérique (EPN)",
    "EVS": "Espace de vie sociale (EVS)",
    "FABLAB": "Fablab / Atelier partagé",
    "FT": "France Travail",
    "LA_POSTE": "Bureau de poste / Agence postale",
    "MDS": "Maison départementale des solidarités",
    "MJC": "Maison des jeunes et de la culture (MJC)",
    "ML": "Mission locale",
    "MQ": "Maison de quartier",
    "MSA": "Mutualité sociale agricole (MSA)",
    "MUNI": "Mairie / Municipalité",
    "OF": "Organisme de formation",
    "PIJ_BIJ": "Point ou bureau information jeunesse (PIJ/BIJ)",
    "PIMMS": "Point information médiation multi-services (PIMMS)",
    "PREF": "Préfecture, sous-préfecture",
    "REG": "Région",
    "RESSOURCERIE": "Ressourcerie",
    "RFS": "France Services",
    "TIERS_LIEUX": "Tiers-lieu & coworking",
    "Autre": "Autre",
}


# --------------------------------------------------------------------------------------------------------------
# Schema loading
# --------------------------------------------------------------------------------------------------------------


@functools.cache
def schema() -> dict[str, Any]:
    """The TableSchema, read once from the package data. Fails if it disagrees with the constants above."""
    text = resources.files("coopnum.organisations").joinpath("data", SCHEMA_RESOURCE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    names = [field["name"] for field in loaded["fields"]]
    if names != FIELDS:
        raise RuntimeError(f"{SCHEMA_RESOURCE} ne correspond plus à FIELDS : {names}")
    for name, values in ENUMS.items():
        pattern = _field(loaded, name)["constraints"]["pattern"]
        if enum_values_from_pattern(pattern) != values:
            raise RuntimeError(f"{SCHEMA_RESOURCE} : les valeurs de « {name} » ne correspondent plus.")
    return loaded


def __getattr__(name: str) -> Any:
    # ``lamednum.SCHEMA`` stays available as an attribute while the file is only read on first use.
    if name == "SCHEMA":
        return schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _field(loaded: Mapping[str, Any], name: str) -> dict[str, Any]:
    for field in loaded["fields"]:
        if field["name"] == name:
            return field
    raise KeyError(name)


@functools.cache
def _constraints() -> dict[str, dict[str, Any]]:
    return {field["name"]: dict(field.get("constraints", {})) for field in schema()["fields"]}


@functools.cache
def _pattern(name: str) -> re.Pattern[str] | None:
    pattern = _constraints()[name].get("pattern")
    # re.ASCII: "\d" must mean [0-9], as in the XML Schema / JavaScript flavours validators use.
    return re.compile(pattern, re.ASCII) if pattern else None


_ENUM_PATTERN = re.compile(r"\(\?:\(\?:\^\|\\\|\)\((?P<body>.*)\)\)\+\$", re.DOTALL)


def enum_values_from_pattern(pattern: str) -> tuple[str, ...]:
    """The literal alternatives of an enum regex of the form ``(?:(?:^|\\|)(v1|v2|…))+$``, unescaped."""
    match = _ENUM_PATTERN.fullmatch(pattern)
    if match is None:
        raise ValueError(f"motif d'énumération non reconnu : {pattern!r}")
    values: list[str] = []
    current: list[str] = []
    depth = 0
    chars = iter(match["body"])
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))  # an escaped character is a literal
        elif char == "(":
            depth += 1
            current.append(char)
        elif char == ")":
            depth -= 1
            current.append(char)
        elif char == "|" and depth == 0:
            values.append("".join(current))
            current = []
        else:
            current.append(char)
    values.append("".join(current))
    return tuple(values)


# --------------------------------------------------------------------------------------------------------------
# Labels and normalisation of choices
# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------
# Building rows
# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------------

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
        return [_say(name, f"doit contenir des adresses web en http(s) : « {item} »") for item in bad]
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
    http(s) URLs, typology codes and the SIRET check digit.
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


# --------------------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------------------


def write_csv(rows: Iterable[Mapping[str, str]], fp: TextIO) -> None:
    """Write the header (schema names, in order) and the rows. Open ``fp`` with ``newline=""``."""
    writer = csv.DictWriter(
        fp,
        fieldnames=FIELDS,
        delimiter=",",
        quotechar='"',
        quoting=csv.QUOTE_MINIMAL,
        lineterminator="\r\n",
        restval="",
        extrasaction="raise",
    )
    writer.writeheader()
    # A text that a spreadsheet would run (``=HYPERLINK(…)``, saved before the forms refused it) gets a leading
    # apostrophe; plain numbers (``-0.57``, ``+33…``) are kept. Still a valid row: those fields have no pattern.
    writer.writerows({name: spreadsheet.csv_cell(value) for name, value in row.items()} for row in rows)


def to_csv(rows: Iterable[Mapping[str, str]]) -> str:
    buffer = io.StringIO(newline="")
    write_csv(rows, buffer)
    return buffer.getvalue()


def _json_value(name: str, value: str) -> str | float | None:
    if value == "":
        return None
    if name in NUMBER_FIELDS:
        number = float(value) if _NUMBER.fullmatch(value) else math.nan
        if not math.isfinite(number):
            raise ValueError(
                f"« {name} » n'est pas un nombre : {value!r} (validez les lignes avant l'export)"
            )
        return number
    return value


def to_json(rows: Iterable[Mapping[str, str]], *, indent: int | None = None) -> str:
    """JSON array of objects with the 32 keys in schema order (see the module docstring for the choices)."""
    objects = [{name: _json_value(name, row.get(name, "")) for name in FIELDS} for row in rows]
    return json.dumps(objects, ensure_ascii=False, indent=indent)


def from_json(text: str) -> list[dict[str, str]]:
    """Inverse of ``to_json``: CSV-style rows (``null`` → ``""``, numbers formatted as ``place_row`` does)."""
    data = json.loads(text)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("un tableau JSON d'objets est attendu")
    rows: list[dict[str, str]] = []
    for item in data:
        unknown = sorted(set(item) - set(FIELDS))
        if unknown:
            raise ValueError(f"champs inconnus du schéma : {', '.join(unknown)}")
        row: dict[str, str] = {}
        for name in FIELDS:
            value = item.get(name)
            if value is None:
                row[name] = ""
            elif isinstance(value, bool):
                raise ValueError(f"valeur inattendue pour « {name} » : {value!r}")
            elif isinstance(value, int | float):
                row[name] = _format_number(value)
            else:
                row[name] = str(value)
        rows.append(row)
    return rows


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def export_filename(producer_siret: str, territory: str, on: date) -> str:
    """``YYYY-MM-DD_<SIRET|RNA>_lieux-de-mediation-numerique_<territoire>.csv`` (the recommended name)."""
    producer = re.sub(r"\s+", "", producer_siret)
    if not re.fullmatch(r"\d{14}|W[0-9A-Z]{9}", producer, re.ASCII):
        raise ValueError(f"SIRET (14 chiffres) ou RNA (W + 9 caractères) attendu : {producer_siret!r}")
    slug = _slug(territory)
    if not slug:
        raise ValueError(f"nom de territoire vide : {territory!r}")
    return f"{on.isoformat()}_{producer}_lieux-de-mediation-numerique_{slug}.csv"


# --------------------------------------------------------------------------------------------------------------
# OSM opening_hours (common subset)
# --------------------------------------------------------------------------------------------------------------

WEEKDAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAY_FR = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
_MONTH_FR = (
    "Janvier", "Février", "Mars", "Avril", "Mai", "Juin",
    "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre",
)  # fmt: skip
_HOLIDAYS_FR = {"PH": "Jours fériés", "SH": "Vacances scolaires"}
_EXAMPLE = "« Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 »"
_DASH = "\u2013"

_DAY_ITEM = re.compile(
    r"(?P<start>Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?P<end>Mo|Tu|We|Th|Fr|Sa|Su))?|(?P<holiday>PH|SH)"
)
_MONTH_ITEM = re.compile(r"(?P<start>[A-Z][a-z]{2})(?:-(?P<end>[A-Z][a-z]{2}))?")
_SPAN = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", re.ASCII)


class OpeningHoursError(ValueError):
    """An opening_hours value outside the supported subset; ``str(error)`` is a French message."""


@dataclass(frozen=True)
class DayRange:
    start: str  # "Mo"… or "PH"/"SH"
    end: str | None = None


@dataclass(frozen=True)
class OpeningRule:
    months: tuple[tuple[int, int], ...] = ()  # 1-based (start, end)
    days: tuple[DayRange, ...] = ()  # empty: every day
    spans: tuple[tuple[int, int], ...] = ()  # minutes since midnight, end exclusive, end ≤ 1440
    closed: bool = False
    always: bool = False  # "24/7"
    comment: str | None = None

    def weekdays(self) -> frozenset[int]:
        """Weekday indexes (0 = Monday) the rule applies to; all seven when it names no day."""
        if not self.days:
            return frozenset(range(7))
        result: set[int] = set()
        for item in self.days:
            if item.start in WEEKDAYS:
                first = WEEKDAYS.index(item.start)
                last = WEEKDAYS.index(item.end or item.start)
                result.update(day % 7 for day in range(first, first + (last - first) % 7 + 1))
        return frozenset(result)


def _split_rules(text: str) -> list[str]:
    rules: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            rules.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise OpeningHoursError("un commentaire entre guillemets n'est pas refermé.")
    rules.append("".join(current))
    return [rule.strip() for rule in rules if rule.strip()]


def _parse_months(token: str) -> tuple[tuple[int, int], ...]:
    result: list[tuple[int, int]] = []
    for item in token.split(","):
        match = _MONTH_ITEM.fullmatch(item)
        if match is None or match["start"] not in MONTHS or (match["end"] and match["end"] not in MONTHS):
            raise OpeningHoursError(f"« {item} » n'est pas un mois reconnu (Jan, Feb, … Dec).")
        start = MONTHS.index(match["start"]) + 1
        result.append((start, MONTHS.index(match["end"]) + 1 if match["end"] else start))
    return tuple(result)


def _parse_days(token: str) -> tuple[DayRange, ...]:
    result: list[DayRange] = []
    for item in token.split(","):
        match = _DAY_ITEM.fullmatch(item)
        if match is None:
            raise OpeningHoursError(
                f"« {item} » n'est pas un jour reconnu : utilisez Mo, Tu, We, Th, Fr, Sa, Su "
                f"(ou PH pour les jours fériés), par exemple {_EXAMPLE}."
            )
        result.append(
            DayRange(match["holiday"]) if match["holiday"] else DayRange(match["start"], match["end"])
        )
    return tuple(result)


def _parse_spans(token: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    for item in token.split(","):
        match = _SPAN.fullmatch(item)
        if match is None:
            raise OpeningHoursError(
                f"« {item} » n'est pas une plage horaire au format HH:MM-HH:MM (par ex. 09:00-12:00)."
            )
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        if start_h > 23 or start_m > 59:
            raise OpeningHoursError(f"« {item[:5]} » n'est pas une heure valide.")
        if end_h > 24 or end_m > 59 or (end_h == 24 and end_m):
            raise OpeningHoursError(f"« {item[6:]} » n'est pas une heure valide.")
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if end <= start:
            raise OpeningHoursError(f"« {item} » : l'heure de fin doit être après l'heure de début.")
        spans.append((start, end))
    ordered = sorted(spans)
    for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            raise OpeningHoursError(f"les plages horaires de « {token} » se chevauchent.")
    return tuple(spans)


def _parse_rule(rule: str) -> OpeningRule:
    comment: str | None = None
    if match := re.search(r'\s*"([^"]*)"$', rule):
        comment = match[1].strip() or None
        rule = rule[: match.start()]
    if '"' in rule:
        raise OpeningHoursError("un commentaire entre guillemets doit être placé en fin de règle.")
    tokens = re.sub(r"\s*([,-])\s*", r"\1", rule.strip()).split()
    if not tokens:
        if comment is None:
            raise OpeningHoursError("règle vide.")
        return OpeningRule(comment=comment)
    if tokens == ["24/7"]:
        return OpeningRule(always=True, comment=comment)
    months: tuple[tuple[int, int], ...] = ()
    days: tuple[DayRange, ...] = ()
    if tokens[0][:3] in MONTHS:
        months = _parse_months(tokens.pop(0))
    if tokens and not tokens[0][0].isdigit() and tokens[0] not in {"off", "closed", "24/7"}:
        days = _parse_days(tokens.pop(0))
    if not tokens:
        raise OpeningHoursError(
            f"précisez les horaires ou « off » après « {rule.strip()} », par exemple {_EXAMPLE}."
        )
    if len(tokens) > 1:
        raise OpeningHoursError(
            f"« {' '.join(tokens[1:])} » n'est pas compris ; exemple attendu : {_EXAMPLE}."
        )
    body = tokens[0]
    if body in {"off", "closed"}:
        return OpeningRule(months=months, days=days, closed=True, comment=comment)
    if body == "24/7":
        raise OpeningHoursError(
            "« 24/7 » s'emploie seul ; pour des jours précis, écrivez « Mo-Fr 00:00-24:00 »."
        )
    return OpeningRule(months=months, days=days, spans=_parse_spans(body), comment=comment)


def parse_opening_hours(text: str) -> list[OpeningRule]:
    """Parse the supported subset of OSM ``opening_hours``; raises ``OpeningHoursError``.

    Supported: ``24/7``; rules separated by ``;``, each made of an optional month selector (``Jul-Aug``), an
    optional weekday selector (``Mo-Fr``, ``Tu,Th``, ``Sa-Mo``, ``PH``, ``SH``), then ``HH:MM-HH:MM`` spans joined
    by ``,`` (end after start, up to ``24:00``, no overlap) or ``off``/``closed``, and an optional ``"comment"``.
    Not supported (rejected): ``||`` fallbacks, ``Mo[1]``, week numbers, dates, sunrise/sunset, ``+``.
    Two open rules with exactly the same days are rejected too: in OSM the second one replaces the first.
    """
    rules = [_parse_rule(rule) for rule in _split_rules(text.strip())]
    if not rules:
        raise OpeningHoursError("aucun horaire n'est indiqué.")
    seen: dict[tuple[tuple[tuple[int, int], ...], frozenset[int]], OpeningRule] = {}
    for rule in rules:
        key = (rule.months, rule.weekdays())
        if rule.spans and key[1] and key in seen:
            raise OpeningHoursError(
                "deux règles portent sur les mêmes jours et la seconde remplace la première : "
                "regroupez les plages, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »."
            )
        if rule.spans:
            seen[key] = rule
    return rules


def validate_opening_hours(text: str) -> str | None:
    """``None`` if ``text`` is empty or valid in the supported subset, else a French error message."""
    if not text or not text.strip():
        return None
    try:
        parse_opening_hours(text)
    except OpeningHoursError as error:
        message = str(error)
        return message[0].upper() + message[1:]
    return None


def _describe_days(days: Sequence[DayRange]) -> str:
    parts: list[str] = []
    for item in days:
        if item.start in _HOLIDAYS_FR:
            parts.append(_HOLIDAYS_FR[item.start])
        else:
            first = _WEEKDAY_FR[WEEKDAYS.index(item.start)]
            parts.append(f"{first}{_DASH}{_WEEKDAY_FR[WEEKDAYS.index(item.end)]}" if item.end else first)
    return ", ".join(parts)


def _describe_rule(rule: OpeningRule) -> str:
    if rule.always:
        text = "Ouvert 24 h/24, 7 j/7"
    elif not (rule.spans or rule.closed):
        text = ""  # comment only
    else:
        months = ", ".join(
            _MONTH_FR[start - 1] if start == end else f"{_MONTH_FR[start - 1]}{_DASH}{_MONTH_FR[end - 1]}"
            for start, end in rule.months
        )
        selector = ", ".join(part for part in (months, _describe_days(rule.days)) if part)
        if rule.closed:
            text = f"{selector} : fermé" if selector else "Fermé"
        else:
            times = ", ".join(
                f"{s // 60:02d}:{s % 60:02d}{_DASH}{e // 60:02d}:{e % 60:02d}" for s, e in rule.spans
            )
            text = f"{selector or 'Tous les jours'} {times}"
    if rule.comment:
        text = f"{text} ({rule.comment})" if text else rule.comment
    return text


def describe_opening_hours(text: str) -> str:
    """French rendering, e.g. ``Lundi–Vendredi 09:00–12:00, 14:00–17:00 ; Samedi 09:00–12:00``.

    Text that does not parse is returned unchanged (stripped), so a page can always show something.
    """
    if not text or not text.strip():
        return ""
    try:
        rules = parse_opening_hours(text)
    except OpeningHoursError:
        return text.strip()
    return " ; ".join(_describe_rule(rule) for rule in rules)
