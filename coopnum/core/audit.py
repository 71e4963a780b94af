"""The audit log: who did what to which record, when. Written in the same transaction as the change itself."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import defaultload, lazyload
from sqlmodel import Session

from coopnum.core import clock
from coopnum.core.models import AuditLog, User


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """The column values of a model instance, as JSON-ready values (for before/after records)."""
    if fields is None:
        fields = [c.key for c in obj.__table__.columns if c.key not in ("created_at", "updated_at")]
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Only the fields that changed: {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    session: Session,
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    summary: str = "",
    object_type: str | None = None,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> AuditLog:
    if obj is not None:
        session.flush()  # so a new object has its id
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    changes = None
    if before is not None or after is not None:
        changes = {"before": before, "after": after}
    entry = AuditLog(
        at=now or clock.now(),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else "système",
        action=action,
        object_type=object_type or "",
        object_id=str(object_id) if object_id is not None else None,
        summary=summary[:500],
        changes=changes,
        ip=ip,
    )
    session.add(entry)
    return entry


# --- reading the log: what a record's object is called, and where it is shown -------------------------------------

@dataclass(frozen=True)
class ObjectKind:
    """How the audit page names a kind of object: « Facture » and, when its row still exists, « Facture
    F2026-00108 » linked to its page."""
    type_label: Any  # a (lazy) string: « Facture »
    model: Any = None  # the table, to read the objects still there
    label: Callable[[Any], str] | None = None  # the object → « Facture F2026-00108 »
    url: Callable[[Any], str | None] | None = None  # the object → its page (called in a request)


_KINDS: dict[str, ObjectKind] = {}


def describe(type_name: str, type_label: Any, model: Any = None, label: Callable[[Any], str] | None = None,
             url: Callable[[Any], str | None] | None = None) -> None:
    """A domain says how its objects are named in the audit log (``object_type`` is the model's class name)."""
    _KINDS[type_name] = ObjectKind(type_label, model, label, url)


def type_label(type_name: str) -> str:
    kind = _KINDS.get(type_name)
    return str(kind.type_label) if kind else type_name


def _without_collections(model) -> list:
    """Loader options: an object with what a label reads (its joined many-to-ones), not its collections nor theirs
    (they would cost a query each)."""
    options = []
    for rel in inspect(model).relationships:
        if rel.uselist:
            options.append(lazyload(getattr(model, rel.key)))
        elif rel.lazy == "joined":
            options += [defaultload(getattr(model, rel.key)).lazyload(getattr(rel.mapper.class_, sub.key))
                        for sub in rel.mapper.relationships if sub.uselist]
    return options


def object_names(session: Session, entries) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(object_type, object_id) → (« Facture F2026-00108 », its URL or None) for the entries of a page: one query per
    kind of object; a deleted object or an undescribed kind is named by its kind and number."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        if e.object_id and str(e.object_id).isdigit() and (kind := _KINDS.get(e.object_type)) and kind.model:
            wanted.setdefault(e.object_type, set()).add(int(e.object_id))
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    for type_name, ids in wanted.items():
        kind = _KINDS[type_name]
        stmt = select(kind.model).where(kind.model.id.in_(ids)).options(*_without_collections(kind.model))
        for obj in session.execute(stmt).unique().scalars():
            text = kind.label(obj) if kind.label else f"{kind.type_label} n° {obj.id}"
            found[(type_name, str(obj.id))] = (text, kind.url(obj) if kind.url else None)
    names = {}
    for e in entries:
        key = (e.object_type, str(e.object_id) if e.object_id is not None else None)
        if key in found:
            names[key] = found[key]
        elif e.object_type:
            base = type_label(e.object_type)
            names[key] = (f"{base} n° {e.object_id}" if e.object_id else base, None)
    return names
