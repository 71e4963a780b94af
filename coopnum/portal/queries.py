"""Read-only queries of the authority portal: an organisation's conventions and sessions — never another one's."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
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
    return list(session.execute(conventions_stmt(organisation_id)).scalars().unique())


def conventions_stmt(organisation_id: int, *, ended_since: date | None = None) -> Select:
    """The organisation's conventions, the most recent first; with ``ended_since``, those ending that day or
    later (the current ones and the recently ended)."""
    stmt = select(Convention).where(Convention.organisation_id == organisation_id)
    if ended_since is not None:
        stmt = stmt.where(Convention.end_date >= ended_since)
    return stmt.order_by(Convention.start_date.desc(), Convention.reference)


def recent_conventions(session: Session, organisation_id: int, *, today: date) -> tuple[list[Convention], int]:
    """The conventions the portal's home shows (in progress, to come, or ended less than a year before ``today``)
    and the count of the older ones (on the conventions page): ten years of conventions would bury the current."""
    since = today - timedelta(days=RECENT_DAYS)
    older = (select(func.count()).select_from(Convention)
             .where(Convention.organisation_id == organisation_id, Convention.end_date < since).scalar_subquery())
    rows = session.execute(conventions_stmt(organisation_id, ended_since=since).add_columns(older)).unique().all()
    if rows:
        return [row[0] for row in rows], rows[0][1]
    return [], session.execute(select(older)).scalar_one()  # (one query either way)


RECENT_DAYS = 365


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
