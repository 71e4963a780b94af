"""The check of the voting colleges before an assembly is convened or a vote opens (stand-in for
``registry.check_colleges`` of the register's helper, until both are merged: the lead reconciles them)."""

from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core.errors import DomainError
from coopnum.members.models import College


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",") + " %"


def check_colleges(session: Session) -> None:
    """DomainError naming the problem unless there are at least 3 active colleges, each weighing 10 to 50 %,
    summing to 100 %."""
    colleges = session.execute(select(College).where(College.active.is_(True))
                               .order_by(College.position, College.id)).scalars().all()
    if len(colleges) < 3:
        raise DomainError(f"Il faut au moins 3 collèges de vote actifs (il y en a {len(colleges)}) : "
                          "complétez les collèges avant de convoquer ou d'ouvrir un vote.")
    for college in colleges:
        weight = Decimal(college.weight_percent)
        if weight < 10 or weight > 50:
            raise DomainError(f"Le collège « {college.name} » pèse {_pct(weight)} : chaque collège doit peser "
                              "entre 10 % et 50 % des voix.")
    total = sum((Decimal(c.weight_percent) for c in colleges), Decimal(0))
    if total != 100:
        raise DomainError(f"Les poids des collèges totalisent {_pct(total)} au lieu de 100 % : corrigez-les avant "
                          "de convoquer ou d'ouvrir un vote.")
