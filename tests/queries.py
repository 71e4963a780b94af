"""Counting the SQL statements a piece of code sends (to prove a page makes a bounded number of queries)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

# On PostgreSQL the tests run inside a transaction: the sessions' commits are SAVEPOINTs, not the page's queries.
_SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.IGNORECASE)


@contextmanager
def counting(engine) -> Iterator[list[str]]:
    """Collect the statements sent through ``engine`` inside the block (savepoints left out)."""
    statements: list[str] = []

    def listener(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not _SAVEPOINTS.match(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)
