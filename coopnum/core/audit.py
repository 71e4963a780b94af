"""The audit log: who did what to which record, when. Written in the same transaction as the change itself."""

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

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
