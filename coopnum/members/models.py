"""Members (sociétaires), voting colleges, the share-capital ledger, general assemblies, convocations,
attendance and proxies, resolutions and ballots.

Legal records are append-only: capital operations, status changes, college moves, ballots. A correction is a new
record (a reversal, a later move), never an edit. Balances (shares held, capital paid) are derived from the ledger.

Secret ballots: ``BallotCast`` records that a member voted (one row per member and resolution: the database's
unique constraint refuses a second ballot), and ``BallotCount`` holds the counts per college and choice; for a
secret ballot the cast row carries no choice, so who voted is never linked to how."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Numeric, Text, UniqueConstraint
from sqlmodel import Field, Relationship

from coopnum.core import clock
from coopnum.core.db import UTCDateTime, fk
from coopnum.core.models import IdMixin, TimestampMixin

# --- members and colleges -------------------------------------------------------------------------------------------

class MemberKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"  # a legal person: an association, a company, a local authority…


class MemberStatus(StrEnum):
    CANDIDATE = "candidate"
    ADMITTED = "admitted"
    RESIGNED = "resigned"
    EXCLUDED = "excluded"
    DECEASED = "deceased"


class DecidingBody(StrEnum):
    BOARD = "board"  # conseil d'administration, gérance, conseil coopératif
    ASSEMBLY = "assembly"  # assemblée générale
    MEMBER = "member"  # the member's own act (a resignation)
    OTHER = "other"


class College(IdMixin, TimestampMixin, table=True):
    """A voting college. The set is valid when there are at least 3 active colleges, each weighing 10–50 %, summing
    to 100 % (checked when an assembly is convened or a vote opens)."""

    __tablename__ = "colleges"

    name: str = Field(max_length=100, unique=True)
    weight_percent: Decimal = Field(sa_column=Column(Numeric(5, 2), nullable=False))
    description: str = Field(default="", max_length=500)
    position: int = Field(default=0)
    active: bool = Field(default=True)


class Member(IdMixin, TimestampMixin, table=True):
    """A member of the cooperative (or a candidate). ``number`` is its number in the register, given at admission
    and never reused."""

    __tablename__ = "members"

    number: int | None = Field(default=None, unique=True)
    kind: str = Field(default=MemberKind.PERSON, max_length=20)
    name: str = Field(max_length=200, index=True)  # "Claire Martin" or "Commune de Loudun"
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    address: str = Field(default="", max_length=300)
    postal_code: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=120)
    # the user account of the member, when it has one (one account, one member)
    user_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", unique=True))
    # a member that is also an organisation of the cooperative (a commune that is a client and a member)
    organisation_id: int | None = Field(default=None, sa_column=fk("organisations.id", "SET NULL"))
    # a public body (local authority, public establishment): together they hold at most 50 % of a SCIC's capital
    public_body: bool = Field(default=False)
    # the current college (the dated history is in CollegeMove)
    college_id: int | None = Field(default=None, sa_column=fk("colleges.id", "RESTRICT"))
    status: str = Field(default=MemberStatus.CANDIDATE, max_length=20, index=True)
    applied_on: date | None = None
    admitted_on: date | None = None
    left_on: date | None = None
    notes: str = Field(default="", sa_type=Text)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    college: College | None = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class MemberStatusChange(IdMixin, table=True):
    """A dated change of a member's state, with the body that decided it (append-only)."""

    __tablename__ = "member_status_changes"

    member_id: int = Field(sa_column=fk("members.id", "CASCADE", nullable=False))
    status: str = Field(max_length=20)
    on: date
    body: str = Field(default=DecidingBody.BOARD, max_length=20)
    reference: str = Field(default="", max_length=200)  # e.g. "CA du 12/03/2026, délibération 4"
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class CollegeMove(IdMixin, table=True):
    """A member's entry into a college, dated (its first college, then each move; append-only)."""

    __tablename__ = "college_moves"

    member_id: int = Field(sa_column=fk("members.id", "CASCADE", nullable=False))
    from_college_id: int | None = Field(default=None, sa_column=fk("colleges.id", "RESTRICT", index=False))
    to_college_id: int = Field(sa_column=fk("colleges.id", "RESTRICT", nullable=False, index=False))
    on: date
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


