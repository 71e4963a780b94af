"""Core tables: users and their roles, API tokens, login attempts, the audit log, settings, dated rates, export
jobs, the mail outbox."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from coopnum.core import clock
from coopnum.core.db import UTCDateTime, fk


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MEDIATOR = "mediator"
    MEMBER = "member"
    AUTHORITY = "authority"


class IdMixin(SQLModel):
    id: int | None = Field(default=None, primary_key=True)


class TimestampMixin(SQLModel):
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=clock.now, sa_type=UTCDateTime, nullable=False, sa_column_kwargs={"onupdate": clock.now}
    )


class User(IdMixin, TimestampMixin, table=True):
    __tablename__ = "users"

    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)
    locale: str | None = Field(default=None, max_length=5)
    phone: str | None = Field(default=None, max_length=30)
    # An authority contact's organisation. The link belongs to the organisations domain, which declares its foreign
    # key (ON DELETE SET NULL) in coopnum/organisations/models.py: core knows no domain table.
    organisation_id: int | None = Field(default=None, sa_column=Column(Integer, index=True))
    # Bumped on password change or "log out everywhere": invalidates every existing session cookie.
    session_version: int = Field(default=1)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    roles: list["UserRole"] = Relationship(
        back_populates="user", sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"}
    )

    # flask-login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_set(self) -> set[Role]:
        return {Role(r.role) for r in self.roles}

    def has_role(self, *roles: Role | str) -> bool:
        mine = {r.role for r in self.roles}
        return any(str(r) in mine for r in roles)

    def set_roles(self, roles) -> None:
        wanted = {str(r) for r in roles}
        self.roles[:] = [r for r in self.roles if r.role in wanted]
        have = {r.role for r in self.roles}
        for role in sorted(wanted - have):
            self.roles.append(UserRole(role=role))

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(SQLModel, table=True):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=fk("users.id", "CASCADE", nullable=False))
    role: str = Field(max_length=20, index=True)

    user: User | None = Relationship(back_populates="roles")


class ApiToken(IdMixin, table=True):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the clear token is shown once."""

    __tablename__ = "api_tokens"

    user_id: int = Field(sa_column=fk("users.id", "CASCADE", nullable=False))
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    user: Optional["User"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class LoginAttempt(IdMixin, table=True):
    """Login attempts, kept for rate limiting (shared by every worker process through the database)."""

    __tablename__ = "login_attempts"

    at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False, index=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(max_length=45, index=True)
    success: bool = Field(default=False)


class AuditLog(IdMixin, table=True):
    """Who did what to which record, when; with before/after values for changes of legal records."""

    __tablename__ = "audit_log"

    at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False, index=True)
    actor_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL")
    )
    actor_label: str = Field(default="", max_length=254)
    action: str = Field(max_length=40, index=True)
    object_type: str = Field(max_length=60, index=True)
    object_id: str | None = Field(default=None, max_length=40, index=True)
    summary: str = Field(default="", max_length=500)
    changes: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    ip: str | None = Field(default=None, max_length=45)

    actor: Optional["User"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class Setting(IdMixin, table=True):
    """A setting of the installation changed from the UI (e.g. the beneficiaries' retention period). Read with
    ``coopnum.core.settings.get``; every change is audited."""

    __tablename__ = "settings"

    key: str = Field(max_length=100, unique=True)
    value: Any = Field(default=None, sa_type=JSON)
    updated_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    updated_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )


class RateKind(StrEnum):
    """The rates published per semester that the legal rules read (``coopnum.core.rates``)."""

    ECB = "ecb"  # the ECB main refinancing rate: late interest and penalties (art. L441-10 C. com., R2192-31 CCP)
    LEGAL_INTEREST = "legal_interest"  # the legal interest rate, « autres cas »: the floor of a contract's penalties


class DatedRate(IdMixin, table=True):
    """A rate of one semester (set on 1 January and 1 July) of one kind; read with ``coopnum.core.rates``."""

    __tablename__ = "dated_rates"
    __table_args__ = (UniqueConstraint("kind", "valid_from"),)

    kind: str = Field(max_length=20)  # RateKind
    valid_from: date  # 1 January or 1 July
    rate_bp: int  # hundredths of a percent (215 = 2,15 %)
    updated_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    updated_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class ExportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(IdMixin, table=True):
    """A large export written in the background into a file, with its progress (rows done / total)."""

    __tablename__ = "export_jobs"

    user_id: int = Field(sa_column=fk("users.id", "CASCADE", nullable=False))
    kind: str = Field(max_length=40)  # e.g. "activities"
    format: str = Field(max_length=10)  # csv | xlsx
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=ExportStatus.PENDING, max_length=20)
    total: int = Field(default=0)
    done: int = Field(default=0)
    file_name: str | None = Field(default=None, max_length=255)
    file_path: str | None = Field(default=None, max_length=255)  # relative to the instance exports folder
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for the mail job
    SENDING = "sending"  # claimed by a mail job (reclaimed if that job died)
    SENT = "sent"
    RETRY = "retry"  # failed; another attempt at next_attempt_at
    ABANDONED = "abandoned"  # failed too many times: "renvoyer" starts again


class OutboxMail(IdMixin, table=True):
    """A mail written in the same transaction as the action that causes it, sent after the commit by the mail job
    (``coopnum.core.outbox``) with retries: a rolled-back action sends nothing, an SMTP outage loses nothing.

    ``about_type``/``about_id`` name the record the mail is about (an invoice, a reminder, a user…), where its
    status is shown. A ``sensitive`` mail (a password link) is never shown, and its body is blanked once sent."""

    __tablename__ = "outbox_mails"

    kind: str = Field(max_length=40, index=True)  # e.g. "billing.invoice", "core.password_reset"
    about_type: str = Field(default="", max_length=40)
    about_id: int | None = Field(default=None, index=True)
    recipients: str = Field(max_length=2000)  # comma-separated
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    reply_to: str | None = Field(default=None, max_length=254)
    sensitive: bool = Field(default=False)
    status: str = Field(default=MailStatus.QUEUED, max_length=20, index=True)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False, index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False, index=True)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )

    attachments: list["OutboxAttachment"] = Relationship(
        sa_relationship_kwargs={"lazy": "select", "cascade": "all, delete-orphan", "order_by": "OutboxAttachment.id"}
    )

    @property
    def recipient_list(self) -> list[str]:
        return [a.strip() for a in self.recipients.split(",") if a.strip()]


class OutboxAttachment(IdMixin, table=True):
    __tablename__ = "outbox_attachments"

    mail_id: int = Field(sa_column=fk("outbox_mails.id", "CASCADE", nullable=False))
    filename: str = Field(max_length=255)
    mimetype: str = Field(default="application/pdf", max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
