"""The application's one clock: "now" (UTC-aware) and "today" (the calendar day in Paris).

Every view, service caller, job, the demo and the benchmark read the time here, never ``datetime.now()`` or
``date.today()``: the tests pin this clock (``COOPNUM_TEST_TODAY`` replays a day) and the demo can be built at any
date. Services never call it themselves: they take ``now`` as an argument.

Dates of service are Paris calendar days; instants are stored in UTC. The helpers convert between the two.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Paris."""
    return paris_today(now())


def paris_today(moment: datetime) -> date:
    """The Paris calendar day of an instant."""
    return moment.astimezone(PARIS).date()


def to_paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def paris_midnight(day: date) -> datetime:
    """The instant (UTC) a Paris calendar day starts (23:00 or 22:00 UTC the day before)."""
    return datetime.combine(day, time.min, PARIS).astimezone(UTC)


def paris_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Paris calendar day as UTC instants: 23, 24 or 25 hours long."""
    return paris_midnight(day), paris_midnight(day + timedelta(days=1))


def month_start(day: date) -> date:
    """The first day of the month of ``day``."""
    return day.replace(day=1)


def month_label(month: date) -> str:
    """« novembre 2026 »: a month in French, for messages and titles."""
    from babel.dates import format_date

    return format_date(month, "MMMM y", locale="fr")


def paris_datetime(day: date, at: time) -> datetime:
    """A wall-clock time on a Paris calendar day, as a UTC instant."""
    return datetime.combine(day, at, PARIS).astimezone(UTC)


def french_date(d: date) -> str:
    """« mardi 24 novembre 2026 »."""
    from babel.dates import format_date

    return format_date(d, "EEEE d MMMM y", locale="fr")


def describe_slot(start: datetime, end: datetime) -> str:
    """« le mardi 24 novembre 2026 de 09:00 à 12:00 » (Paris time), for messages and the audit log."""
    s, e = to_paris(start), to_paris(end)
    if s.time() == e.time() == time(0) and e > s:  # whole days (an absence): the dates only, no « 00:00 »
        from coopnum.core.formats import span

        return span(s.replace(tzinfo=None), e.replace(tzinfo=None), "fr")
    if s.date() == e.date():
        return f"le {french_date(s.date())} de {s:%H:%M} à {e:%H:%M}"
    return f"du {french_date(s.date())} {s:%H:%M} au {french_date(e.date())} {e:%H:%M}"
