"""The tests' calendar: the day the suite runs on, and dates computed from it.

The suite runs on one day, ``TODAY``: the real today (in Paris) by default, or ``COOPNUM_TEST_TODAY=YYYY-MM-DD``
to replay a day. The application's clock (``coopnum.core.clock``) is pinned to ``NOW`` (11:00 in Paris on that
day) for every test by ``tests/conftest.py``, and every date a test writes is computed from ``TODAY`` with the
helpers below, so that the suite passes on any day: the 1st or the 31st of a month, a leap day, the days the
clocks change.

Rules of thumb for a test's data:
- "a past day of an open month": a day of ``month_start(-1)`` (last month is wholly past, whatever today is);
- "a future day": a day of ``month_start(1)`` or later;
- "today" / "now": ``TODAY`` / ``NOW``; a session that has started today: ``at(TODAY, 9)`` (before 11:00).
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

from coopnum.core import clock

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
NOON_HOUR = 11  # the pinned time of day, in Paris


def _test_today() -> date:
    value = os.environ.get("COOPNUM_TEST_TODAY", "").strip()
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise SystemExit(f"COOPNUM_TEST_TODAY={value!r} is not a date (YYYY-MM-DD)") from exc
    return clock.today()  # the one read of the real clock: the day the suite pins


TODAY: date = _test_today()
NOW: datetime = clock.paris_datetime(TODAY, time(NOON_HOUR, 0))  # UTC-aware


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock time on ``day``, as a UTC-aware instant."""
    return clock.paris_datetime(day, time(hour, minute))


def days(n: int) -> date:
    """``n`` days from today (negative: in the past)."""
    return TODAY + timedelta(days=n)


def month_start(offset: int = 0, ref: date | None = None) -> date:
    """The first day of the month ``offset`` months from ``ref``'s month (today's by default)."""
    ref = ref or TODAY
    index = ref.year * 12 + ref.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def month_end(offset: int = 0, ref: date | None = None) -> date:
    """The last day of that month."""
    return month_start(offset + 1, ref) - timedelta(days=1)


def month_key(offset: int = 0, ref: date | None = None) -> str:
    """``YYYY-MM`` of that month, as in the URLs."""
    return f"{month_start(offset, ref):%Y-%m}"


def weekday_on_or_after(day: date, weekday: int) -> date:
    """The first ``weekday`` (MONDAY…SUNDAY) on or after ``day``."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def nth_weekday(month: date, weekday: int, n: int = 1) -> date:
    """The ``n``-th ``weekday`` of ``month``'s month (n=1…4 always exists)."""
    return weekday_on_or_after(month.replace(day=1), weekday) + timedelta(weeks=n - 1)


def week_monday(weeks: int = 0, ref: date | None = None) -> date:
    """The Monday of ``ref``'s week (today's by default), ``weeks`` weeks later."""
    ref = ref or TODAY
    return ref - timedelta(days=ref.weekday()) + timedelta(weeks=weeks)


def year_start(offset: int = 0) -> date:
    return date(TODAY.year + offset, 1, 1)


def year_end(offset: int = 0) -> date:
    return date(TODAY.year + offset, 12, 31)
