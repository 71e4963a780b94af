"""Services of the missions domain: places (lieux de médiation numérique) and their open-data export.

Values are keyed by the names of the national LaMednum schema (``nom``, ``adresse``, ``code_postal``…), in the
forms, the API and here; ``ATTRIBUTES`` maps the six names that differ to the ``Place`` columns. Every save builds
the export row of the place and validates it with ``lamednum.validate_row(strict=True)``: what the coordination
saves is what the open-data file publishes. Errors are raised as one DomainError whose ``details["fields"]``
holds the French messages per field (the view shows each next to its field, the API returns them)."""

import logging
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.core.validation import domain_text
from coopnum.organisations import lamednum
from coopnum.organisations.models import Organisation, Place

log = logging.getLogger(__name__)

# LaMednum name → Place attribute, where they differ.
ATTRIBUTES: dict[str, str] = {
    "nom": "name",
    "adresse": "address",
    "complement_adresse": "address_complement",
    "code_postal": "postal_code",
    "commune": "city",
    "code_insee": "insee_code",
}
# Computed at export time, never typed: the identifier, the producer and the date of the last change.
COMPUTED: tuple[str, ...] = ("id", "source", "date_maj")
# What a form or an API call may set, in schema order, then the two fields of our own.
EDITABLE: tuple[str, ...] = (*(f for f in lamednum.FIELDS if f not in COMPUTED), "organisation_id", "published")
LIST_FIELDS: frozenset[str] = frozenset(lamednum.MULTI_VALUED)
NULLABLE: frozenset[str] = frozenset({"pivot", "code_insee", "telephone", "fiche_acces_libre", "prise_rdv"})
NO_PIVOT = "00000000000000"  # what the schema documentation asks for when the structure has no SIRET/RNA
COORDINATE = Decimal("0.000001")  # Numeric(9, 6)


def attribute(name: str) -> str:
    return ATTRIBUTES.get(name, name)


def values_of(place: Place) -> dict[str, Any]:
    """The editable values of a place, keyed by LaMednum name (lists copied)."""
    values = {}
    for name in EDITABLE:
        value = getattr(place, attribute(name))
        values[name] = list(value or []) if name in LIST_FIELDS else value
    return values


def _max_length(name: str) -> int | None:
    column = Place.__table__.columns.get(attribute(name))
    return getattr(column.type, "length", None) if column is not None else None


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def export_id(place_id: int | None, source: str) -> str:
    """Stable identifier of a place in the export: ``coopnum-<slug of the cooperative's name>-<id>``."""
    return f"coopnum-{_slug(source) or 'instance'}-{place_id if place_id is not None else 'nouveau'}"


def effective_pivot(pivot: str | None, organisation: Organisation | None) -> str:
    """The place's own SIRET/RNA, else its organisation's SIRET (or RNA), else fourteen zeros."""
    if pivot:
        return pivot
    if organisation is not None and (organisation.siret or organisation.rna):
        return organisation.siret or organisation.rna
    return NO_PIVOT


# --- cleaning input -------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def _split(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        separators = r"[|\n;,]" if name in {"courriels", "site_web"} else r"[|\n]"
        parts = re.split(separators, value)
    else:
        parts = [str(item) for item in value if item is not None]
    items: list[str] = []
    for part in parts:
        item = lamednum.normalize_choice(name, part) if name in lamednum.ENUMS else _text(part)
        if name == "courriels":
            item = item.lower() if "@" in item else item
        if item and item not in items:
            items.append(item)
    return items


def _coordinate(name: str, value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise DomainError(f"Le champ « {name} » doit être un nombre.", field=name)
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, str):
            number = Decimal(value.strip().replace(",", "."))
        else:
            number = Decimal(repr(value))  # a float's shortest repr: 0.3472, not 0.34719999…
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(f"Le champ « {name} » doit être un nombre (par ex. 46.5802).", field=name) from exc
    if not number.is_finite():
        raise DomainError(f"Le champ « {name} » doit être un nombre (par ex. 46.5802).", field=name)
    low, high = (-90, 90) if name == "latitude" else (-180, 180)
    if not low <= number <= high:
        raise DomainError(f"Le champ « {name} » doit être compris entre {low} et {high} (coordonnées WGS84).",
                          field=name)
    return number.quantize(COORDINATE)


