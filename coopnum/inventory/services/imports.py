"""CSV import of assets: read the file (UTF-8 with or without BOM, or Windows-1252 as French Excel writes it;
``;`` or ``,`` between the columns), check every row (``preview``: the rows and their errors, nothing written),
then import all the rows or none (``import_rows``: one transaction, the caller commits).

The columns (the header names are matched without case nor accents; the export's headers are accepted too):

    etiquette*, categorie*, modele*, numero_serie, date_achat, prix, financement, lieu, kit, notes

``categorie``: the code (laptop, tablet…) or the French name (Tablette…); ``date_achat``: JJ/MM/AAAA or
AAAA-MM-JJ; ``prix``: euros (« 349,90 »); ``lieu``: the name of a place of the cooperative; ``kit``: a kit's code.
A ``statut`` column (in the export) is ignored: an imported asset is available."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from coopnum.core.errors import DomainError
from coopnum.core.money import parse_euros
from coopnum.core.validation import forbidden_chars
from coopnum.inventory.models import Asset, AssetCategory, Kit
from coopnum.inventory.services import assets as asset_services

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
# (key, header written in the template, aliases)
COLUMNS = [
    ("tag", "etiquette", ("etiquette", "tag", "n_inventaire", "numero_inventaire")),
    ("category", "categorie", ("categorie", "category", "type")),
    ("model", "modele", ("modele", "model", "designation")),
    ("serial", "numero_serie", ("numero_serie", "n_de_serie", "no_de_serie", "serie", "serial", "numero_de_serie")),
    ("purchase_date", "date_achat", ("date_achat", "date_d_achat", "achete_le", "purchase_date")),
    ("price", "prix", ("prix", "prix_eur", "prix_euros", "prix_ttc", "price")),
    ("funding", "financement", ("financement", "funding")),
    ("place", "lieu", ("lieu", "place", "lieu_de_rattachement")),
    ("kit", "kit", ("kit", "code_kit")),
    ("notes", "notes", ("notes", "remarques", "commentaire")),
]
IGNORED = {"statut", "status", "etat"}
REQUIRED = ("tag", "category", "model")
TEMPLATE_EXAMPLE = ["TAB-0101", "Tablette", "Samsung Galaxy Tab A9+", "R9XW30ABCDE", "15/03/2024", "229,00",
                    "Conseil départemental", "", "", "Housse et chargeur"]

# French names of the categories (and a few usual words), without accents, lower case.
CATEGORY_NAMES = {
    "laptop": AssetCategory.LAPTOP, "ordinateur portable": AssetCategory.LAPTOP, "ordinateur": AssetCategory.LAPTOP,
    "portable": AssetCategory.LAPTOP, "pc portable": AssetCategory.LAPTOP,
    "tablet": AssetCategory.TABLET, "tablette": AssetCategory.TABLET,
    "smartphone": AssetCategory.SMARTPHONE, "telephone": AssetCategory.SMARTPHONE,
    "hotspot": AssetCategory.HOTSPOT, "routeur 4g": AssetCategory.HOTSPOT, "routeur": AssetCategory.HOTSPOT,
    "point d'acces 4g": AssetCategory.HOTSPOT, "borne 4g": AssetCategory.HOTSPOT,
    "projector": AssetCategory.PROJECTOR, "videoprojecteur": AssetCategory.PROJECTOR,
    "projecteur": AssetCategory.PROJECTOR,
    "accessory": AssetCategory.ACCESSORY, "accessoire": AssetCategory.ACCESSORY,
}


@dataclass
class Row:
    line: int  # the line of the file (the header is line 1)
    raw: dict[str, str]
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[Row]
    errors: list[str]  # about the whole file (encoding, header, size)
    columns: list[str]  # the keys found in the header, in the file's order

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for r in self.rows if r.errors)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", _plain(text.replace("\ufeff", ""))).strip("_")


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (a BOM dropped), else Windows-1252 (French Excel's « CSV »)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def _parse_date(text: str) -> date:
    text = text.strip()
    for pattern, order in ((r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", "dmy"), (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd")):
        m = re.fullmatch(pattern, text)
        if m:
            a, b, c = (int(x) for x in m.groups())
            try:
                return date(c, b, a) if order == "dmy" else date(a, b, c)
            except ValueError:
                break
    raise ValueError(f"date d'achat invalide « {text} » (JJ/MM/AAAA)")


def preview(session: Session, text: str, *, now: datetime) -> Preview:
    """Every row of the file with its errors; nothing is written."""
    if len(text.encode("utf-8")) > MAX_BYTES * 2:
        return Preview([], ["Fichier trop volumineux (1 Mo au plus)."], [])
    text = text.lstrip("\ufeff")
    if not text.strip():
        return Preview([], ["Le fichier est vide."], [])
    first = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    try:
        lines = list(reader)
    except csv.Error as exc:
        return Preview([], [f"Fichier CSV illisible : {exc}."], [])
    header = [_header_key(h) for h in lines[0]]
    keys: list[str | None] = []
    errors: list[str] = []
    for name, original in zip(header, lines[0], strict=True):
        key = next((k for k, _t, aliases in COLUMNS if name in aliases), None)
        if key is None and name and name not in IGNORED:
            errors.append(f"Colonne inconnue : « {original.strip()[:60]} ».")
        if key is not None and key in keys:
            errors.append(f"Colonne en double : « {original.strip()[:60]} ».")
        keys.append(key)
    missing = [t for k, t, _a in COLUMNS if k in REQUIRED and k not in keys]
    if missing:
        errors.append("Colonnes obligatoires absentes : " + ", ".join(missing) + ".")
    body = [(n, cells) for n, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]
    if len(body) > MAX_ROWS:
        errors.append(f"Trop de lignes ({len(body)}) : {MAX_ROWS} au plus par import.")
        body = body[:MAX_ROWS]
    if errors:
        return Preview([], errors, [k for k in keys if k])
    rows = [Row(line=n, raw={k: (cells[i].strip() if i < len(cells) else "") for i, k in enumerate(keys) if k})
            for n, cells in body]
    _check(session, rows, now)
    if not rows:
        errors.append("Le fichier ne contient aucune ligne de matériel.")
    return Preview(rows, errors, [k for k in keys if k])


def _check(session: Session, rows: list[Row], now: datetime) -> None:
    from coopnum.organisations.models import Place

    places: dict[str, list[int]] = {}
    for pid, name in session.execute(select(Place.id, Place.name)).all():
        places.setdefault(_plain(name), []).append(pid)
    kits = {code.upper(): (kid, active) for kid, code, active in session.execute(
        select(Kit.id, Kit.code, Kit.active)).all()}
    tags = [asset_services.normalize_tag(r.raw.get("tag", "")) for r in rows]
    taken = set()
    if tags:
        for chunk in range(0, len(tags), 500):
            taken.update(session.execute(select(func.upper(Asset.tag)).where(
                func.upper(Asset.tag).in_(tags[chunk:chunk + 500]))).scalars())
    seen: dict[str, int] = {}
    for row, tag in zip(rows, tags, strict=True):
        for key, text in row.raw.items():
            if forbidden_chars(text, multiline=key == "notes"):
                row.errors.append(f"{key} : caractères de contrôle ou invisibles non autorisés")
                row.raw[key] = ""
        _check_tag(row, tag, taken, seen)
        _check_texts(row)
        _check_purchase(row, now)
        _check_place_and_kit(row, places, kits)


def _check_tag(row: Row, tag: str, taken: set, seen: dict[str, int]) -> None:
    """The tag: present, well formed, new to the inventory and to the file."""
    errors = row.errors
    if not tag:
        errors.append("étiquette manquante")
    elif not asset_services.TAG_PATTERN.match(tag):
        errors.append(f"étiquette « {tag[:40]} » invalide (lettres sans accent, chiffres, points, tirets)")
    elif tag in taken:
        errors.append(f"l'étiquette {tag} existe déjà dans l'inventaire")
    elif tag in seen:
        errors.append(f"étiquette {tag} en double dans le fichier (ligne {seen[tag]})")
    else:
        seen[tag] = row.line
    row.values["tag"] = tag


def _check_texts(row: Row) -> None:
    """The category (a known one), the model (required) and the free texts (within their lengths)."""
    raw, values, errors = row.raw, row.values, row.errors
    category = raw.get("category", "")
    found = CATEGORY_NAMES.get(_plain(category))
    if found is None:
        errors.append(f"catégorie inconnue « {category[:40]} »" if category else "catégorie manquante")
    values["category"] = found
    values["model"] = raw.get("model", "")
    if not values["model"]:
        errors.append("modèle manquant")
    for key, limit, label in (("model", 200, "modèle"), ("serial", 100, "numéro de série"),
                              ("funding", 200, "financement"), ("notes", 5000, "notes")):
        if len(raw.get(key, "")) > limit:
            errors.append(f"{label} trop long ({limit} caractères au plus)")
    values["serial"] = raw.get("serial", "")
    values["funding"] = raw.get("funding", "")
    values["notes"] = raw.get("notes", "")


def _check_purchase(row: Row, now: datetime) -> None:
    """The purchase date (not in the future) and price, both optional."""
    raw, values, errors = row.raw, row.values, row.errors
    values["purchase_date"] = None
    if raw.get("purchase_date"):
        try:
            day = _parse_date(raw["purchase_date"])
            asset_services._purchase_date(day, now)
            values["purchase_date"] = day
        except ValueError as exc:
            errors.append(str(exc))
        except DomainError as exc:
            errors.append(exc.message[0].lower() + exc.message[1:].rstrip("."))
    values["purchase_price_cents"] = None
    if raw.get("price"):
        try:
            values["purchase_price_cents"] = asset_services._price(parse_euros(raw["price"]))
        except ValueError:
            errors.append(f"prix invalide « {raw['price'][:20]} » (par exemple 349,90)")
        except DomainError as exc:
            errors.append(exc.message[0].lower() + exc.message[1:].rstrip("."))


def _check_place_and_kit(row: Row, places: dict[str, list[int]], kits: dict) -> None:
    """The home place (one place of that name) and the kit (an active one), both optional."""
    raw, values, errors = row.raw, row.values, row.errors
    values["place_id"] = None
    if raw.get("place"):
        matches = places.get(_plain(raw["place"]), [])
        if not matches:
            errors.append(f"lieu inconnu « {raw['place'][:60]} »")
        elif len(matches) > 1:
            errors.append(f"plusieurs lieux s'appellent « {raw['place'][:60]} »")
        else:
            values["place_id"] = matches[0]
    values["kit_id"] = None
    if raw.get("kit"):
        kit = kits.get(raw["kit"].strip().upper())
        if kit is None:
            errors.append(f"kit inconnu « {raw['kit'][:40]} »")
        elif not kit[1]:
            errors.append(f"le kit {raw['kit'].strip().upper()} est désactivé")
        else:
            values["kit_id"] = kit[0]


def import_rows(session: Session, actor, text: str, *, now: datetime) -> list[Asset]:
    """Create every asset of the file, or raise (nothing is written: the caller rolls back) when any row is wrong,
    the database having changed since the preview included."""
    checked = preview(session, text, now=now)
    if not checked.ok:
        problems = checked.errors + [f"ligne {r.line} : {', '.join(r.errors)}" for r in checked.rows if r.errors]
        raise DomainError("Import refusé, rien n'a été importé : " + " ; ".join(problems[:10])
                          + (" ; …" if len(problems) > 10 else ""), details={"problems": problems})
    created = []
    for row in checked.rows:
        try:
            created.append(asset_services.create_asset(session, actor, now=now, **row.values))
        except DomainError as exc:
            raise type(exc)(f"Ligne {row.line} : {exc.message} Rien n'a été importé.", field=exc.field) from exc
    return created


def template_csv() -> bytes:
    """The template offered for download: the header and one example row, UTF-8 with a BOM, « ; »."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([t for _k, t, _a in COLUMNS])
    writer.writerow(TEMPLATE_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
