"""Read-only queries of the authority portal: an organisation's conventions and sessions — never another one's."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.core import clock
from coopnum.missions.models import Mission, MissionSession
from coopnum.organisations.models import Convention


@dataclass(frozen=True)
class SessionFilter:
    upcoming: bool = True
    convention_id: int | None = None
    date_from: date | None = None  # Paris calendar days, inclusive
    date_to: date | None = None


def portal_conventions(session: Session, organisation_id: int) -> list[Convention]:
    """The organisation's conventions, the most recent first."""
    return list(session.execute(
        select(Convention).where(Convention.organisation_id == organisation_id)
        .order_by(Convention.start_date.desc(), Convention.reference)
    ).scalars().unique())


def organisation_sessions_stmt(organisation_id: int, filters: SessionFilter, *, now: datetime) -> Select:
    """Sessions of the missions under the organisation's conventions — never another organisation's."""
    stmt = (
        select(MissionSession)
        .join(Mission, MissionSession.mission_id == Mission.id)
        .join(Convention, Mission.convention_id == Convention.id)
        .where(Convention.organisation_id == organisation_id)
        .options(selectinload(MissionSession.assignments))
    )
    if filters.upcoming:
        stmt = stmt.where(MissionSession.end > now).order_by(MissionSession.start, MissionSession.id)
    else:
        stmt = stmt.where(MissionSession.end <= now).order_by(MissionSession.start.desc(), MissionSession.id.desc())
    if filters.convention_id:
        stmt = stmt.where(Mission.convention_id == filters.convention_id)
    if filters.date_from:
        stmt = stmt.where(MissionSession.start >= clock.paris_midnight(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(MissionSession.start < clock.paris_midnight(filters.date_to + timedelta(days=1)))
    return stmt


def next_sessions(session: Session, organisation_id: int, *, now: datetime, limit: int = 5) -> list[MissionSession]:
    stmt = organisation_sessions_stmt(organisation_id, SessionFilter(upcoming=True), now=now).limit(limit)
    return list(session.execute(stmt).scalars().unique())
