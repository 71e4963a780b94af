"""Services of the missions domain: conventions."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlmodel import Session

from coopnum.missions.models import Convention, Mission, MissionSession, SessionStatus, VolumeUnit


@dataclass(frozen=True)
class VolumeSummary:
    """Volume of a convention: contracted, used (held, or past and not cancelled) and planned (future)."""

    unit: str  # VolumeUnit
    contracted: Decimal
    used: Decimal
    planned: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.contracted - self.used - self.planned

    @property
    def percent_used(self) -> int:
        if not self.contracted:
            return 0
        return int(self.used * 100 / self.contracted)

    @property
    def over_contract(self) -> bool:
        return self.contracted > 0 and self.used + self.planned > self.contracted


def volume_summaries(session: Session, convention_ids: list[int], *, now: datetime) -> dict[int, VolumeSummary]:
    """Volume used vs contracted for several conventions in one query (no N+1)."""
    if not convention_ids:
        return {}
    minutes = (func.extract("epoch", MissionSession.end) - func.extract("epoch", MissionSession.start)) / 60
    if session.get_bind().dialect.name == "sqlite":
        minutes = (func.julianday(MissionSession.end) - func.julianday(MissionSession.start)) * 1440
    done = (MissionSession.status == SessionStatus.HELD) | (
        (MissionSession.status == SessionStatus.PLANNED) & (MissionSession.end <= now)
    )
    future = (MissionSession.status == SessionStatus.PLANNED) & (MissionSession.end > now)
    rows = session.execute(
        select(
            Mission.convention_id,
            func.coalesce(func.sum(case((done, minutes), else_=0)), 0),
            func.coalesce(func.sum(case((done, 1), else_=0)), 0),
            func.coalesce(func.sum(case((future, minutes), else_=0)), 0),
            func.coalesce(func.sum(case((future, 1), else_=0)), 0),
        )
        .join(MissionSession, MissionSession.mission_id == Mission.id)
        .where(Mission.convention_id.in_(convention_ids))
        .group_by(Mission.convention_id)
    ).all()
    figures = {r[0]: r[1:] for r in rows}
    conventions = session.execute(
        select(Convention.id, Convention.volume_unit, Convention.contracted_volume).where(
            Convention.id.in_(convention_ids)
        )
    ).all()
    result = {}
    for cid, unit, contracted in conventions:
        used_min, used_n, planned_min, planned_n = figures.get(cid, (0, 0, 0, 0))
        if unit == VolumeUnit.SESSIONS:
            used, planned = Decimal(int(used_n)), Decimal(int(planned_n))
        else:
            used = (Decimal(round(float(used_min))) / 60).quantize(Decimal("0.01"))
            planned = (Decimal(round(float(planned_min))) / 60).quantize(Decimal("0.01"))
        result[cid] = VolumeSummary(unit=unit, contracted=Decimal(contracted), used=used, planned=planned)
    return result
