"""Pooled equipment: assets and kits, reservations and loans (with the per-asset bookings that forbid double
booking), maintenance cases and audits.

Reservations (a future period) and loans (checkout → checkin) are different records; both book their assets
through ``AssetBooking`` rows, one per asset. Two active bookings of one asset never overlap:
- on PostgreSQL the database refuses it, with the exclusion constraint ``ex_asset_bookings_no_overlap``
  (``EXCLUDE USING gist (asset_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active)``, btree_gist);
- on SQLite the service checks in the same writing transaction (``BEGIN IMMEDIATE``: one writer at a time).
An open loan also holds its assets past its due date: ``uq_asset_bookings_open_loan`` allows one open loan booking
per asset (``open_loan`` is true from checkout to checkin)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import DDL, Column, Index, LargeBinary, Text, event, text
from sqlmodel import Field, Relationship

from coopnum.core import clock
from coopnum.core.db import UTCDateTime, fk
from coopnum.core.models import IdMixin, TimestampMixin

# --- assets and kits ------------------------------------------------------------------------------------------------

class AssetCategory(StrEnum):
    LAPTOP = "laptop"
    TABLET = "tablet"
    SMARTPHONE = "smartphone"
    HOTSPOT = "hotspot"  # 4G/5G hotspot (routeur mobile)
    PROJECTOR = "projector"
    ACCESSORY = "accessory"  # headsets, webcams, keyboards, chargers, cables, workshop kits' small items


class AssetStatus(StrEnum):
    AVAILABLE = "available"  # at home, may be reserved and lent
    DEPLOYED = "deployed"  # out on a loan
    MAINTENANCE = "maintenance"  # an open maintenance case
    LOST = "lost"
    RETIRED = "retired"  # sold, given away, recycled: kept for the history


# statuses in which an asset may be reserved (a reservation is for later: it may be out today) and lent
RESERVABLE = (AssetStatus.AVAILABLE, AssetStatus.DEPLOYED, AssetStatus.MAINTENANCE)
LENDABLE = (AssetStatus.AVAILABLE,)


class Condition(StrEnum):
    """The state of an asset noted at checkout and at return."""

    NEW = "new"
    GOOD = "good"
    WORN = "worn"  # usable, marks of use
    DAMAGED = "damaged"  # needs a repair: the return opens a maintenance case


class Kit(IdMixin, TimestampMixin, table=True):
    """Assets lent together (e.g. "Kit atelier tablettes n°1": 8 tablets, a hotspot, chargers). Reserving or lending
    a kit books each of its assets."""

    __tablename__ = "kits"

    code: str = Field(max_length=40, unique=True)  # printed on the case, e.g. "KIT-TAB-1"
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    place_id: int | None = Field(default=None, sa_column=fk("places.id", "SET NULL"))  # where the kit lives
    active: bool = Field(default=True)

    assets: list["Asset"] = Relationship(back_populates="kit", sa_relationship_kwargs={"order_by": "Asset.tag"})


class Asset(IdMixin, TimestampMixin, table=True):
    """A piece of pooled equipment, known by its tag (printed as a QR label)."""

    __tablename__ = "assets"

    tag: str = Field(max_length=40, unique=True)  # e.g. "TAB-0012"
    category: str = Field(max_length=20, index=True)  # AssetCategory
    model: str = Field(max_length=200)  # "Samsung Galaxy Tab A9+"
    serial: str = Field(default="", max_length=100)
    purchase_date: date | None = None
    purchase_price_cents: int | None = None  # incl. VAT, in cents
    funding: str = Field(default="", max_length=200)  # e.g. "France Relance 2021", "Don Emmaüs Connect"
    status: str = Field(default=AssetStatus.AVAILABLE, max_length=20, index=True)  # AssetStatus
    place_id: int | None = Field(default=None, sa_column=fk("places.id", "SET NULL"))  # home location
    kit_id: int | None = Field(default=None, sa_column=fk("kits.id", "SET NULL"))
    notes: str = Field(default="", sa_type=Text)
    retired_on: date | None = None
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    kit: Kit | None = Relationship(back_populates="assets")


class AssetPhoto(IdMixin, table=True):
    """The optional photo of an asset (re-encoded at upload: no EXIF, bounded size)."""

    __tablename__ = "asset_photos"

    asset_id: int = Field(sa_column=fk("assets.id", "CASCADE", nullable=False, index=False, unique=True))
    content_type: str = Field(max_length=50)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)


# --- reservations and loans -----------------------------------------------------------------------------------------

class ReservationStatus(StrEnum):
    ACTIVE = "active"  # holds its assets for the period
    CANCELLED = "cancelled"
    CONVERTED = "converted"  # turned into a loan (``loan_id``)


class Reservation(IdMixin, TimestampMixin, table=True):
    """Assets (or a kit) held for a period by a mediator, optionally for a session or a mission."""

    __tablename__ = "reservations"

    user_id: int = Field(sa_column=fk("users.id", "RESTRICT", nullable=False))  # the mediator it is for
    kit_id: int | None = Field(default=None, sa_column=fk("kits.id", "SET NULL"))
    session_id: int | None = Field(default=None, sa_column=fk("sessions.id", "SET NULL"))
    mission_id: int | None = Field(default=None, sa_column=fk("missions.id", "SET NULL"))
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    status: str = Field(default=ReservationStatus.ACTIVE, max_length=20, index=True)
    notes: str = Field(default="", max_length=500)
    loan_id: int | None = Field(default=None, sa_column=fk("loans.id", "SET NULL", index=False))
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    bookings: list["AssetBooking"] = Relationship(
        back_populates="reservation", sa_relationship_kwargs={"lazy": "selectin", "order_by": "AssetBooking.id"})


class LoanStatus(StrEnum):
    OPEN = "open"  # checked out, not yet returned
    RETURNED = "returned"
    LOST = "lost"  # declared lost while out: its assets are lost too


class BorrowerKind(StrEnum):
    MEDIATOR = "mediator"  # a user of the cooperative
    SESSION = "session"  # for a session (its mediators are responsible)
    MISSION = "mission"
    PERSON = "person"  # a person without an account (a beneficiary lent a tablet): name, phone, commune


class Loan(IdMixin, TimestampMixin, table=True):
    """Assets (or a kit) checked out until a due date, then checked in. The personal data of a borrower without an
    account is erased once the loan is closed and the retention setting has passed (``anonymised_at``)."""

    __tablename__ = "loans"
    # (status, due_at): the open loans past due among years of closed ones (the dashboard's figure read every past
    # due date through the due_at index)
    __table_args__ = (Index("ix_loans_status_due_at", "status", "due_at"),)

    borrower_kind: str = Field(max_length=20)  # BorrowerKind
    # the responsible user: the mediator borrower, or the mediator in charge (session, mission, person)
    user_id: int | None = Field(default=None, sa_column=fk("users.id", "RESTRICT"))
    session_id: int | None = Field(default=None, sa_column=fk("sessions.id", "SET NULL"))
    mission_id: int | None = Field(default=None, sa_column=fk("missions.id", "SET NULL"))
    borrower_name: str = Field(default="", max_length=200)
    borrower_phone: str = Field(default="", max_length=30)
    borrower_commune: str = Field(default="", max_length=120)
    kit_id: int | None = Field(default=None, sa_column=fk("kits.id", "SET NULL"))
    status: str = Field(default=LoanStatus.OPEN, max_length=20)
    checked_out_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    condition_out: str = Field(default=Condition.GOOD, max_length=20)
    condition_out_notes: str = Field(default="", max_length=500)
    condition_in: str | None = Field(default=None, max_length=20)
    condition_in_notes: str = Field(default="", max_length=500)
    signature_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # drawn by the borrower
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: str = Field(default="", max_length=500)
    reminders_sent: int = Field(default=0)
    last_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_out_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    checked_in_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    bookings: list["AssetBooking"] = Relationship(
        back_populates="loan", sa_relationship_kwargs={"lazy": "selectin", "order_by": "AssetBooking.id"})


class AssetBooking(IdMixin, table=True):
    """One asset held by a reservation or a loan for [starts_at, ends_at). Inactive rows are kept as history (a
    cancelled reservation, a returned loan whose ``ends_at`` is then the return time)."""

    __tablename__ = "asset_bookings"
    __table_args__ = (
        Index("ix_asset_bookings_asset_period", "asset_id", "starts_at", "ends_at"),
        Index("uq_asset_bookings_open_loan", "asset_id", unique=True,
              sqlite_where=text("open_loan"), postgresql_where=text("open_loan")),
    )

    asset_id: int = Field(sa_column=fk("assets.id", "RESTRICT", nullable=False, index=False))
    reservation_id: int | None = Field(default=None, sa_column=fk("reservations.id", "CASCADE"))
    loan_id: int | None = Field(default=None, sa_column=fk("loans.id", "CASCADE"))
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    active: bool = Field(default=True)
    open_loan: bool = Field(default=False)

    asset: Asset | None = Relationship(sa_relationship_kwargs={"lazy": "joined"})
    reservation: Reservation | None = Relationship(back_populates="bookings")
    loan: Loan | None = Relationship(back_populates="bookings")


# The overlap rule enforced by PostgreSQL itself (tests create the schema with create_all; the migration adds it too).
EXCLUSION_NAME = "ex_asset_bookings_no_overlap"
EXCLUSION_SQL = (f"ALTER TABLE asset_bookings ADD CONSTRAINT {EXCLUSION_NAME} EXCLUDE USING gist "
                 "(asset_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)")
event.listen(AssetBooking.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"))
event.listen(AssetBooking.__table__, "after_create", DDL(EXCLUSION_SQL).execute_if(dialect="postgresql"))


# --- maintenance and audits -----------------------------------------------------------------------------------------

class MaintenanceCase(IdMixin, TimestampMixin, table=True):
    """An issue of an asset and its repair. While a case is open the asset is "in maintenance" (not lendable)."""

    __tablename__ = "maintenance_cases"

    asset_id: int = Field(sa_column=fk("assets.id", "CASCADE", nullable=False))
    opened_on: date
    issue: str = Field(max_length=1000)
    repair: str = Field(default="", max_length=1000)  # what was done
    cost_cents: int | None = None
    supplier: str = Field(default="", max_length=200)
    closed_on: date | None = None
    loan_id: int | None = Field(default=None, sa_column=fk("loans.id", "SET NULL", index=False))  # damaged at return
    opened_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    closed_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    asset: Asset | None = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class Audit(IdMixin, table=True):
    """An inventory check of one location: assets are ticked or scanned "seen today"; at the end the assets
    expected there and not seen are listed as missing."""

    __tablename__ = "audits"

    place_id: int | None = Field(default=None, sa_column=fk("places.id", "SET NULL"))  # None: assets without home
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: str = Field(default="", max_length=1000)
    missing_count: int | None = None  # frozen at closing
    started_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class AuditSighting(IdMixin, table=True):
    """An asset seen during an audit (one per asset and audit)."""

    __tablename__ = "audit_sightings"
    __table_args__ = (Index("uq_audit_sightings_audit_asset", "audit_id", "asset_id", unique=True),)

    audit_id: int = Field(sa_column=fk("audits.id", "CASCADE", nullable=False, index=False))
    asset_id: int = Field(sa_column=fk("assets.id", "CASCADE", nullable=False))
    seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seen_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    scanned: bool = Field(default=False)  # by the QR code (else ticked in the list)


__all__ = ["Asset", "AssetBooking", "AssetCategory", "AssetPhoto", "AssetStatus", "Audit", "AuditOutcome", "AuditResult",
           "AuditSighting",
           "BorrowerKind", "Condition", "Kit", "LENDABLE", "Loan", "LoanStatus", "MaintenanceCase", "RESERVABLE",
           "Reservation", "ReservationStatus"]


class AuditOutcome(StrEnum):
    SEEN = "seen"
    LENT = "lent"  # out on a loan at the closing: not missing
    MISSING = "missing"


class AuditResult(IdMixin, table=True):
    """What an audit found for each asset expected at its place, frozen at its closing (the record of the audit:
    later moves, loans or losses do not change it)."""

    __tablename__ = "audit_results"
    __table_args__ = (Index("uq_audit_results_audit_asset", "audit_id", "asset_id", unique=True),)

    audit_id: int = Field(sa_column=fk("audits.id", "CASCADE", nullable=False, index=False))
    asset_id: int = Field(sa_column=fk("assets.id", "CASCADE", nullable=False))
    outcome: str = Field(max_length=10)  # AuditOutcome
