"""Billing tables: quotes, invoices and credit notes with their lines, the sessions and months each line bills,
stored documents (PDF and Factur-X), sendings, payments, reminders, APTIC cheques and their batches, and the
counters of the numbering series.

Amounts are integer cents; quantities are exact decimals. An issued invoice (or credit note) is a legal record:
``coopnum.billing.immutability`` refuses any change of its frozen columns, of its lines and of its documents."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Optional

from sqlalchemy import (
    JSON,
    Column,
    Index,
    LargeBinary,
    Numeric,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlmodel import Field, Relationship

from coopnum.core import clock
from coopnum.core.db import UTCDateTime, fk
from coopnum.core.models import IdMixin, OutboxMail, TimestampMixin

# --- numbering ----------------------------------------------------------------------------------------------------

class NumberCounter(IdMixin, table=True):
    """The last number given in a series (e.g. ``F2026``). Read ``FOR UPDATE`` inside the transaction that issues
    the document, so that two issues get consecutive numbers and a rolled-back issue gives its number back."""

    __tablename__ = "number_counters"

    series: str = Field(max_length=20, unique=True)
    last_value: int = Field(default=0)


# --- lines (shared columns) -----------------------------------------------------------------------------------------

class LineUnit(StrEnum):
    HOUR = "hour"
    SESSION = "session"
    WORKSHOP = "workshop"
    MONTH = "month"
    DAY = "day"
    PERSON = "person"
    UNIT = "unit"
    FLAT = "flat"


class LineKind(StrEnum):
    HOURS = "hours"  # hours delivered on sessions (hourly pricing)
    SESSIONS = "sessions"  # sessions held (per-session pricing)
    WORKSHOPS = "workshops"  # workshops held (per-workshop pricing)
    FLAT = "flat"  # monthly flat fee
    FREE = "free"  # a line typed by the coordinator
    CREDIT = "credit"  # a credit note line crediting (part of) an invoice line


class LineMixin(IdMixin):
    position: int = Field(default=0)
    kind: str = Field(default=LineKind.FREE, max_length=20)
    description: str = Field(max_length=300)
    detail: str = Field(default="")  # e.g. the list of billed sessions
    quantity: Decimal = Field(default=Decimal("1"), sa_type=Numeric(12, 3), nullable=False)
    unit: str = Field(default=LineUnit.UNIT, max_length=20)
    unit_price_cents: int = Field(default=0)  # excl. VAT; may be negative (a discount line)
    discount_percent: Decimal = Field(default=Decimal("0"), sa_type=Numeric(5, 2), nullable=False)
    vat_rate_bp: int = Field(default=2000)  # VAT rate in hundredths of a percent (2000 = 20 %)
    total_excl_cents: int = Field(default=0)  # rounded per line: quantity × unit price × (1 − discount)
    service_id: int | None = Field(default=None, foreign_key="services.id", ondelete="SET NULL")


# --- quotes ---------------------------------------------------------------------------------------------------------

class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class Quote(IdMixin, TimestampMixin, table=True):
    """A quote (devis). Numbered in its own series when sent; accepted, it becomes a convention or an invoice."""

    __tablename__ = "quotes"

    number: str | None = Field(default=None, max_length=30, unique=True)
    status: str = Field(default=QuoteStatus.DRAFT, max_length=20, index=True)
    organisation_id: int = Field(sa_column=fk("organisations.id", "RESTRICT", nullable=False))
    convention_id: int | None = Field(default=None, sa_column=fk("conventions.id", "SET NULL"))
    request_id: int | None = Field(default=None, sa_column=fk("service_requests.id", "SET NULL"))
    invoice_id: int | None = Field(default=None, sa_column=fk("invoices.id", "SET NULL"))
    title: str = Field(max_length=200)
    issue_date: date | None = Field(default=None)
    valid_until: date | None = Field(default=None)
    vat_regime: str = Field(default="standard", max_length=20)
    notes: str = Field(default="")
    total_excl_cents: int = Field(default=0)
    total_vat_cents: int = Field(default=0)
    total_incl_cents: int = Field(default=0)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    organisation: Optional["Organisation"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})  # noqa: F821
    lines: list["QuoteLine"] = Relationship(
        back_populates="quote",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin",
                                "order_by": "QuoteLine.position"},
    )


class QuoteLine(LineMixin, table=True):
    __tablename__ = "quote_lines"

    quote_id: int = Field(sa_column=fk("quotes.id", "CASCADE", nullable=False))

    quote: Optional["Quote"] = Relationship(back_populates="lines")


# --- invoices and credit notes --------------------------------------------------------------------------------------

class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class PaymentState(StrEnum):
    """Computed from the balance and the due date (not stored)."""

    DRAFT = "draft"
    UNPAID = "unpaid"
    PARTIAL = "partial"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"  # cancelled by credit notes


class Invoice(IdMixin, TimestampMixin, table=True):
    """An invoice or a credit note (``kind``). A draft has no number; issuing gives the number, freezes the seller
    and buyer data, the lines and the totals, and stores the rendered documents."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("series", "sequence"),)

    kind: str = Field(default=InvoiceKind.INVOICE, max_length=20, index=True)
    status: str = Field(default=InvoiceStatus.DRAFT, max_length=20, index=True)
    number: str | None = Field(default=None, max_length=30, unique=True)
    series: str | None = Field(default=None, max_length=20)
    sequence: int | None = Field(default=None)
    organisation_id: int = Field(sa_column=fk("organisations.id", "RESTRICT", nullable=False))
    convention_id: int | None = Field(default=None, sa_column=fk("conventions.id", "RESTRICT"))
    credit_of_id: int | None = Field(default=None, sa_column=fk("invoices.id", "RESTRICT"))  # credit notes
    title: str = Field(default="", max_length=200)  # object of the invoice
    period_start: date | None = Field(default=None)  # the period of the services (BT-73)
    period_end: date | None = Field(default=None)  # (BT-74)
    issue_date: date | None = Field(default=None, index=True)
    due_date: date | None = Field(default=None)
    payment_terms_days: int = Field(default=30)
    vat_regime: str = Field(default="standard", max_length=20)
    # Buyer as on the invoice (copied from the organisation when drafting; frozen at issue).
    buyer_name: str = Field(default="", max_length=200)
    buyer_address: str = Field(default="", max_length=300)
    buyer_address_complement: str = Field(default="", max_length=300)
    buyer_postal_code: str = Field(default="", max_length=10)
    buyer_city: str = Field(default="", max_length=120)
    buyer_siret: str | None = Field(default=None, max_length=14)
    buyer_vat_number: str | None = Field(default=None, max_length=20)
    buyer_email: str | None = Field(default=None, max_length=254)
    # Chorus Pro references (from the convention).
    chorus_buyer_siret: str | None = Field(default=None, max_length=14)
    chorus_service_code: str | None = Field(default=None, max_length=100)
    chorus_engagement_number: str | None = Field(default=None, max_length=50)
    # The seller's legal identity at issue (settings "company.*"), frozen.
    seller: dict = Field(default_factory=dict, sa_type=JSON)
    # The late-penalty rate its convention sets (art. L441-10 C. com.), frozen at issue; None: the legal default
    # (ECB rate + 8 or 10 points, coopnum.billing.legal).
    penalty_rate_bp: int | None = Field(default=None)
    notes: str = Field(default="")  # printed on the invoice
    total_excl_cents: int = Field(default=0)
    total_vat_cents: int = Field(default=0)
    total_incl_cents: int = Field(default=0)
    vat_breakdown: list = Field(default_factory=list, sa_type=JSON)  # [{rate_bp, base_cents, vat_cents}]
    # Settlement (not part of the legal document; maintained by the payments and credit notes services).
    paid_cents: int = Field(default=0)
    credited_cents: int = Field(default=0)
    dunning_level: int = Field(default=0)  # the last reminder sent (0: none)
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    issued_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last e-mail to the buyer
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    organisation: Optional["Organisation"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})  # noqa: F821
    convention: Optional["Convention"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})  # noqa: F821
    lines: list["InvoiceLine"] = Relationship(
        back_populates="invoice",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin",
                                "order_by": "InvoiceLine.position"},
    )

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def balance_cents(self) -> int:
        """What the buyer still owes (invoices); negative when overpaid."""
        if self.is_draft or self.is_credit_note:
            return 0
        return self.total_incl_cents - self.credited_cents - self.paid_cents

    def payment_state(self, today: date) -> PaymentState:
        if self.is_draft:
            return PaymentState.DRAFT
        if self.is_credit_note:
            return PaymentState.PAID
        if self.credited_cents >= self.total_incl_cents and self.paid_cents == 0:
            return PaymentState.CREDITED
        if self.balance_cents <= 0:
            return PaymentState.PAID
        if self.due_date and today > self.due_date:
            return PaymentState.OVERDUE
        if self.paid_cents > 0 or self.credited_cents > 0:
            return PaymentState.PARTIAL
        return PaymentState.UNPAID


