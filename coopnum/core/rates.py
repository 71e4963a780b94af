"""Rates published per semester that the legal rules read: one table (``dated_rates``), one row per kind and
semester, each recorded (or corrected) from the billing settings page and audited.

- ``RateKind.ECB``: the ECB main refinancing rate; the late interest of an invoice runs at it plus 8 or 10 points
  (``coopnum.billing.legal``; art. L441-10 C. com., art. R2192-31 CCP).
- ``RateKind.LEGAL_INTEREST``: the legal interest rate « pour les autres cas » (the creditor is not a private
  person acting outside professional needs: the cooperative), set by decree every semester since 2015; the
  late-penalty rate a convention sets may not be lower than three times it (art. L441-10 C. com.).

The rate in force on 1 January applies to the first semester, the one of 1 July to the second. A missing semester
is never read as 0: what needs it waits, or is refused, and the coordinator is told to fill it in.

    set_rate(session, actor, RateKind.ECB, valid_from=date(2026, 7, 1), rate_bp=215, now=now)
    rate_for(session, RateKind.LEGAL_INTEREST, date(2026, 9, 14))  # 276, or None when that semester is missing"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import DatedRate, RateKind, User

MIN_RATE_BP, MAX_RATE_BP = -100, 2000  # -1 % … 20 %


@dataclass(frozen=True)
class RateRules:
    name: str  # in a sentence: « le taux de la BCE »
    first_year: int  # the first semester that may be entered
    since: str  # the message refusing an older semester
    page: str  # where it is filled in

    @property
    def title(self) -> str:
        """« Le taux de la BCE »: the name at the start of a sentence."""
        return self.name[0].upper() + self.name[1:]


RULES = {
    RateKind.ECB: RateRules("le taux de la BCE", 1999, "Le taux de la BCE existe depuis 1999.",
                            "Identité et facturation (taux de la BCE)"),
    RateKind.LEGAL_INTEREST: RateRules("le taux de l'intérêt légal", 2015,
                                       "Le taux de l'intérêt légal est fixé par semestre depuis 2015.",
                                       "Identité et facturation (taux de l'intérêt légal)"),
}


def rules_for(kind: RateKind | str) -> RateRules:
    return RULES[RateKind(kind)]


def semester_start(day: date) -> date:
    """1 January or 1 July of the semester of ``day``."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_semester(day: date) -> date:
    """The first day of the semester after the one of ``day``."""
    start = semester_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def semester_label(start: date) -> str:
    """« 1er semestre 2026 », « 2d semestre 2026 » (French: the documents and the messages)."""
    return f"{'1er' if start.month == 1 else '2d'} semestre {start.year}"


def percent_text(rate_bp: int) -> str:
    """215 → '2,15 %', 1000 → '10 %' (French, no-break space)."""
    value = (Decimal(rate_bp) / 100).normalize()
    return f"{value:f}".replace(".", ",") + "\u00a0%"


def check_semester(kind: RateKind | str, valid_from: date | None, *, today: date) -> date:
    """The first day of a semester, at most the next one (the rates are published a few days before)."""
    rules = rules_for(kind)
    if valid_from is None:
        raise DomainError("Indiquez le semestre du taux.", field="valid_from")
    if (valid_from.month, valid_from.day) not in ((1, 1), (7, 1)):
        raise DomainError(f"{rules.title} s'applique par semestre : choisissez le "
                          "1er janvier ou le 1er juillet.", field="valid_from")
    if valid_from > next_semester(today):
        raise DomainError("Ce semestre n'a pas encore commencé : seul le taux du semestre suivant peut être saisi "
                          "à l'avance.", field="valid_from")
    if valid_from.year < rules.first_year:
        raise DomainError(rules.since, field="valid_from")
    return valid_from


def check_rate(kind: RateKind | str, rate_bp: int | None) -> int:
    if rate_bp is None:
        raise DomainError(f"Indiquez {rules_for(kind).name}.", field="rate")
    if not MIN_RATE_BP <= int(rate_bp) <= MAX_RATE_BP:
        raise DomainError("Taux invalide : entre -1 et 20 (en pour cent).", field="rate")
    return int(rate_bp)


def set_rate(session: Session, actor: User | None, kind: RateKind | str, *, valid_from: date | None,
             rate_bp: int | None, now: datetime) -> DatedRate:
    """Record (or correct) the rate of a semester; audited."""
    kind = RateKind(kind)
    valid_from = check_semester(kind, valid_from, today=paris_today(now))
    rate_bp = check_rate(kind, rate_bp)
    row = session.execute(select(DatedRate).where(DatedRate.kind == kind, DatedRate.valid_from == valid_from)) \
        .scalar_one_or_none()
    before = None if row is None else row.rate_bp
    if row is None:
        row = DatedRate(kind=kind, valid_from=valid_from, rate_bp=rate_bp)
        session.add(row)
    row.rate_bp, row.updated_at, row.updated_by_id = rate_bp, now, actor.id if actor else None
    session.flush()
    audit.record(session, actor, "create" if before is None else "update", row,
                 summary=f"{rules_for(kind).title} du {semester_label(valid_from)} : "
                         f"{before if before is not None else '—'} → {rate_bp} (centièmes de %)",
                 before={"rate_bp": before}, after={"rate_bp": rate_bp}, now=now)
    return row


def rate_for(session: Session, kind: RateKind | str, day: date) -> int | None:
    """The rate of the semester of ``day`` (None when it was not filled in: never 0 by default)."""
    return session.execute(select(DatedRate.rate_bp).where(DatedRate.kind == RateKind(kind),
                                                           DatedRate.valid_from == semester_start(day))) \
        .scalar_one_or_none()


def rates(session: Session, kind: RateKind | str, limit: int = 20) -> list[DatedRate]:
    """The recorded rates of a kind, the latest semester first."""
    return list(session.execute(select(DatedRate).where(DatedRate.kind == RateKind(kind))
                                .order_by(DatedRate.valid_from.desc()).limit(limit)).scalars())