def clean(name: str, value: Any) -> Any:
    """One input value → what the Place column holds (lists, Decimal, None for empty nullable text…)."""
    if name in LIST_FIELDS:
        return _split(name, value)
    if name in ("latitude", "longitude"):
        return _coordinate(name, value)
    if name == "published":
        return bool(value)
    if name == "organisation_id":
        if value in (None, "", 0):
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise DomainError("Structure inconnue.", field="organisation_id") from exc
    text = domain_text(_text(value), field=name, label=f"« {name} »", multiline=True)
    if name == "telephone" and text:
        text = lamednum.normalize_phone(text)
    elif name == "pivot":
        text = re.sub(r"\s+", "", text).upper()
    elif name == "code_insee":
        text = text.replace(" ", "").upper()
    elif name == "code_postal":
        text = text.replace(" ", "")
    if name in NULLABLE and not text:
        return None
    return text


# --- validation -----------------------------------------------------------------------------------------------------

def export_values(state: Mapping[str, Any], *, place_id: int | None, organisation: Organisation | None,
                  source: str, updated: date | datetime) -> dict[str, Any]:
    """The values handed to ``lamednum.place_row`` (keyed by schema name) for a place in ``state``."""
    values = {name: state.get(name) for name in lamednum.FIELDS if name not in COMPUTED}
    values.update(
        id=export_id(place_id, source),
        pivot=effective_pivot(state.get("pivot"), organisation),
        source=source,
        date_maj=updated,
    )
    return values


def problems(state: Mapping[str, Any], *, place_id: int | None, organisation: Organisation | None,
             source: str, today: date) -> dict[str, list[str]]:
    """French messages per field: column lengths, coordinates given in pairs, then the strict schema check."""
    errors: dict[str, list[str]] = {}
    for name in EDITABLE:
        value = state.get(name)
        limit = _max_length(name)
        if limit and isinstance(value, str) and len(value) > limit:
            errors.setdefault(name, []).append(
                f"Le champ « {name} » ne doit pas dépasser {limit} caractères (actuellement {len(value)})."
            )
    if (state.get("latitude") is None) != (state.get("longitude") is None):
        missing = "longitude" if state.get("longitude") is None else "latitude"
        errors.setdefault(missing, []).append("Indiquez la latitude et la longitude, ou aucune des deux.")
    row = lamednum.place_row(export_values(state, place_id=place_id, organisation=organisation, source=source,
                                           updated=today))
    for name, messages in lamednum.field_errors(row, strict=True).items():
        for message in messages:
            if message not in errors.get(name, []):
                errors.setdefault(name, []).append(message)
    return errors


def _raise(errors: dict[str, list[str]]) -> None:
    if not errors:
        return
    first = next(iter(errors))
    messages = [message for found in errors.values() for message in found]
    raise DomainError(" ".join(messages), field=first,
                      details={"fields": {name: " ".join(found) for name, found in errors.items()}})


def _organisation(session: Session, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise DomainError("Structure inconnue.", field="organisation_id",
                          details={"fields": {"organisation_id": "Structure inconnue."}})
    return organisation


def _prepare(session: Session, current: dict[str, Any], changes: Mapping[str, Any], *, place_id: int | None,
             source: str, now: datetime) -> tuple[dict[str, Any], Organisation | None]:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise DomainError(f"Champs inconnus : {', '.join(unknown)}.", field=unknown[0],
                          details={"fields": {name: "Champ inconnu." for name in unknown}})
    state = dict(current)
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            state[name] = clean(name, value)
        except DomainError as exc:
            errors.setdefault(name, []).append(exc.message)
    _raise(errors)
    organisation = _organisation(session, state.get("organisation_id"))
    _raise(problems(state, place_id=place_id, organisation=organisation, source=source, today=now.date()))
    return state, organisation


def _apply(place: Place, state: Mapping[str, Any]) -> None:
    for name in EDITABLE:
        setattr(place, attribute(name), list(state[name]) if name in LIST_FIELDS else state[name])


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: str(value) if isinstance(value, Decimal) else value for name, value in values.items()}


def new_values() -> dict[str, Any]:
    """The values of an empty place (for a blank form)."""
    return values_of(Place(name="", address="", postal_code="", city=""))


def create_place(session: Session, actor: User | None, values: Mapping[str, Any], *, now: datetime,
                 source: str = "coopnum") -> Place:
    """Create a place; ``values`` keyed by LaMednum name (missing keys: empty). Raises DomainError."""
    state, _organisation = _prepare(session, new_values(), values, place_id=None, source=source, now=now)
    place = Place(name=state["nom"], address=state["adresse"], postal_code=state["code_postal"],
                  city=state["commune"], created_at=now, updated_at=now)
    _apply(place, state)
    session.add(place)
    audit.record(session, actor, "create", place, summary=f"Lieu créé : {place.name} ({place.city})",
                 after=_plain(values_of(place)), now=now)
    return place


