"""Calendars and iCal feeds: the sessions of a period (one query, no N+1) and the secret, revocable feed URLs of
a mediator, a place or an organisation.

Services take plain values, the acting user and ``now``; they never commit and raise DomainError in French."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import contains_eager, defaultload, joinedload, lazyload, selectinload
from sqlmodel import Session

from coopnum.core import audit, calendar_sources, formats, settings
from coopnum.core.errors import DomainError, NotFound
from coopnum.core.models import Role, User, UserRole
from coopnum.missions import ical
from coopnum.missions.models import (
    MAX_SESSION_DURATION,
    Absence,
    Assignment,
    CalendarFeed,
    FeedKind,
    Mission,
    MissionSession,
    SessionStatus,
    assigned_to,
)
from coopnum.organisations.models import Convention, Organisation, Place

FEED_PAST = timedelta(days=90)
FEED_FUTURE = timedelta(days=400)
TOUCH_EVERY = timedelta(hours=1)
SESSION_PATH = "/missions/sessions/{id}"  # the session page (endpoint missions.session_detail)


# --- sessions of a period -----------------------------------------------------------------------------------------

def sessions_between(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    mediator_id: int | None = None,
    place_id: int | None = None,
    organisation_id: int | None = None,
) -> list[MissionSession]:
    """Sessions starting in [start, end), sorted by time, in ONE query with their mission, place, convention and
    organisation joined, plus one query for the assignments and their users (selectinload): never N+1."""
    mission = contains_eager(MissionSession.mission)
    stmt = (
        select(MissionSession)
        .join(MissionSession.mission)
        .join(Mission.place)
        .join(Mission.convention)
        .join(Convention.organisation)
        .options(
            mission.contains_eager(Mission.place),
            mission.contains_eager(Mission.convention).contains_eager(Convention.organisation),
            mission.contains_eager(Mission.convention).lazyload(Convention.services),
            mission.lazyload(Mission.default_mediators),
            selectinload(MissionSession.assignments).joinedload(Assignment.user).lazyload(User.roles),
        )
        .where(MissionSession.start >= start, MissionSession.start < end)
        .order_by(MissionSession.start, MissionSession.end, MissionSession.id)
    )
    stmt = _calendar_filters(stmt, mediator_id, place_id, organisation_id)
    return list(session.execute(stmt).unique().scalars())


def _in_period(stmt, start: datetime, end: datetime):
    """A calendar's columns (``stmt``) of the sessions starting in [start, end), with their mission, by time."""
    return (stmt.join(Mission, Mission.id == MissionSession.mission_id)
            .where(MissionSession.start >= start, MissionSession.start < end)
            .order_by(MissionSession.start, MissionSession.end, MissionSession.id))


def _calendar_filters(stmt, mediator_id: int | None, place_id: int | None, organisation_id: int | None):
    """The calendars' filters: a mediator's sessions, a place's, an organisation's (through its conventions)."""
    if mediator_id:
        stmt = stmt.where(assigned_to(mediator_id))
    if place_id:
        stmt = stmt.where(Mission.place_id == place_id)
    if organisation_id:
        stmt = stmt.where(Mission.convention_id.in_(
            select(Convention.id).where(Convention.organisation_id == organisation_id)))
    return stmt


MONTH_PER_DAY = 6  # sessions a day cell of the month calendar shows; the others are counted (« + 34 autres »)


@dataclass(frozen=True, slots=True)
class MonthEntry:
    """A session as a day cell of the month calendar shows it: plain values, not a loaded session."""

    id: int
    start: datetime
    title: str
    cancelled: bool
    open: bool


@dataclass
class MonthDay:
    """A day's cell: its first ``MONTH_PER_DAY`` sessions, then how many more (and how many of those are open)."""

    entries: list[MonthEntry]
    more: int = 0
    more_open: int = 0


def month_days(session: Session, start: datetime, end: datetime, *, day_of, mediator_id: int | None = None,
               place_id: int | None = None, organisation_id: int | None = None,
               per_day: int = MONTH_PER_DAY) -> dict:
    """The sessions starting in [start, end) by local day (``day_of(start)``), as ``MonthDay`` cells: one query of
    plain columns (a month of twenty mediators is ~900 sessions: loading them as objects cost half a second)."""
    taken = (select(func.count(Assignment.id)).where(Assignment.session_id == MissionSession.id)
             .correlate(MissionSession).scalar_subquery())
    stmt = _in_period(select(MissionSession.id, MissionSession.start, MissionSession.status, Mission.title,
                             Mission.mediators_needed, taken), start, end)
    stmt = _calendar_filters(stmt, mediator_id, place_id, organisation_id)
    days: dict = {}
    for sid, when, status, title, needed, assigned in session.execute(stmt):
        cancelled = status == SessionStatus.CANCELLED
        is_open_ = not cancelled and (assigned or 0) < (needed or 0)
        cell = days.setdefault(day_of(when), MonthDay([]))
        if len(cell.entries) < per_day:
            cell.entries.append(MonthEntry(sid, when, title, cancelled, is_open_))
        else:
            cell.more += 1
            cell.more_open += is_open_
    return days


