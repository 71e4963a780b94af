"""Export of mediation places in the national open-data standard (LaMednum "lieux de médiation numérique").

Pure package: no Flask, no database. It knows the TableSchema v1.0.2 shipped in
``coopnum/organisations/data/lamednum-lieux-schema.json`` (an unmodified copy of the upstream ``schema.json``).

Typical use::

    rows = [place_row({...}) for place in places]       # normalised strings, the 32 columns in order
    problems = validate_rows(rows)                        # French messages; empty list means valid
    write_csv(rows, fp)                                   # or to_csv(rows) / to_json(rows)

Choices worth knowing:

* Constants (``FIELDS``, ``REQUIRED``, the enumerations) are written out in ``fields`` so that importing the
  package reads no file; ``schema()`` loads the JSON lazily, once, and refuses to run if the file and the
  constants disagree.
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

The package is split along those parts: ``fields`` (the columns and vocabularies), ``tableschema`` (the JSON
file), ``normalize`` (labels, spelling variants, phone numbers), ``rows`` (``place_row``), ``validate``,
``export`` (CSV, JSON, file name) and ``opening_hours``; the public names are all importable from here.
"""

from __future__ import annotations

from typing import Any

from .export import export_filename, from_json, to_csv, to_json, write_csv
from .fields import (
    DISPOSITIFS,
    ENUMS,
    FIELDS,
    FORMATIONS_LABELS,
    FRAIS,
    ITINERANCE,
    MODALITES_ACCES,
    MODALITES_ACCOMPAGNEMENT,
    MULTI_VALUED,
    PRISE_EN_CHARGE,
    PUBLICS,
    REQUIRED,
    SCHEMA_VERSION,
    SERVICES,
    TYPOLOGIES,
)
from .normalize import choices, label, normalize_choice, normalize_phone
from .opening_hours import (
    OpeningHoursError,
    describe_opening_hours,
    parse_opening_hours,
    validate_opening_hours,
)
from .rows import place_row
from .tableschema import enum_values_from_pattern, schema
from .validate import field_errors, validate_row, validate_rows

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


def __getattr__(name: str) -> Any:
    # ``lamednum.SCHEMA`` stays available as an attribute while the file is only read on first use.
    if name == "SCHEMA":
        return schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
