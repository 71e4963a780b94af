"""Demo data of the planning: a year of missions for the demo conventions, with sessions around today."""

from datetime import date, datetime, time, timedelta

from coopnum.core import clock
from coopnum.missions.models import MissionKind
from coopnum.missions.services import assignment, planning

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
SLOTS = [(time(9), time(12)), (time(14), time(17))]


def seed_missions(ctx) -> None:
    """One weekly permanence per place of each convention's organisation, and a workshop series every other
    week for half of the conventions. Mediators are spread so that nobody is double-booked; a few sessions are
    left open, one is cancelled, and a mediator is absent next week."""
    from coopnum.core.db import db

    session = db.session
    conventions = getattr(ctx, "conventions", [])
    places_by_org: dict[int, list] = {}
    for place in ctx.places:
        places_by_org.setdefault(place.organisation_id, []).append(place)
    ctx.missions = []
    index = 0
    for n, convention in enumerate(conventions):
        for place in places_by_org.get(convention.organisation_id, [])[:2]:
            mediator = ctx.mediators[index % len(ctx.mediators)]
            start, end = SLOTS[(index // len(ctx.mediators)) % 2]
            first = _first_weekday(_planning_start(ctx, convention), index % 5)
            mission, _report = planning.create_mission(session, ctx.coordinator, planning.MissionData(
                convention_id=convention.id, place_id=place.id, title=f"Permanence numérique — {place.name}",
                kind=MissionKind.PERMANENCE, rrule=f"FREQ=WEEKLY;BYDAY={WEEKDAYS[index % 5]}",
                first_date=first, start_time=start, end_time=end,
                default_mediator_ids=[mediator.id]), now=ctx.now)
            ctx.missions.append(mission)
            index += 1
        if n % 2 == 0 and places_by_org.get(convention.organisation_id):
            place = places_by_org[convention.organisation_id][0]
            mediator = ctx.mediators[(index + 7) % len(ctx.mediators)]
            first = _first_weekday(_planning_start(ctx, convention), 2)  # Wednesdays, afternoon workshops
            mission, _report = planning.create_mission(session, ctx.coordinator, planning.MissionData(
                convention_id=convention.id, place_id=place.id, title="Atelier « Premiers pas sur le smartphone »",
                kind=MissionKind.WORKSHOP_SERIES, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
                first_date=first, start_time=time(14, 30), end_time=time(16, 30), mediators_needed=2,
                default_mediator_ids=[mediator.id]), now=ctx.now)
            ctx.missions.append(mission)
        session.flush()
    if ctx.missions:
        seed_exceptions(ctx, session)


def _planning_start(ctx, convention) -> date:
    """The convention's start, or the demo's first day of planning (``ctx.since``) when later."""
    since = getattr(ctx, "since", None)
    return max(convention.start_date, since) if since else convention.start_date


def _first_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def seed_exceptions(ctx, session) -> None:
    from sqlalchemy import select

    from coopnum.missions.models import MissionSession, SessionStatus

    upcoming = session.execute(
        select(MissionSession).where(MissionSession.start > ctx.now, MissionSession.status == SessionStatus.PLANNED)
        .order_by(MissionSession.start).limit(40)
    ).scalars().all()
    if upcoming:
        planning.cancel_session(session, ctx.coordinator, upcoming[3 % len(upcoming)], "Salle indisponible (élections)",
                                now=ctx.now)
    # a mediator is on leave next week: their sessions become open
    local_today = ctx.now.astimezone(clock.PARIS).date()
    monday = local_today + timedelta(days=7 - local_today.weekday())
    assignment.create_absence(session, ctx.coordinator, ctx.mediators[2], "leave",
                            datetime.combine(monday, time.min, clock.PARIS),
                            datetime.combine(monday + timedelta(days=5), time.min, clock.PARIS),
                            "Congés", now=ctx.now)