@dataclass(frozen=True, slots=True)
class WeekEntry:
    """A session as the coordinator's week shows it: plain values (a week of twenty mediators is ~250 sessions;
    loading them as objects with their mission, place, convention and organisation cost ~100 ms)."""

    id: int
    start: datetime
    end: datetime
    status: str
    title: str
    place: str
    mediators: tuple[str, ...]  # the assigned mediators' names, sorted
    open: bool

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


def week_entries(session: Session, start: datetime, end: datetime, *, mediator_id: int | None = None,
                 place_id: int | None = None, organisation_id: int | None = None) -> list[WeekEntry]:
    """The sessions starting in [start, end), by time, as ``WeekEntry``: two queries of plain columns."""
    stmt = _in_period(select(MissionSession.id, MissionSession.start, MissionSession.end, MissionSession.status,
                             Mission.title, Place.name, Mission.mediators_needed), start, end
                      ).join(Place, Place.id == Mission.place_id)
    stmt = _calendar_filters(stmt, mediator_id, place_id, organisation_id)
    rows = session.execute(stmt).all()
    names: dict[int, list[str]] = {}
    if rows:
        ids = select(MissionSession.id).where(MissionSession.start >= start, MissionSession.start < end)
        for session_id, name in session.execute(
            select(Assignment.session_id, User.full_name).join(User, User.id == Assignment.user_id)
            .where(Assignment.session_id.in_(ids))
        ):
            names.setdefault(session_id, []).append(name)
    entries = []
    for sid, s_start, s_end, status, title, place, needed in rows:
        people = tuple(sorted(names.get(sid, ())))
        entries.append(WeekEntry(sid, s_start, s_end, status, title, place, people,
                                 status != SessionStatus.CANCELLED and len(people) < (needed or 0)))
    return entries


def absences_between(session: Session, start: datetime, end: datetime, *, mediator_id: int | None = None
                     ) -> list[Absence]:
    """Absences overlapping [start, end), with their user (joined), in one query."""
    stmt = (
        select(Absence)
        .options(joinedload(Absence.user).lazyload(User.roles))
        .where(Absence.start < end, Absence.end > start)
        .order_by(Absence.start, Absence.id)
    )
    if mediator_id:
        stmt = stmt.where(Absence.user_id == mediator_id)
    return list(session.execute(stmt).unique().scalars())


def is_open(s: MissionSession) -> bool:
    """Fewer mediators than the mission needs (and not cancelled): « à pourvoir »."""
    return not s.is_cancelled and len(s.assignments) < (s.mission.mediators_needed or 0)


def open_sessions(session: Session, *, now: datetime, limit: int = 10, exclude_user_id: int | None = None
                  ) -> list[MissionSession]:
    """The next planned sessions that still need mediators (one query + the assignments)."""
    # counted per session as the sessions are read in time order (not grouped over every assignment ever made:
    # 46 ms on five years)
    taken = (select(func.count(Assignment.id)).where(Assignment.session_id == MissionSession.id)
             .correlate(MissionSession).scalar_subquery())
    stmt = (
        select(MissionSession)
        .join(MissionSession.mission)
        .options(
            contains_eager(MissionSession.mission),
            selectinload(MissionSession.assignments).joinedload(Assignment.user).lazyload(User.roles),
        )
        .where(
            MissionSession.start >= now,
            MissionSession.status == SessionStatus.PLANNED,
            taken < Mission.mediators_needed,
        )
        .order_by(MissionSession.start, MissionSession.id)
        .limit(limit)
    )
    if exclude_user_id:
        stmt = stmt.where(~assigned_to(exclude_user_id))
    return list(session.execute(stmt).unique().scalars())


def next_sessions_of(session: Session, user_id: int, *, now: datetime, limit: int = 5) -> list[MissionSession]:
    """A mediator's next sessions (not cancelled), for the dashboard: each with its mission and place (joined), the
    collections the panel does not show left unloaded."""
    mission = defaultload(MissionSession.mission)
    stmt = (
        select(MissionSession)
        .options(lazyload(MissionSession.assignments), mission.lazyload(Mission.default_mediators),
                 mission.defaultload(Mission.convention).lazyload(Convention.services))
        .where(
            MissionSession.end > now,
            # implied by the end (no session lasts longer), it bounds the read of the start index: ordered by the
            # start, the query otherwise walked every past session before reaching the first one not over
            MissionSession.start > now - MAX_SESSION_DURATION,
            MissionSession.status != SessionStatus.CANCELLED,
            assigned_to(user_id),
        )
        .order_by(MissionSession.start, MissionSession.id)
        .limit(limit)
    )
    return list(session.execute(stmt).unique().scalars())


