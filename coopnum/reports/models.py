"""Tables of the reports domain: read-only share links to a convention's report."""

from datetime import date, datetime

from sqlmodel import Field

from coopnum.core import clock
from coopnum.core.db import UTCDateTime, fk
from coopnum.core.models import IdMixin


class ReportShare(IdMixin, table=True):
    """A read-only link to a convention's report for a period, valid until ``expires_at``."""

    __tablename__ = "report_shares"

    convention_id: int = Field(
        sa_column=fk("conventions.id", "CASCADE", nullable=False)
    )
    period_start: date
    period_end: date  # inclusive
    token: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(
        default=None, sa_column=fk("users.id", "SET NULL", index=False)
    )
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_accessed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    access_count: int = Field(default=0)

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
