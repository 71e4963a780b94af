"""The ECB reference rate (main refinancing operations) per semester, as the late-interest rules use it: the rate
in force on 1 January applies to the first semester, the one in force on 1 July to the second (art. L441-10 C. com.,
art. R2192-31 CCP). Stored with the other dated rates (``coopnum.core.rates``, kind ``RateKind.ECB``); a missing
semester is never read as 0: the reminders that need it wait, and the coordinator is told to fill it in.

    set_rate(session, actor, valid_from=date(2026, 7, 1), rate_bp=215, now=now)
    rate_for(session, date(2026, 9, 14))  # 215, or None when the 2d semester 2026 is missing"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from coopnum.core import rates as dated
from coopnum.core.models import DatedRate, RateKind, User


@dataclass(frozen=True)
class MissingRate:
    """A semester whose rate is missing while a reminder needs it, and the invoices waiting for it."""

    semester: date
    invoice_numbers: tuple[str, ...]

    @property
    def message(self) -> str:
        return (f"Le taux de la BCE du {dated.semester_label(self.semester)} (en vigueur au "
                f"{self.semester.strftime('%d/%m/%Y')}) n'est pas renseigné : les relances avec intérêts de retard "
                f"des factures {', '.join(self.invoice_numbers)} ne peuvent pas partir. Renseignez-le dans "
                f"{dated.rules_for(RateKind.ECB).page}.")


def set_rate(session: Session, actor: User | None, *, valid_from: date | None, rate_bp: int | None,
             now: datetime) -> DatedRate:
    """Record (or correct) the ECB rate of a semester; audited."""
    return dated.set_rate(session, actor, RateKind.ECB, valid_from=valid_from, rate_bp=rate_bp, now=now)


def rate_for(session: Session, day: date) -> int | None:
    """The ECB rate of the semester of ``day`` (None when it was not filled in: never 0 by default)."""
    return dated.rate_for(session, RateKind.ECB, day)
