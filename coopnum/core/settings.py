"""Settings changed from the UI, stored in the ``settings`` table, with defaults declared in code.

    get(session, "beneficiaries.retention_months")      # the stored value, or the declared default
    set_value(session, actor, "beneficiaries.retention_months", 24, now=now)   # audited

A setting must be declared in ``DEFAULTS`` (one place to see them all)."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core.errors import DomainError
from coopnum.core.models import Setting, User

DEFAULTS: dict[str, Any] = {
    # GDPR: a followed beneficiary without activity for this many months is erased (CNIL: keep no longer than needed).
    "beneficiaries.retention_months": 24,
}


def get(session: Session, key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(key)
    value = session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    return DEFAULTS[key] if value is None else value


def set_value(session: Session, actor: User | None, key: str, value: Any, *, now: datetime) -> None:
    if key not in DEFAULTS:
        raise DomainError(f"Paramètre inconnu : {key}")
    row = session.execute(select(Setting).where(Setting.key == key)).scalar_one_or_none()
    before = DEFAULTS[key] if row is None else row.value
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value, row.updated_at, row.updated_by_id = value, now, actor.id if actor else None
    audit.record(session, actor, "update", row, summary=f"Paramètre {key} : {before} → {value}",
                 before={"value": before}, after={"value": value}, now=now)