# --- share capital --------------------------------------------------------------------------------------------------

class CapitalOperationKind(StrEnum):
    SUBSCRIPTION = "subscription"  # shares subscribed (shares > 0, amount = shares × nominal, due_on for the rest)
    PAYMENT = "payment"  # money paid on subscribed shares (amount > 0, shares 0)
    TRANSFER = "transfer"  # shares passed to another member: two lines (−n for the giver, +n for the receiver)
    REIMBURSEMENT = "reimbursement"  # shares paid back (shares < 0, amount < 0: the money paid back)
    CANCELLATION = "cancellation"  # shares cancelled (shares < 0), e.g. unpaid subscription


class CapitalOperation(IdMixin, table=True):
    """A line of the share-capital ledger (append-only, numbered without gaps). A member's shares are the sum of its
    lines' ``shares``; its paid capital is the sum of the payments less the reimbursements."""

    __tablename__ = "capital_operations"

    number: int = Field(unique=True)  # the ledger's line number
    member_id: int = Field(sa_column=fk("members.id", "RESTRICT", nullable=False))
    kind: str = Field(max_length=20, index=True)
    on: date = Field(index=True)
    shares: int = Field(default=0)  # signed
    amount_cents: int = Field(default=0)  # signed
    nominal_cents: int  # the nominal value of a share on that day
    counterpart_member_id: int | None = Field(default=None, sa_column=fk("members.id", "RESTRICT"))
    related_id: int | None = Field(default=None, sa_column=fk("capital_operations.id", "RESTRICT"))
    due_on: date | None = None  # subscription: the date by which it must be fully paid (5 years at most)
    reference: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    member: Member | None = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "foreign_keys": "[CapitalOperation.member_id]"})


# --- assemblies -----------------------------------------------------------------------------------------------------

class AssemblyKind(StrEnum):
    AGO = "AGO"
    AGE = "AGE"


class AssemblyMode(StrEnum):
    ROOM = "room"
    REMOTE = "remote"
    HYBRID = "hybrid"


class AssemblyStatus(StrEnum):
    DRAFT = "draft"
    CONVENED = "convened"
    HELD = "held"  # the meeting took place: votes closed, minutes to write and sign
    CANCELLED = "cancelled"


class Assembly(IdMixin, TimestampMixin, table=True):
    __tablename__ = "assemblies"

    kind: str = Field(default=AssemblyKind.AGO, max_length=3)
    convocation: int = Field(default=1)  # 1st or 2nd convocation
    first_assembly_id: int | None = Field(default=None, sa_column=fk("assemblies.id", "SET NULL"))
    title: str = Field(default="", max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    place: str = Field(default="", max_length=300)
    mode: str = Field(default=AssemblyMode.ROOM, max_length=10)
    remote_link: str = Field(default="", max_length=500)
    status: str = Field(default=AssemblyStatus.DRAFT, max_length=20, index=True)
    convened_on: date | None = None  # the day the convocations were sent (by coopnum, or on paper)
    agenda: str = Field(default="", sa_type=Text)
    # the bureau and the minutes
    president: str = Field(default="", max_length=200)
    secretary: str = Field(default="", max_length=200)
    scrutineers: str = Field(default="", max_length=300)
    debates: str = Field(default="", sa_type=Text)
    minutes_signed_on: date | None = None
    minutes_signed_by: str = Field(default="", max_length=300)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class AssemblyDocument(IdMixin, table=True):
    __tablename__ = "assembly_documents"

    assembly_id: int = Field(sa_column=fk("assemblies.id", "CASCADE", nullable=False))
    title: str = Field(max_length=200)
    filename: str = Field(max_length=200)
    mimetype: str = Field(default="application/pdf", max_length=100)
    size: int = Field(default=0)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)


