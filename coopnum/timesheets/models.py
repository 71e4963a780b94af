"""Tables of the timesheets domain: hours (time entries) and month timesheets."""

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, Relationship

from coopnum.core.db import UTCDateTime, fk
from coopnum.core.models import IdMixin, TimestampMixin, User


class TimeCategory(StrEnum):
    SESSION = "session"  # time spent on a planned session (linked to it)
    PREPARATION = "preparation"
    TRAVEL = "travel"
    MEETING = "meeting"
    TRAINING = "training"  # training given or received
    ADMIN = "admin"  # administrative work, reporting
    OTHER = "other"


EXTRA_CATEGORIES = tuple(c for c in TimeCategory if c is not TimeCategory.SESSION)


MAX_ENTRY_MINUTES = 16 * 60  # a day's entry longer than this is refused as absurd


class TimeEntry(IdMixin, TimestampMixin, table=True):
    """Time worked by a mediator on a day: on a session (one entry per session and mediator) or outside sessions
    (preparation, travel, meetings…)."""

    __tablename__ = "time_entries"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        Index("ix_time_entries_user_id_day", "user_id", "day"),
    )

    user_id: int = Field(sa_column=fk("users.id", "RESTRICT", nullable=False, index=False))
    day: date = Field(index=True)
    minutes: int
    category: str = Field(default=TimeCategory.SESSION, max_length=20)
    session_id: int | None = Field(
        default=None, sa_column=fk("sessions.id", "RESTRICT")
    )
    convention_id: int | None = Field(
        default=None, sa_column=fk("conventions.id", "SET NULL")
    )
    note: str = Field(default="", max_length=300)
    created_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )

    user: Optional["User"] = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "foreign_keys": "[TimeEntry.user_id]"}
    )


class TimesheetStatus(StrEnum):
    OPEN = "open"  # being filled by the mediator
    SUBMITTED = "submitted"  # sent to the coordinator for validation
    SENT_BACK = "sent_back"  # returned to the mediator with a comment
    VALIDATED = "validated"  # locked


class Timesheet(IdMixin, TimestampMixin, table=True):
    """A mediator's month (relevé d'heures). Created on first use; a validated month is locked."""

    __tablename__ = "timesheets"
    __table_args__ = (UniqueConstraint("user_id", "month"),)

    user_id: int = Field(sa_column=fk("users.id", "RESTRICT", nullable=False))
    month: date = Field(index=True)  # the first day of the month
    status: str = Field(default=TimesheetStatus.OPEN, max_length=20, index=True)
    comment: str = Field(default="")  # the coordinator's comment when sending back (or the reason of a reopening)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    validated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    validated_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )

    user: Optional["User"] = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "foreign_keys": "[Timesheet.user_id]"}
    )

    @property
    def locked(self) -> bool:
        return self.status == TimesheetStatus.VALIDATED