def balance_sql():
    """An invoice row's balance in SQL: what ``Invoice.balance_cents`` gives for an issued invoice (the queries add
    the status and kind they need)."""
    return Invoice.total_incl_cents - Invoice.credited_cents - Invoice.paid_cents


# Something is still owed on the invoice: the condition of the partial index ``ix_invoices_owed``.
OWED_WHERE = "total_incl_cents - credited_cents - paid_cents > 0"


def owed_sql():
    """SQL: something is still owed on the invoice (balance > 0), written with a literal 0 so that both databases
    see it implies the condition of ``ix_invoices_owed`` and read from that index (a bound parameter would not
    prove it to SQLite)."""
    return balance_sql() > literal_column("0")


# The lists' order (drafts first, then the newest issued; ``queries.INVOICE_ORDER``), read from this index instead of
# sorting every invoice ever issued to show 25 of them. Descending parts: SQLite reads an index backwards only as a
# whole, and the order mixes directions.
Index("ix_invoices_list_order", Invoice.status, Invoice.issue_date.desc(), Invoice.id.desc())
# The balances (the list's summary, the dashboards, the ageing of receivables by client, the overdue, the due and
# the reminders) read from a partial index of the invoices still owed: a few dozen rows whatever the years, where
# the index of every invoice (``ix_invoices_balance``, which it replaced) grew with every invoice ever paid.
Index("ix_invoices_owed", Invoice.status, Invoice.kind, Invoice.organisation_id, Invoice.due_date,
      Invoice.total_incl_cents, Invoice.credited_cents, Invoice.paid_cents,
      sqlite_where=text(OWED_WHERE), postgresql_where=text(OWED_WHERE))