def mediators(session: Session) -> list[User]:
    """Active users with the mediator role, by name (for filters and feed targets)."""
    stmt = (
        select(User)
        .options(lazyload(User.roles))
        .where(User.active.is_(True),
               User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.MEDIATOR)))
        .order_by(User.full_name)
    )
    return list(session.execute(stmt).scalars())


# --- feeds --------------------------------------------------------------------------------------------------------

def _kind(kind: str | FeedKind) -> FeedKind:
    try:
        return FeedKind(kind)
    except ValueError as exc:
        raise DomainError("Type d'agenda inconnu.", field="kind") from exc


def feed_target(session: Session, kind: str | FeedKind, target_id: int):
    """The mediator (User), Place or Organisation a feed is about; NotFound when it does not exist."""
    kind = _kind(kind)
    if kind == FeedKind.MEDIATOR:
        target = session.get(User, target_id)
        if target is not None and not target.has_role(Role.MEDIATOR):
            target = None
    elif kind == FeedKind.PLACE:
        target = session.get(Place, target_id)
    else:
        target = session.get(Organisation, target_id)
    if target is None:
        raise NotFound("Élément introuvable.")
    return target


def target_label(kind: str | FeedKind, target) -> str:
    if kind == FeedKind.MEDIATOR:
        return target.full_name
    return target.name