class ConvocationChannel(StrEnum):
    EMAIL = "email"
    POST = "post"
    HAND = "hand"


class Convocation(IdMixin, table=True):
    """The sent-log of convocations: one row per member and sending (a mail goes through the outbox)."""

    __tablename__ = "convocations"

    assembly_id: int = Field(sa_column=fk("assemblies.id", "CASCADE", nullable=False))
    member_id: int = Field(sa_column=fk("members.id", "CASCADE", nullable=False))
    channel: str = Field(default=ConvocationChannel.EMAIL, max_length=10)
    address: str = Field(default="", max_length=300)
    sent_on: date
    outbox_id: int | None = Field(default=None, sa_column=fk("outbox_mails.id", "SET NULL"))
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)


class AttendanceMode(StrEnum):
    PRESENT = "present"
    REMOTE = "remote"
    REPRESENTED = "represented"


class Attendance(IdMixin, table=True):
    """A member at an assembly: present, remote, or represented by another member (its proxy holder)."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("assembly_id", "member_id"),)

    assembly_id: int = Field(sa_column=fk("assemblies.id", "CASCADE", nullable=False))
    member_id: int = Field(sa_column=fk("members.id", "RESTRICT", nullable=False))
    mode: str = Field(max_length=12)
    proxy_holder_id: int | None = Field(default=None, sa_column=fk("members.id", "RESTRICT"))
    recorded_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    recorded_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class BallotKind(StrEnum):
    OPEN = "open"
    SECRET = "secret"


class ResolutionStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    BLANK = "blank"


class Resolution(IdMixin, table=True):
    __tablename__ = "resolutions"

    assembly_id: int = Field(sa_column=fk("assemblies.id", "CASCADE", nullable=False))
    position: int = Field(default=1)
    title: str = Field(max_length=300)
    text: str = Field(default="", sa_type=Text)
    ballot: str = Field(default=BallotKind.OPEN, max_length=10)
    status: str = Field(default=ResolutionStatus.DRAFT, max_length=10)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # end of the online voting window
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # the tally, frozen at closing


class BallotCast(IdMixin, table=True):
    """That a member voted on a resolution (itself, or through its proxy holder ``cast_by_member_id``), in which
    college. ``choice`` is kept for an open ballot only. One per member and resolution (database constraint)."""

    __tablename__ = "ballot_casts"
    __table_args__ = (UniqueConstraint("resolution_id", "member_id"),)

    resolution_id: int = Field(sa_column=fk("resolutions.id", "CASCADE", nullable=False))
    member_id: int = Field(sa_column=fk("members.id", "RESTRICT", nullable=False))
    cast_by_member_id: int | None = Field(default=None, sa_column=fk("members.id", "RESTRICT", index=False))
    college_id: int | None = Field(default=None, sa_column=fk("colleges.id", "RESTRICT", index=False))
    choice: str | None = Field(default=None, max_length=10)  # None for a secret ballot
    online: bool = Field(default=False)  # cast by the member on its page (else recorded by the secretary)
    recorded_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    cast_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # None for a secret ballot


class BallotCount(IdMixin, table=True):
    """The count of one choice in one college for one resolution (created at opening, incremented atomically)."""

    __tablename__ = "ballot_counts"
    __table_args__ = (UniqueConstraint("resolution_id", "college_id", "choice"),
                      Index("ix_ballot_counts_resolution", "resolution_id"))

    resolution_id: int = Field(sa_column=fk("resolutions.id", "CASCADE", nullable=False, index=False))
    college_id: int | None = Field(default=None, sa_column=fk("colleges.id", "RESTRICT", index=False))
    choice: str = Field(max_length=10)
    count: int = Field(default=0)