class InvoiceLine(LineMixin, table=True):
    __tablename__ = "invoice_lines"

    invoice_id: int = Field(sa_column=fk("invoices.id", "CASCADE", nullable=False))
    period_start: date | None = Field(default=None)
    period_end: date | None = Field(default=None)
    credited_line_id: int | None = Field(default=None, sa_column=fk("invoice_lines.id", "RESTRICT"))

    invoice: Optional["Invoice"] = Relationship(back_populates="lines")


class BilledItem(IdMixin, table=True):
    """What an invoice line bills: a session (hours, sessions, workshops) or a month of a flat fee. A session or a
    month is billed by one line at a time (partial unique indexes); a credit note crediting the line releases it
    (``released_at``) so that it can be billed again."""

    __tablename__ = "billed_items"
    __table_args__ = (
        Index("uq_billed_items_session_active", "session_id", unique=True,
              sqlite_where=text("released_at IS NULL AND session_id IS NOT NULL"),
              postgresql_where=text("released_at IS NULL AND session_id IS NOT NULL")),
        Index("uq_billed_items_month_active", "convention_id", "month", unique=True,
              sqlite_where=text("released_at IS NULL AND month IS NOT NULL"),
              postgresql_where=text("released_at IS NULL AND month IS NOT NULL")),
    )

    line_id: int = Field(sa_column=fk("invoice_lines.id", "CASCADE", nullable=False))
    session_id: int | None = Field(default=None, sa_column=fk("sessions.id", "RESTRICT"))
    convention_id: int = Field(sa_column=fk("conventions.id", "RESTRICT", nullable=False))
    month: date | None = Field(default=None)  # flat fees: the first day of the billed month
    minutes: int = Field(default=0)  # hours billed for the session (hourly pricing)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    released_by_id: int | None = Field(default=None, sa_column=fk("invoices.id", "SET NULL", index=False))


class DocumentKind(StrEnum):
    FACTURX = "facturx"  # PDF/A-3 with the embedded CII XML (EN 16931)
    PDF = "pdf"  # the same document without the XML (for portals that reject Factur-X)


