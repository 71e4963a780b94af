"""Tables of the missions domain: missions, sessions, assignments, absences and calendar feeds."""

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Optional

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, Relationship

from coopnum.core import clock
from coopnum.core.db import UTCDateTime, fk
from coopnum.core.models import IdMixin, TimestampMixin, User
from coopnum.organisations.models import Convention, Organisation, Place, Service


class MissionKind(StrEnum):
    PERMANENCE = "permanence"
    WORKSHOP_SERIES = "workshop_series"
    EVENT = "event"
    CNFS_HOSTING = "cnfs_hosting"


class MissionStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Mission(IdMixin, TimestampMixin, table=True):
    """The work under a convention at a place, with a recurrence rule (RFC 5545) generating its sessions."""

    __tablename__ = "missions"

    convention_id: int = Field(
        sa_column=fk("conventions.id", "RESTRICT", nullable=False)
    )
    place_id: int = Field(
        sa_column=fk("places.id", "RESTRICT", nullable=False)
    )
    service_id: int | None = Field(
        default=None, sa_column=fk("services.id", "SET NULL")
    )
    kind: str = Field(default=MissionKind.PERMANENCE, max_length=20)
    title: str = Field(max_length=200)
    rrule: str = Field(default="", max_length=300)  # empty: a single session on first_date
    first_date: date
    until_date: date | None = Field(default=None)  # default: the convention's end
    start_time: time
    end_time: time
    exclude_holidays: bool = Field(default=True)
    holiday_subdiv: str | None = Field(default=None, max_length=5)  # e.g. "57" (Moselle) adds local holidays
    exdates: list[str] = Field(default_factory=list, sa_type=JSON)  # ISO dates skipped by the rule
    mediators_needed: int = Field(default=1)
    status: str = Field(default=MissionStatus.ACTIVE, max_length=20, index=True)
    notes: str = Field(default="")

    convention: Optional["Convention"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    place: Optional["Place"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    service: Optional["Service"] = Relationship()
    default_mediators: list["MissionMediator"] = Relationship(
        back_populates="mission", sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )


class MissionMediator(IdMixin, table=True):
    """A mediator assigned by default to the sessions a mission generates."""

    __tablename__ = "mission_mediators"
    __table_args__ = (UniqueConstraint("mission_id", "user_id"),)

    mission_id: int = Field(
        sa_column=fk("missions.id", "CASCADE", nullable=False)
    )
    user_id: int = Field(
        sa_column=fk("users.id", "CASCADE", nullable=False)
    )

    mission: Optional["Mission"] = Relationship(back_populates="default_mediators")


class SessionStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    HELD = "held"  # confirmed as having taken place (hours logged)
    NOT_HELD = "not_held"  # did not take place, with a reason


class NotHeldReason(StrEnum):
    NO_PUBLIC = "no_public"  # nobody came
    MEDIATOR_ABSENT = "mediator_absent"
    PLACE_CLOSED = "place_closed"
    CANCELLED_BY_CLIENT = "cancelled_by_client"
    OTHER = "other"


MAX_SESSION_DURATION = timedelta(hours=14)  # a session never lasts longer (planning refuses it)


class MissionSession(IdMixin, TimestampMixin, table=True):
    """One occurrence of a mission (séance / créneau), with its times and mediators."""

    __tablename__ = "sessions"
    # (status, start): the sessions still to confirm (planned, started) are a handful among years of held ones; by
    # the start alone, a mediator's dashboard read every past session to find them (36 ms on five years, growing)
    __table_args__ = (Index("ix_sessions_mission_id_start", "mission_id", "start"),
                      Index("ix_sessions_status_start", "status", "start"))

    mission_id: int = Field(
        sa_column=fk("missions.id", "RESTRICT", nullable=False, index=False)
    )
    start: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    end: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    original_start: datetime | None = Field(default=None, sa_type=UTCDateTime)  # where the rule put it, if moved
    status: str = Field(default=SessionStatus.PLANNED, max_length=20)
    cancel_reason: str = Field(default="", max_length=300)  # why cancelled, or why it did not take place
    not_held_reason: str | None = Field(default=None, max_length=20)  # NotHeldReason, when status is not_held
    held_minutes: int | None = Field(default=None)  # actual duration delivered, confirmed by a mediator
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )
    manual: bool = Field(default=False)  # added, moved or edited by hand: kept as is when the rule changes
    sequence: int = Field(default=0)  # iCalendar SEQUENCE, increased at every change
    notes: str = Field(default="")

    mission: Optional["Mission"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    assignments: list["Assignment"] = Relationship(
        back_populates="session",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin", "order_by": "Assignment.id"},
    )

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def delivered_minutes(self) -> int:
        """Minutes delivered to the client: the confirmed duration of a held session, else 0."""
        if self.status != SessionStatus.HELD:
            return 0
        return self.held_minutes if self.held_minutes is not None else self.duration_minutes


class Assignment(IdMixin, table=True):
    """A mediator on a session (affectation)."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    session_id: int = Field(
        sa_column=fk("sessions.id", "CASCADE", nullable=False)
    )
    user_id: int = Field(
        sa_column=fk("users.id", "RESTRICT", nullable=False)
    )
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )

    session: Optional["MissionSession"] = Relationship(back_populates="assignments")
    user: Optional["User"] = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "foreign_keys": "[Assignment.user_id]"}
    )


def planned_minutes_sql(session):
    """SQL: a session's planned duration in minutes (end − start), a float, on either database. PostgreSQL's
    ``EXTRACT`` returns a numeric, three times slower to sum over the sessions of a year than the double of
    ``date_part``; the durations are whole minutes, exact in both."""
    from sqlalchemy import func

    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(MissionSession.end) - func.julianday(MissionSession.start)) * 1440
    return func.date_part("epoch", MissionSession.end - MissionSession.start) / 60


def assigned_to(user_id: int):
    """The condition « the session has ``user_id`` among its mediators », as a correlated EXISTS: a query bounded in
    time (a week, a month) probes the (session, user) unique index for each of its sessions, where ``IN (every
    session the mediator was ever assigned to)`` read the mediator's whole history first."""
    from sqlalchemy import exists

    return exists().where(Assignment.session_id == MissionSession.id, Assignment.user_id == user_id)


class AbsenceKind(StrEnum):
    LEAVE = "leave"
    TRAINING = "training"
    SICKNESS = "sickness"
    OTHER = "other"


class Absence(IdMixin, TimestampMixin, table=True):
    """A period when a mediator cannot be assigned (leave, training, sickness)."""

    __tablename__ = "absences"

    user_id: int = Field(
        sa_column=fk("users.id", "CASCADE", nullable=False)
    )
    kind: str = Field(default=AbsenceKind.LEAVE, max_length=20)
    start: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    end: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    note: str = Field(default="", max_length=300)
    created_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )

    user: Optional["User"] = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "foreign_keys": "[Absence.user_id]"}
    )