def update_place(session: Session, actor: User | None, place: Place, values: Mapping[str, Any], *,
                 now: datetime, source: str = "coopnum") -> Place:
    """Change the fields given in ``values`` (a PATCH: absent keys keep their value). Raises DomainError."""
    before = values_of(place)
    state, _organisation = _prepare(session, before, values, place_id=place.id, source=source, now=now)
    changed = {name for name in EDITABLE if state[name] != before[name]}
    if not changed:
        return place
    _apply(place, state)
    place.updated_at = now
    audit.record(session, actor, "update", place, summary=f"Lieu modifié : {place.name}",
                 before=_plain({n: before[n] for n in sorted(changed)}),
                 after=_plain({n: state[n] for n in sorted(changed)}), now=now)
    return place


def archive_place(session: Session, actor: User | None, place: Place, *, now: datetime) -> Place:
    """Soft delete: the place leaves the lists and the open-data export; its missions keep it."""
    if not place.archived:
        place.archived = True
        place.updated_at = now
        audit.record(session, actor, "archive", place, summary=f"Lieu archivé : {place.name}", now=now)
    return place


def restore_place(session: Session, actor: User | None, place: Place, *, now: datetime) -> Place:
    if place.archived:
        place.archived = False
        place.updated_at = now
        audit.record(session, actor, "restore", place, summary=f"Lieu réactivé : {place.name}", now=now)
    return place


# --- queries --------------------------------------------------------------------------------------------------------

def search(*, q: str = "", organisation_id: int | None = None, commune: str = "", published: bool | None = None,
           archived: bool | None = False, only_organisation_id: int | None = None) -> Select:
    """The places matching the filters, their organisation loaded, by name. ``only_organisation_id`` restricts
    the result to one organisation (what an authority contact may see)."""
    stmt = select(Place).options(selectinload(Place.organisation)).order_by(Place.name, Place.id)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Place.name).like(like), func.lower(Place.city).like(like)))
    if organisation_id:
        stmt = stmt.where(Place.organisation_id == organisation_id)
    if only_organisation_id is not None:
        stmt = stmt.where(Place.organisation_id == only_organisation_id)
    if commune:
        stmt = stmt.where(func.lower(Place.city) == commune.strip().lower())
    if published is not None:
        stmt = stmt.where(Place.published.is_(published))
    if archived is not None:
        stmt = stmt.where(Place.archived.is_(archived))
    return stmt


def communes(session: Session, *, only_organisation_id: int | None = None) -> list[str]:
    stmt = select(Place.city).where(Place.archived.is_(False)).distinct().order_by(Place.city)
    if only_organisation_id is not None:
        stmt = stmt.where(Place.organisation_id == only_organisation_id)
    return list(session.execute(stmt).scalars())


# --- open data ------------------------------------------------------------------------------------------------------

def _default_source() -> str:
    from flask import current_app, has_app_context

    return current_app.config.get("COOPNUM_NAME", "coopnum") if has_app_context() else "coopnum"


def export_report(session: Session, *, source: str | None = None) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of the published, non-archived places (schema order, by id) and the problems of the rows left out.

    A row that does not pass ``validate_row`` (data saved before a rule existed, an organisation whose SIRET
    changed…) is left out of the file rather than publishing an invalid file; the problems say which and why."""
    source = source or _default_source()
    places = session.execute(
        select(Place).options(selectinload(Place.organisation))
        .where(Place.published.is_(True), Place.archived.is_(False)).order_by(Place.id)
    ).scalars().all()
    rows: list[dict[str, str]] = []
    left_out: list[str] = []
    for place in places:
        row = lamednum.place_row(export_values(values_of(place), place_id=place.id, organisation=place.organisation,
                                               source=source, updated=place.date_maj))
        errors = lamednum.validate_row(row)
        if errors:
            left_out.append(f"Lieu {place.id} « {place.name} » non exporté : {' '.join(errors)}")
            log.warning("place %s left out of the open-data export: %s", place.id, errors)
        else:
            rows.append(row)
    return rows, left_out


def export_rows(session: Session, *, source: str | None = None) -> list[dict[str, str]]:
    """The open-data rows (LaMednum schema, 32 columns in order) of all published, non-archived places."""
    return export_report(session, source=source)[0]


def last_modified(session: Session) -> datetime | None:
    """When the export last changed: the newest ``updated_at`` of all places (archiving or unpublishing a place
    changes the export too, so archived and unpublished places count)."""
    return session.execute(select(func.max(Place.updated_at))).scalar_one_or_none()
