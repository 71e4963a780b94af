"""iCalendar (RFC 5545 / RFC 7986) feed of mediation sessions.

Pure module: no Flask, no database. The caller maps its sessions to
:class:`CalendarEvent` and serves the bytes as ``text/calendar; charset=utf-8``.

icalendar 7 pitfalls handled here:

* ``NAME``, ``X-WR-CALNAME`` and ``X-WR-CALDESC`` are not registered as TEXT
  properties, so ``Calendar.calendar_name`` / ``Calendar.description`` store them
  as ``vUnknown``: commas/semicolons are not escaped and a newline makes
  ``to_ical()`` raise ``AssertionError``. We wrap them in ``vText`` explicitly.
* ``Calendar.new()`` adds a random ``UID`` to the VCALENDAR, which would make
  the feed non-deterministic; we build a bare ``Calendar()`` instead.
* ``Calendar.refresh_interval = ...`` omits the ``VALUE=DURATION`` parameter
  that RFC 7986 makes mandatory for ``REFRESH-INTERVAL``; we add it ourselves.
* ``Timezone.from_tzid()`` defaults to 1970-2038 (one RDATE per transition);
  we limit it to the years the feed actually covers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration, vText
from icalendar.enums import STATUS

from coopnum.core import clock

__all__ = ["CalendarEvent", "build_calendar", "feed_token"]


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable, e.g. "session-123@coopnum.example"
    start: datetime  # timezone-aware
    end: datetime  # timezone-aware
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0  # must increase each time the session changes
    cancelled: bool = False  # -> STATUS:CANCELLED, kept in the feed
    last_modified: datetime | None = None  # timezone-aware
    categories: tuple[str, ...] = ()


def feed_token() -> str:
    """A new unguessable, URL-safe token for a secret feed URL."""
    return secrets.token_urlsafe(24)


def _aware(value: datetime, field: str) -> datetime:
    # astimezone() on a naive datetime silently assumes the server's local time.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware, got {value!r}")
    return value


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    """``value`` in ``zone``, or in UTC if it falls in the repeated hour of a DST fall-back.

    RFC 5545 reads an ambiguous local time as its first occurrence, so the second
    one (``fold=1``) cannot be written with a TZID without shifting it by an hour.
    """
    local = value.astimezone(zone)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return value.astimezone(UTC)
    return local


def _to_event(ev: CalendarEvent, zone: ZoneInfo, stamp: datetime) -> Event:
    start, end = _aware(ev.start, "start"), _aware(ev.end, "end")
    # Compare in UTC: same-tzinfo comparisons use wall time and ignore ``fold``.
    if end.astimezone(UTC) <= start.astimezone(UTC):
        raise ValueError(f"event {ev.uid!r}: end must be after start")
    last_modified = ev.last_modified and _aware(ev.last_modified, "last_modified").astimezone(UTC)
    return Event.new(
        uid=ev.uid,
        stamp=stamp,
        start=_local(start, zone),
        end=_local(end, zone),
        summary=ev.summary,
        location=ev.location or None,
        description=ev.description or None,
        url=ev.url or None,
        sequence=ev.sequence,
        status=STATUS.CANCELLED if ev.cancelled else STATUS.CONFIRMED,
        last_modified=last_modified or None,
        categories=ev.categories,
    )


def build_calendar(
    events: Iterable[CalendarEvent],
    *,
    name: str,
    description: str = "",
    tz: str = "Europe/Paris",
    prodid: str = "-//coopnum//coopnum//FR",
    now: datetime | None = None,
    refresh_minutes: int = 60,
) -> bytes:
    """Serialize ``events`` as an iCalendar feed (UTF-8, CRLF, folded lines)."""
    if refresh_minutes <= 0:
        raise ValueError("refresh_minutes must be positive")
    zone = ZoneInfo(tz)
    stamp = _aware(now, "now").astimezone(UTC) if now else clock.now()
    refresh = timedelta(minutes=refresh_minutes)
    items = sorted(events, key=lambda e: (e.start, e.end, e.uid))

    cal = Calendar()
    cal.add("PRODID", prodid)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.add("NAME", vText(name))
    cal.add("X-WR-CALNAME", vText(name))
    cal.add("X-WR-TIMEZONE", vText(tz))
    if description:
        cal.add("DESCRIPTION", vText(description))
        cal.add("X-WR-CALDESC", vText(description))
    cal.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(refresh))

    # Always ship the VTIMEZONE: clients that do not know the TZID need it, and it
    # keeps an empty feed valid (RFC 5545 requires at least one component).
    years = [stamp.year] + [e.start.year for e in items] + [e.end.year for e in items]
    cal.add_component(
        Timezone.from_tzid(tz, first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 2, 1, 1))
    )
    for ev in items:
        cal.add_component(_to_event(ev, zone, stamp))
    return cal.to_ical()