class FeedKind(StrEnum):
    MEDIATOR = "mediator"
    PLACE = "place"
    ORGANISATION = "organisation"


class CalendarFeed(IdMixin, table=True):
    """A secret, revocable iCal URL for a mediator's, a place's or an organisation's sessions."""

    __tablename__ = "calendar_feeds"

    kind: str = Field(max_length=20)
    target_id: int = Field(index=True)
    token: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_accessed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RequestStatus(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    QUOTED = "quoted"
    PLANNED = "planned"
    DECLINED = "declined"


class ServiceRequest(IdMixin, TimestampMixin, table=True):
    """A request from an authority's contact for a service of the catalogue (what, where, when, audience)."""

    __tablename__ = "service_requests"

    organisation_id: int = Field(
        sa_column=fk("organisations.id", "CASCADE", nullable=False)
    )
    requested_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )
    service_id: int | None = Field(
        default=None, sa_column=fk("services.id", "SET NULL", index=False)
    )
    place_id: int | None = Field(
        default=None, sa_column=fk("places.id", "SET NULL", index=False)
    )
    place_text: str = Field(default="", max_length=300)  # where, when no known place fits
    wished_start: date | None = Field(default=None)
    wished_end: date | None = Field(default=None)
    schedule_note: str = Field(default="", max_length=300)  # e.g. "le mardi matin"
    audience: str = Field(default="", max_length=300)
    expected_participants: int | None = Field(default=None)
    description: str = Field(default="")
    status: str = Field(default=RequestStatus.NEW, max_length=20, index=True)
    answer: str = Field(default="")
    answered_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mission_id: int | None = Field(
        default=None, sa_column=fk("missions.id", "SET NULL", index=False)
    )
    quote_reference: str | None = Field(default=None, max_length=40)  # the quote answering it (billing)

    organisation: Optional["Organisation"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    service: Optional["Service"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    place: Optional["Place"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})