class InvoiceDocument(IdMixin, table=True):
    """A document rendered once at issue, stored with its SHA-256 (never rendered again)."""

    __tablename__ = "invoice_documents"
    __table_args__ = (UniqueConstraint("invoice_id", "kind"),)

    invoice_id: int = Field(sa_column=fk("invoices.id", "RESTRICT", nullable=False))
    kind: str = Field(max_length=20)
    filename: str = Field(max_length=120)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    size: int = Field(default=0)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)


class SendingKind(StrEnum):
    INVOICE = "invoice"
    REMINDER = "reminder"


class InvoiceSending(IdMixin, table=True):
    """The sent-log: every e-mail of an invoice or a reminder, with its mail in the outbox."""

    __tablename__ = "invoice_sendings"

    invoice_id: int = Field(sa_column=fk("invoices.id", "CASCADE", nullable=False))
    kind: str = Field(default=SendingKind.INVOICE, max_length=20)
    recipients: str = Field(max_length=1000)
    subject: str = Field(max_length=300)
    ok: bool = Field(default=True)
    error: str = Field(default="", max_length=1000)
    sent_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    sent_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))
    # the mail in the outbox (its status: en file, envoyé, échec…); None for a reminder with no address
    outbox_id: int | None = Field(default=None, sa_column=fk("outbox_mails.id", "SET NULL"))

    mail: OutboxMail | None = Relationship(sa_relationship_kwargs={"lazy": "joined"})


# --- payments, reminders --------------------------------------------------------------------------------------------

class PaymentMethod(StrEnum):
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    APTIC = "aptic"
    CASH = "cash"
    REFUND = "refund"  # money paid back to the buyer (negative amount)


class Payment(IdMixin, table=True):
    """Money received for an invoice (or paid back, negative). Partial payments add up to the balance."""

    __tablename__ = "payments"

    invoice_id: int = Field(sa_column=fk("invoices.id", "RESTRICT", nullable=False))
    received_on: date = Field(index=True)
    amount_cents: int
    method: str = Field(default=PaymentMethod.TRANSFER, max_length=20)
    reference: str = Field(default="", max_length=100)  # bank reference, cheque number…
    aptic_batch_id: int | None = Field(default=None, sa_column=fk("aptic_batches.id", "SET NULL"))
    notes: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))

    invoice: Optional["Invoice"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class Reminder(IdMixin, table=True):
    """A step of the dunning sequence sent for an overdue invoice (one per level: the job is idempotent)."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("invoice_id", "level"),)

    invoice_id: int = Field(sa_column=fk("invoices.id", "CASCADE", nullable=False))
    level: int  # 1, 2, … (the last one is the formal notice)
    sent_on: date
    days_late: int
    balance_cents: int
    interest_cents: int = Field(default=0)  # late interest (ECB + 8 or 10 points, or the contract's rate: legal)
    indemnity_cents: int = Field(default=0)  # fixed recovery indemnity (40 €)
    emailed: bool = Field(default=False)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)


# --- APTIC cheques --------------------------------------------------------------------------------------------------

class ApticBatchStatus(StrEnum):
    OPEN = "open"  # collecting cheques
    SENT = "sent"  # sent for reimbursement (its invoice issued)
    REIMBURSED = "reimbursed"  # the payment came in


class ApticBatch(IdMixin, TimestampMixin, table=True):
    """A batch of APTIC cheques sent for reimbursement; sending it issues an invoice to the APTIC organisation,
    and the reimbursement is recorded as the payment of that invoice."""

    __tablename__ = "aptic_batches"

    reference: str = Field(max_length=40, unique=True)
    status: str = Field(default=ApticBatchStatus.OPEN, max_length=20, index=True)
    sent_on: date | None = Field(default=None)
    reimbursed_on: date | None = Field(default=None)
    invoice_id: int | None = Field(default=None, sa_column=fk("invoices.id", "SET NULL"))
    created_by_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL", index=False))


class ApticCheque(IdMixin, table=True):
    __tablename__ = "aptic_cheques"

    number: str = Field(max_length=40, unique=True)
    received_on: date = Field(index=True)
    face_value_cents: int = Field(default=1000)
    place_id: int | None = Field(default=None, sa_column=fk("places.id", "SET NULL"))
    mediator_id: int | None = Field(default=None, sa_column=fk("users.id", "SET NULL"))
    batch_id: int | None = Field(default=None, sa_column=fk("aptic_batches.id", "SET NULL"))
    notes: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
