"""The volume done under conventions, from their missions' sessions: what the convention pages (organisations),
timesheets, reports and the portal show against the contracted volume, and a convention's missions."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlmodel import Session

from coopnum.missions.models import Mission, MissionSession, SessionStatus, planned_minutes_sql
from coopnum.organisations.models import Convention, VolumeUnit
from coopnum.organisations.services.conventions import VolumeSummary


def volume_summaries(session: Session, convention_ids: list[int], *, now: datetime) -> dict[int, VolumeSummary]:
    """Volume used vs contracted for several conventions in one query (no N+1): each convention with the sums of
    its missions' sessions (none: zero)."""
    if not convention_ids:
        return {}
    minutes = planned_minutes_sql(session)
    done = (MissionSession.status == SessionStatus.HELD) | (
        (MissionSession.status == SessionStatus.PLANNED) & (MissionSession.end <= now)
    )
    # A held session counts for the duration its mediator confirmed.
    minutes = case((MissionSession.status == SessionStatus.HELD,
                    func.coalesce(MissionSession.held_minutes, minutes)), else_=minutes)
    future = (MissionSession.status == SessionStatus.PLANNED) & (MissionSession.end > now)
    rows = session.execute(
        select(
            Convention.id, Convention.volume_unit, Convention.contracted_volume,
            func.coalesce(func.sum(case((done, minutes), else_=0)), 0),
            func.coalesce(func.sum(case((done, 1), else_=0)), 0),
            func.coalesce(func.sum(case((future, minutes), else_=0)), 0),
            func.coalesce(func.sum(case((future, 1), else_=0)), 0),
        )
        .outerjoin(Mission, Mission.convention_id == Convention.id)
        .outerjoin(MissionSession, MissionSession.mission_id == Mission.id)
        .where(Convention.id.in_(convention_ids))
        .group_by(Convention.id, Convention.volume_unit, Convention.contracted_volume)
    ).all()
    result = {}
    for cid, unit, contracted, used_min, used_n, planned_min, planned_n in rows:
        if unit == VolumeUnit.SESSIONS:
            used, planned = Decimal(int(used_n)), Decimal(int(planned_n))
        else:
            used = (Decimal(round(float(used_min))) / 60).quantize(Decimal("0.01"))
            planned = (Decimal(round(float(planned_min))) / 60).quantize(Decimal("0.01"))
        result[cid] = VolumeSummary(unit=unit, contracted=Decimal(contracted), used=used, planned=planned)
    return result


def convention_missions(session: Session, convention_id: int) -> list[Mission]:
    return list(session.execute(
        select(Mission).where(Mission.convention_id == convention_id).order_by(Mission.first_date, Mission.id)
    ).scalars().unique())
