"""The month lock of timesheets: once the coordinator validates a mediator's month, nothing dated in it (hours,
session confirmations, activity reports) changes until the coordinator reopens it.

Every service that writes hours or activities calls ``ensure_open(session, user_id, day)`` first."""

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import formats
from coopnum.core.clock import month_label, month_start
from coopnum.core.errors import DomainError
from coopnum.timesheets.models import Timesheet, TimesheetStatus


def is_locked(session: Session, user_id: int, day: date) -> bool:
    return session.execute(
        select(Timesheet.id).where(Timesheet.user_id == user_id, Timesheet.month == month_start(day),
                                   Timesheet.status == TimesheetStatus.VALIDATED)
    ).first() is not None


def locked_months(session: Session, user_id: int, months: list[date]) -> set[date]:
    """Of ``months`` (first days), those validated for this mediator — one query for a list page."""
    if not months:
        return set()
    return set(session.execute(
        select(Timesheet.month).where(Timesheet.user_id == user_id, Timesheet.month.in_(months),
                                      Timesheet.status == TimesheetStatus.VALIDATED)
    ).scalars())


def ensure_open(session: Session, user_id: int, day: date, *, field: str | None = "date") -> None:
    """Refuse a change dated in a validated month of this mediator."""
    if is_locked(session, user_id, day):
        raise DomainError(
            f"Le mois {formats.of(month_label(month_start(day)))} est validé et verrouillé : "
            "demandez à la coordination de le rouvrir pour le modifier.",
            field=field,
        )
