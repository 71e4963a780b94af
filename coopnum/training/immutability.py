"""Signed attendance is never changed nor deleted, whatever the code path (a flush of an updated or deleted
``AttendanceSignature`` raises). Enforced for every session of the app by a ``before_flush`` hook (service, view,
API, shell), like the issued invoices of billing."""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession

from coopnum.core.errors import DomainError
from coopnum.training.models import AttendanceScan, AttendanceSignature


class ImmutableAttendanceError(DomainError):
    pass


def _changed(obj) -> bool:
    state = inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key in state.mapper.columns)


def _check(session, _flush_context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AttendanceSignature):
            raise ImmutableAttendanceError("Une signature d'émargement ne peut pas être supprimée.")
        if isinstance(obj, AttendanceScan):
            raise ImmutableAttendanceError("Le scan d'une feuille d'émargement ne peut pas être supprimé.")
    for obj in session.dirty:
        if isinstance(obj, AttendanceSignature) and _changed(obj):
            raise ImmutableAttendanceError("Une signature d'émargement ne peut pas être modifiée.")
        if isinstance(obj, AttendanceScan) and _changed(obj):
            raise ImmutableAttendanceError("Le scan d'une feuille d'émargement ne peut pas être modifié.")


def install() -> None:
    """Register the hook on every ORM session (idempotent)."""
    if not event.contains(OrmSession, "before_flush", _check):
        event.listen(OrmSession, "before_flush", _check)
