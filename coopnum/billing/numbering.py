"""Gapless numbering series (art. 242 nonies A CGI): one counter row per series (e.g. ``F2026``).

``next_value`` must run inside the transaction that freezes the document: it locks the counter row
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the writing transaction is ``BEGIN IMMEDIATE``, so it already
holds the database's write lock), increments it and returns the new value. If the transaction rolls back, the
increment rolls back with it: no number is burnt, and the next issue gets it."""

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from coopnum.billing.models import NumberCounter


def _ensure_counter(session: Session, series: str) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(NumberCounter).values(series=series, last_value=0).on_conflict_do_nothing(
        index_elements=["series"])
    session.execute(stmt)


def next_value(session: Session, series: str) -> int:
    _ensure_counter(session, series)
    counter = session.execute(
        select(NumberCounter).where(NumberCounter.series == series).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    counter.last_value += 1
    session.flush()
    return counter.last_value


def current_value(session: Session, series: str) -> int:
    value = session.execute(select(NumberCounter.last_value).where(NumberCounter.series == series)).scalar()
    return value or 0


def format_number(series: str, value: int) -> str:
    """``F2026`` + 7 → ``F2026-00007``."""
    return f"{series}-{value:05d}"