def active_feed(session: Session, kind: str | FeedKind, target_id: int) -> CalendarFeed | None:
    return session.execute(
        select(CalendarFeed)
        .where(CalendarFeed.kind == str(kind), CalendarFeed.target_id == target_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def feed_by_token(session: Session, token: str) -> CalendarFeed | None:
    """The active feed with this token; None when unknown, revoked, or of a deactivated mediator."""
    if not token or len(token) > 64:
        return None
    feed = session.execute(
        select(CalendarFeed).where(CalendarFeed.token == token, CalendarFeed.revoked_at.is_(None))
    ).scalar_one_or_none()
    if feed is not None and feed.kind == FeedKind.MEDIATOR:
        owner = session.get(User, feed.target_id)
        if owner is None or not owner.active:
            return None  # a deactivated account's calendar is no longer served
    return feed


def _new_feed(session: Session, actor, kind: FeedKind, target_id: int, now: datetime) -> CalendarFeed:
    feed = CalendarFeed(kind=kind, target_id=target_id, token=ical.feed_token(), created_at=now,
                        created_by_id=getattr(actor, "id", None))
    session.add(feed)
    session.flush()
    return feed


def get_or_create_feed(session: Session, actor, kind: str | FeedKind, target_id: int, now: datetime) -> CalendarFeed:
    """The active feed of this target, created if needed (one active feed per kind and target)."""
    kind = _kind(kind)
    target = feed_target(session, kind, target_id)
    feed = active_feed(session, kind, target_id)
    if feed is None:
        feed = _new_feed(session, actor, kind, target_id, now)
        audit.record(session, actor, "create", feed,
                     summary=f"Lien d'agenda iCal créé ({kind}) : {target_label(kind, target)}", now=now)
    return feed


def regenerate_feed(session: Session, actor, kind: str | FeedKind, target_id: int, now: datetime) -> CalendarFeed:
    """Revoke the current URL of this target and make a new one: whoever had the old one loses access."""
    kind = _kind(kind)
    target = feed_target(session, kind, target_id)
    old = active_feed(session, kind, target_id)
    if old is not None:
        old.revoked_at = now
    feed = _new_feed(session, actor, kind, target_id, now)
    audit.record(session, actor, "regenerate", feed,
                 summary=f"Lien d'agenda iCal régénéré ({kind}) : {target_label(kind, target)}"
                 + (f" (remplace le lien n° {old.id})" if old is not None else ""), now=now)
    return feed


def revoke_feed(session: Session, actor, feed: CalendarFeed, now: datetime) -> None:
    if feed.revoked_at is not None:
        raise DomainError("Ce lien d'agenda est déjà révoqué.")
    feed.revoked_at = now
    audit.record(session, actor, "revoke", feed, summary=f"Lien d'agenda iCal révoqué ({feed.kind}, cible "
                 f"n° {feed.target_id})", now=now)


def needs_touch(feed: CalendarFeed, now: datetime) -> bool:
    return feed.last_accessed_at is None or now - feed.last_accessed_at >= TOUCH_EVERY


def touch_feed(session: Session, feed: CalendarFeed, now: datetime) -> bool:
    """Note the access, at most once per hour (a feed is polled often: no write on every fetch).

    A guarded UPDATE, so that concurrent fetches write at most once; no audit entry (not a change of data)."""
    if not needs_touch(feed, now):
        return False
    session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.id == feed.id,
               or_(CalendarFeed.last_accessed_at.is_(None), CalendarFeed.last_accessed_at <= now - TOUCH_EVERY))
        .values(last_accessed_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


@dataclass(frozen=True)
class FeedRow:
    feed: CalendarFeed
    label: str


def feed_rows(session: Session, feeds: list[CalendarFeed]) -> list[FeedRow]:
    """Feeds with the name of their target: one query per kind, whatever the number of feeds."""
    names: dict[tuple[str, int], str] = {}
    for kind, model, column in ((FeedKind.MEDIATOR, User, User.full_name), (FeedKind.PLACE, Place, Place.name),
                                (FeedKind.ORGANISATION, Organisation, Organisation.name)):
        ids = {f.target_id for f in feeds if f.kind == kind}
        if ids:
            for row in session.execute(select(model.id, column).where(model.id.in_(ids))):
                names[(str(kind), row[0])] = row[1]
    return [FeedRow(f, names.get((f.kind, f.target_id), f"n° {f.target_id}")) for f in feeds]


# --- feed content ------------------------------------------------------------------------------------------------

def _base_url(base_url: str | None) -> str:
    if base_url is None:
        from flask import current_app

        base_url = current_app.config["COOPNUM_BASE_URL"]
    return base_url.rstrip("/")


def _place_text(place: Place) -> str:
    parts = [place.name, place.address, place.address_complement, f"{place.postal_code} {place.city}".strip()]
    return ", ".join(p for p in parts if p)


def feed_sessions(session: Session, feed: CalendarFeed, *, now: datetime) -> list[MissionSession]:
    """The sessions of the feed's target from 90 days ago to 400 days ahead (cancelled ones included)."""
    filters = {FeedKind.MEDIATOR: "mediator_id", FeedKind.PLACE: "place_id",
               FeedKind.ORGANISATION: "organisation_id"}
    key = filters[FeedKind(feed.kind)]
    return sessions_between(session, now - FEED_PAST, now + FEED_FUTURE, **{key: feed.target_id})


def session_event(s: MissionSession, *, base_url: str) -> ical.CalendarEvent:
    host = urlsplit(base_url).hostname or "coopnum"
    url = base_url + SESSION_PATH.format(id=s.id)
    names = sorted((a.user.full_name for a in s.assignments if a.user is not None), key=str.lower)
    lines = [("Médiateur·rices : " + ", ".join(names)) if names else "Médiateur·rice : à pourvoir"]
    if s.is_cancelled:
        lines.insert(0, "Séance annulée" + (f" : {s.cancel_reason}" if s.cancel_reason else "."))
    if s.mission.convention is not None and s.mission.convention.organisation is not None:
        lines.append(f"Structure : {s.mission.convention.organisation.name}")
    lines.append(url)
    return ical.CalendarEvent(
        uid=f"session-{s.id}@{host}",
        start=s.start,
        end=s.end,
        summary=formats.label(s.mission.title, s.mission.place.name if s.mission.place else None),
        location=_place_text(s.mission.place),
        description="\n".join(lines),
        url=url,
        sequence=s.sequence or 0,
        cancelled=s.is_cancelled,
        last_modified=s.updated_at,
    )


def feed_events(session: Session, feed: CalendarFeed, *, now: datetime, base_url: str | None = None
                ) -> list[ical.CalendarEvent]:
    base = _base_url(base_url)
    events = [session_event(s, base_url=base) for s in feed_sessions(session, feed, now=now)]
    if feed.kind == FeedKind.MEDIATOR:  # other domains' events (trainings…): coopnum.core.calendar_sources
        host = urlsplit(base).hostname or "coopnum"
        events += [ical.CalendarEvent(uid=i.uid.replace("@coopnum", f"@{host}"), start=i.start, end=i.end,
                                      summary=i.title, location=i.location, description=i.description,
                                      url=base + i.url if i.url.startswith("/") else i.url, sequence=i.sequence,
                                      cancelled=i.cancelled)
                   for i in calendar_sources.items(session, [feed.target_id], now - FEED_PAST, now + FEED_FUTURE)]
    return events


def feed_title(session: Session, feed: CalendarFeed) -> str:
    """« <the cooperative's name> — <whose sessions> », as calendar applications list the subscription."""
    name = settings.cooperative_name(session)
    try:
        target = feed_target(session, feed.kind, feed.target_id)
    except NotFound:
        return name
    return f"{name} — {target_label(feed.kind, target)}"


def render_feed(session: Session, feed: CalendarFeed, *, now: datetime, base_url: str | None = None) -> bytes:
    """The iCalendar bytes of a feed."""
    events = feed_events(session, feed, now=now, base_url=base_url)
    return ical.build_calendar(events, name=feed_title(session, feed),
                               description="Séances de médiation numérique", now=now)

