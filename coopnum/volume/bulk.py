"""Bulk writing for the volume generator: ids given by us, rows inserted by chunks with one ``INSERT … VALUES``
executed many times (no ORM objects: a row costs microseconds instead of a millisecond), the row counts kept.

Ids are given here (the next after the table's largest) so that rows can point at each other before they are
written; on PostgreSQL the table's sequence is then moved past them, so that the services' own inserts that follow
(the demo's parts) get fresh ids."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from coopnum.core.clock import PARIS, month_start, paris_datetime

CHUNK = 5000


class Bulk:
    """Id allocation and chunked inserts into the tables of SQLModel classes, for one session."""

    def __init__(self, session):
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.counts: Counter[str] = Counter()
        self._next: dict[str, int] = {}

    def ids(self, model, n: int) -> range:
        """``n`` fresh ids of ``model``'s table (consecutive, never given twice in this run)."""
        name = model.__table__.name
        if name not in self._next:
            largest = self.session.execute(select(func.max(model.__table__.c.id))).scalar()
            self._next[name] = (largest or 0) + 1
        first = self._next[name]
        self._next[name] = first + n
        return range(first, first + n)

    def next_id(self, model) -> int:
        return self.ids(model, 1)[0]

    def insert(self, model, rows: Sequence[dict]) -> None:
        """Insert ``rows`` (dicts with the same keys) into ``model``'s table, by chunks."""
        if not rows:
            return
        table = model.__table__
        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(table), list(rows[start:start + CHUNK]))
        self.counts[table.name] += len(rows)
        if self.postgres and "id" in rows[0]:
            self.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT MAX(id) FROM \"{table.name}\"))"))

    def forget_ids(self) -> None:
        """Read the tables' largest ids again (after the services inserted rows of their own)."""
        self._next.clear()


@dataclass
class Period:
    """The generated years: ``years`` × 12 months ending with the last full month before ``now`` (the past, held
    and logged), then the current month up to today and ``ahead_days`` of planned sessions."""

    now: datetime
    years: int
    ahead_days: int = 56
    today: date = field(init=False)
    first_month: date = field(init=False)
    this_month: date = field(init=False)
    last_month: date = field(init=False)
    horizon: date = field(init=False)

    def __post_init__(self) -> None:
        self.today = self.now.astimezone(PARIS).date()
        self.this_month = month_start(self.today)
        self.first_month = add_months(self.this_month, -12 * self.years)
        self.last_month = add_months(self.this_month, -1)
        self.horizon = self.today + timedelta(days=self.ahead_days)

    @property
    def calendar_years(self) -> range:
        return range(self.first_month.year, self.horizon.year + 1)

    def months(self, start: date | None = None, stop: date | None = None) -> Iterator[date]:
        """First days of the months from ``start`` (default: the first) up to ``stop`` excluded (default: this
        month)."""
        month, stop = start or self.first_month, stop or self.this_month
        while month < stop:
            yield month
            month = add_months(month, 1)


def add_months(day: date, n: int) -> date:
    """The first day of the month ``n`` months after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def weekdays(start: date, end: date, weekday: int) -> Iterator[date]:
    """Every ``weekday`` (0: Monday) from ``start`` to ``end`` included."""
    day = start + timedelta(days=(weekday - start.weekday()) % 7)
    while day <= end:
        yield day
        day += timedelta(days=7)


_PARIS: dict[tuple[date, time], datetime] = {}


def paris(day: date, at: time) -> datetime:
    """A wall-clock time on a Paris day, as a UTC-aware instant (cached: the generator asks for the same few)."""
    key = (day, at)
    found = _PARIS.get(key)
    if found is None:
        if len(_PARIS) > 200_000:
            _PARIS.clear()
        found = _PARIS[key] = paris_datetime(day, at)
    return found


class Weighted:
    """A weighted choice drawn fast (cumulated weights computed once)."""

    def __init__(self, pairs: Iterable[tuple]):
        pairs = list(pairs)
        self.values = [v for v, _w in pairs]
        total, self.cum = 0, []
        for _v, w in pairs:
            total += w
            self.cum.append(total)

    def __call__(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cum)[0]


def set_counter(session, series: str, value: int) -> None:
    """The last number given in a gapless series (``coopnum.billing.numbering``), after bulk numbered rows."""
    from coopnum.billing import numbering
    from coopnum.billing.models import NumberCounter

    numbering.next_value(session, series)  # creates the counter row when there is none
    session.execute(NumberCounter.__table__.update().where(NumberCounter.series == series).values(last_value=value))
