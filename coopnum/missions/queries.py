"""Read-only queries of the missions pages: the lists with their filters, the counts a page shows, the dashboard
panels' figures."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import Session

from coopnum.core.models import User
from coopnum.missions.models import (
    Absence,
    CalendarFeed,
    Mission,
    MissionSession,
    MissionStatus,
    ServiceRequest,
    SessionStatus,
    assigned_to,
)
from coopnum.organisations.models import Convention


def missions_stmt(*, q: str | None = None, convention_id: int | None = None, place_id: int | None = None,
                  status: str | None = None):
    """The missions by title, with their convention (and its organisation) and place loaded, filtered by title,
    convention, place and status (active or archived; any other value: both)."""
    stmt = (
        select(Mission)
        .options(
            joinedload(Mission.convention).joinedload(Convention.organisation), joinedload(Mission.place)
        )
        .order_by(Mission.title)
    )
    if q:
        stmt = stmt.where(func.lower(Mission.title).like(f"%{q.lower()}%"))
    if convention_id:
        stmt = stmt.where(Mission.convention_id == convention_id)
    if place_id:
        stmt = stmt.where(Mission.place_id == place_id)
    if status in (MissionStatus.ACTIVE, MissionStatus.ARCHIVED):
        stmt = stmt.where(Mission.status == status)
    return stmt


def upcoming_session_counts(session: Session, mission_ids: list[int], *, now: datetime) -> dict[int, int]:
    """The number of planned sessions still to come of each mission."""
    if not mission_ids:
        return {}
    rows = session.execute(
        select(MissionSession.mission_id, func.count())
        .where(
            MissionSession.mission_id.in_(mission_ids),
            MissionSession.start > now,
            MissionSession.status == SessionStatus.PLANNED,
        )
        .group_by(MissionSession.mission_id)
    ).all()
    return dict(rows)


def mission_sessions_stmt(mission_id: int, *, past: bool, now: datetime):
    """The sessions of a mission with their assignments: those to come (soonest first), or the ``past`` ones
    (latest first)."""
    stmt = (
        select(MissionSession)
        .where(MissionSession.mission_id == mission_id)
        .options(selectinload(MissionSession.assignments))
    )
    if past:
        return stmt.where(MissionSession.start <= now).order_by(MissionSession.start.desc())
    return stmt.where(MissionSession.start > now).order_by(MissionSession.start)


def absences_stmt(*, user_id: int | None = None, ending_after: datetime | None = None):
    """The absences, latest first: of one person with ``user_id``, those not over at ``ending_after``."""
    stmt = select(Absence).order_by(Absence.start.desc())
    if user_id:
        stmt = stmt.where(Absence.user_id == user_id)
    if ending_after is not None:
        stmt = stmt.where(Absence.end > ending_after)
    return stmt


def active_feeds_stmt():
    """The iCal feeds not revoked, by kind then newest first."""
    return (select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.kind, CalendarFeed.id.desc()))


def requests_by_status(session: Session) -> dict[str, tuple[int, datetime]]:
    """{status: (number of requests, when the oldest was made)}, in one query (the coordination's dashboard
    panel)."""
    rows = session.execute(select(ServiceRequest.status, func.count(), func.min(ServiceRequest.created_at))
                           .group_by(ServiceRequest.status))
    return {status: (n, oldest) for status, n, oldest in rows}


def api_missions_stmt(*, scope_user: User | None = None, convention_id: int | None = None,
                      place_id: int | None = None, status: str | None = None):
    """The missions by id (the API's list): of ``scope_user``'s organisation only when given, filtered by
    convention, place and status."""
    stmt = select(Mission).order_by(Mission.id)
    if scope_user is not None:
        stmt = stmt.join(Convention).where(Convention.organisation_id == scope_user.organisation_id)
    if convention_id is not None:
        stmt = stmt.where(Mission.convention_id == convention_id)
    if place_id is not None:
        stmt = stmt.where(Mission.place_id == place_id)
    if status:
        stmt = stmt.where(Mission.status == status)
    return stmt


def api_sessions_stmt(*, scope_user: User | None = None, start: datetime | None = None, end: datetime | None = None,
                      mediator_ids=(), place_ids=(), convention_ids=(), mission_id: int | None = None,
                      status: str | None = None):
    """The sessions with their assignments, by start (the API's list): of ``scope_user``'s organisation only when
    given, starting in [start, end), and with each of the mediators, places, conventions, mission, status given."""
    stmt = (select(MissionSession).join(Mission, Mission.id == MissionSession.mission_id)
            .options(selectinload(MissionSession.assignments)).order_by(MissionSession.start, MissionSession.id))
    if scope_user is not None:
        stmt = stmt.join(Convention, Convention.id == Mission.convention_id).where(
            Convention.organisation_id == scope_user.organisation_id)
    if start:
        stmt = stmt.where(MissionSession.start >= start)
    if end:
        stmt = stmt.where(MissionSession.start < end)
    for mediator_id in mediator_ids:
        stmt = stmt.where(assigned_to(mediator_id))
    for column, values in ((Mission.place_id, place_ids), (Mission.convention_id, convention_ids),
                           (Mission.id, () if mission_id is None else (mission_id,))):
        for value in values:
            stmt = stmt.where(column == value)
    if status:
        stmt = stmt.where(MissionSession.status == status)
    return stmt


def count_of(session: Session, stmt) -> int:
    """The number of rows of a list's statement (one query)."""
    return int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())
