"""Other domains' events in the calendars and iCal feeds of the missions domain, without missions knowing them
(domains depend one way): a domain registers a source

    calendar_sources.register(fn)   # fn(session, user_ids, start, end) -> list[CalendarItem]

where ``user_ids`` is the users whose calendar is shown (None: everyone's, the coordinator's calendar), ``start`` and
``end`` the UTC-aware bounds of the period. The missions calendars and the mediators' feeds call ``items(...)``."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class CalendarItem:
    uid: str  # stable across changes: "training-12-am-2026-12-14@coopnum"
    title: str
    start: datetime  # UTC-aware
    end: datetime
    location: str = ""
    url: str = ""  # the path of the object's page (made absolute by the feed)
    user_ids: frozenset[int] = field(default_factory=frozenset)  # whose calendar it belongs to
    sequence: int = 0  # iCalendar SEQUENCE: increases at every change
    cancelled: bool = False
    description: str = ""


_SOURCES: list[Callable] = []


def register(fn: Callable) -> None:
    if fn not in _SOURCES:
        _SOURCES.append(fn)


def items(session, user_ids: Iterable[int] | None, start: datetime, end: datetime) -> list[CalendarItem]:
    """The items of every source over ``[start, end)``, by start."""
    ids = None if user_ids is None else frozenset(user_ids)
    found: list[CalendarItem] = []
    for fn in _SOURCES:
        found.extend(fn(session, ids, start, end))
    return sorted(found, key=lambda i: (i.start, i.uid))
