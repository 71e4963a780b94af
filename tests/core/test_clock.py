"""The one clock: what it answers, that the tests pin it, and that nothing else reads the wall clock."""

import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from coopnum.core import clock
from tests import days

ROOT = Path(__file__).resolve().parents[2]
WALL_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|datetime\.today\(|time\.time\(|"
                        r"\butcnow\(")


def test_the_clock_is_pinned_to_the_test_day():
    assert clock.now() == days.NOW
    assert clock.now().tzinfo is not None and clock.now().utcoffset() == timedelta(0)
    assert clock.today() == days.TODAY
    assert clock.to_paris(clock.now()).hour == days.NOON_HOUR
    if os.environ.get("COOPNUM_TEST_TODAY"):
        assert days.TODAY == date.fromisoformat(os.environ["COOPNUM_TEST_TODAY"])


@pytest.mark.real_clock
def test_unpinned_the_clock_is_the_wall_clock():
    """The one test that reads the wall clock: without the pin, now() is the real, current instant."""
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)
    assert clock.today() == clock.paris_today(datetime.now(UTC)) or clock.today() == clock.paris_today(before)


def test_today_is_the_paris_day_not_the_utc_day(travel):
    # 23:30 UTC on 31 December is already 1 January in Paris (UTC+1 in winter)
    travel.move_to(datetime(2027, 12, 31, 23, 30, tzinfo=UTC))
    assert clock.now().date() == date(2027, 12, 31)
    assert clock.today() == date(2028, 1, 1)
    # 22:30 UTC on 30 June is already 1 July in Paris (UTC+2 in summer)
    travel.move_to(datetime(2027, 6, 30, 22, 30, tzinfo=UTC))
    assert clock.today() == date(2027, 7, 1)


def test_paris_days_last_23_24_or_25_hours():
    def hours(day):
        start, end = clock.paris_day_bounds(day)
        return (end - start) / timedelta(hours=1)

    assert hours(date(2027, 3, 28)) == 23  # clocks go forward at 02:00
    assert hours(date(2027, 10, 31)) == 25  # clocks go back at 03:00
    assert hours(date(2028, 2, 29)) == 24
    assert clock.paris_midnight(date(2027, 7, 14)) == datetime(2027, 7, 13, 22, tzinfo=UTC)
    assert clock.paris_datetime(date(2027, 3, 28), datetime.min.time().replace(hour=9)) == \
        datetime(2027, 3, 28, 7, tzinfo=UTC)


def test_the_test_calendar_helpers():
    assert days.month_start(0).day == 1 and days.month_start(0) <= days.TODAY <= days.month_end(0)
    assert days.month_end(-1) < days.month_start(0) == days.month_end(-1) + timedelta(days=1)
    assert days.month_start(-12) == days.TODAY.replace(day=1, year=days.TODAY.year - 1)
    assert days.nth_weekday(date(2027, 9, 1), days.WEDNESDAY, 5) == date(2027, 9, 29)
    assert days.week_monday().weekday() == days.MONDAY and 0 <= (days.TODAY - days.week_monday()).days < 7
    assert days.month_key(1, ref=date(2027, 12, 15)) == "2028-01"


def test_nothing_else_reads_the_wall_clock():
    """The application, the demo, the benchmark and the tests read the time from coopnum.core.clock only."""
    allowed = {ROOT / "coopnum/core/clock.py", Path(__file__).resolve()}
    offenders = []
    for folder in ("coopnum", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in allowed:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WALL_CLOCK.search(line.split("#", 1)[0]):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
