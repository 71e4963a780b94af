"""Output of validated rows: CSV, JSON (and reading JSON back), and the recommended file name."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TextIO

from coopnum.core import spreadsheet

from .fields import FIELDS, NUMBER_FIELDS
from .rows import _format_number
from .validate import _NUMBER


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
    """JSON array of objects with the 32 keys in schema order (see the package docstring for the choices)."""
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


def export_filename(producer_siret: str | None, territory: str, on: date) -> str:
    """``YYYY-MM-DD_<SIRET|RNA>_lieux-de-mediation-numerique_<territoire>.csv`` (the recommended name); without a
    producer (``None`` or empty: the cooperative's SIRET is not set yet) the name leaves that part out rather than
    printing a fake identifier."""
    producer = re.sub(r"\s+", "", producer_siret or "")
    if producer and not re.fullmatch(r"\d{14}|W[0-9A-Z]{9}", producer, re.ASCII):
        raise ValueError(f"SIRET (14 chiffres) ou RNA (W + 9 caractères) attendu : {producer_siret!r}")
    slug = _slug(territory)
    if not slug:
        raise ValueError(f"nom de territoire vide : {territory!r}")
    middle = f"_{producer}" if producer else ""
    return f"{on.isoformat()}{middle}_lieux-de-mediation-numerique_{slug}.csv"
