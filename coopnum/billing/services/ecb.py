"""The ECB reference rate (main refinancing operations) per semester, as the late-interest rules use it: the rate
in force on 1 January applies to the first semester, the one in force on 1 July to the second (art. L441-10 C. com.,
art. R2192-31 CCP). One row per semester (table ``ecb_rates``); a missing semester is never read as 0: the
reminders that need it wait, and the coordinator is told to fill it in.

    set_rate(session, actor, valid_from=date(2026, 7, 1), rate_bp=215, now=now)
    rate_for(session, date(2026, 9, 14))  # 215, or None when the 2d semester 2026 is missing"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from coopnum.billing.legal import semester_label, semester_start
from coopnum.billing.models import EcbRate
from coopnum.core import audit
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import User

MIN_RATE_BP, MAX_RATE_BP = -100, 2000  # -1 % … 20 %
FIRST_YEAR = 1999  # the euro and the ECB's rates


@dataclass(frozen=True)
class MissingRate:
    """A semester whose rate is missing while a reminder needs it, and the invoices waiting for it."""

    semester: date
    invoice_numbers: tuple[str, ...]

    @property
    def message(self) -> str:
        return (f"Le taux de la BCE du {semester_label(self.semester)} (en vigueur au "
                f"{self.semester.strftime('%d/%m/%Y')}) n'est pas renseigné : les relances avec intérêts de retard "
                f"des factures {', '.join(self.invoice_numbers)} ne peuvent pas partir. Renseignez-le dans "
                "Identité et facturation (taux de la BCE).")


def check_semester(valid_from: date | None, *, today: date) -> date:
    """The first day of a semester, at most the next one (the ECB publishes it a few days before)."""
    if valid_from is None:
        raise DomainError("Indiquez le semestre du taux.", field="valid_from")
    if (valid_from.month, valid_from.day) not in ((1, 1), (7, 1)):
        raise DomainError("Le taux de la BCE s'applique par semestre : choisissez le 1er janvier ou le 1er juillet.",
                          field="valid_from")
    current = semester_start(today)
    following = date(current.year, 7, 1) if current.month == 1 else date(current.year + 1, 1, 1)
    if valid_from > following:
        raise DomainError("Ce semestre n'a pas encore commencé : seul le taux du semestre suivant peut être saisi "
                          "à l'avance.", field="valid_from")
    if valid_from.year < FIRST_YEAR:
        raise DomainError(f"Le taux de la BCE existe depuis {FIRST_YEAR}.", field="valid_from")
    return valid_from


def check_rate(rate_bp: int | None) -> int:
    if rate_bp is None:
        raise DomainError("Indiquez le taux de la BCE.", field="rate")
    if not MIN_RATE_BP <= int(rate_bp) <= MAX_RATE_BP:
        raise DomainError("Taux invalide : entre -1 et 20 (en pour cent).", field="rate")
    return int(rate_bp)


def set_rate(session: Session, actor: User | None, *, valid_from: date | None, rate_bp: int | None,
             now: datetime) -> EcbRate:
    """Record (or correct) the rate of a semester; audited."""
    valid_from = check_semester(valid_from, today=paris_today(now))
    rate_bp = check_rate(rate_bp)
    row = session.execute(select(EcbRate).where(EcbRate.valid_from == valid_from)).scalar_one_or_none()
    before = None if row is None else row.rate_bp
    if row is None:
        row = EcbRate(valid_from=valid_from, rate_bp=rate_bp)
        session.add(row)
    row.rate_bp, row.updated_at, row.updated_by_id = rate_bp, now, actor.id if actor else None
    session.flush()
    audit.record(session, actor, "create" if before is None else "update", row,
                 summary=f"Taux de la BCE du {semester_label(valid_from)} : {before if before is not None else '—'}"
                         f" → {rate_bp} (centièmes de %)",
                 before={"rate_bp": before}, after={"rate_bp": rate_bp}, now=now)
    return row


def rate_for(session: Session, day: date) -> int | None:
    """The rate of the semester of ``day`` (None when it was not filled in: never 0 by default)."""
    return session.execute(select(EcbRate.rate_bp).where(EcbRate.valid_from == semester_start(day))) \
        .scalar_one_or_none()


def rates(session: Session, limit: int = 20) -> list[EcbRate]:
    """The recorded rates, the latest semester first."""
    return list(session.execute(select(EcbRate).order_by(EcbRate.valid_from.desc()).limit(limit)).scalars())
