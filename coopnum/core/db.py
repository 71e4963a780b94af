"""Database engine, session and column types shared by every domain.

One engine per application (never shared across a fork), one scoped session per application context, and one
commit per request in the view layer: services flush but never commit.

SQLite specifics: foreign keys are switched on for every connection, WAL journal, and transactions are opened by
us (pysqlite's own transaction handling is disabled) so that writing units of work start with ``BEGIN IMMEDIATE``
and serialise cleanly instead of failing with "database is locked" on upgrade from a read lock. Read-only requests
(GET/HEAD) use a plain deferred ``BEGIN`` so that readers never wait for writers.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

from flask import Flask
from flask.globals import _cv_app
from sqlalchemy import Column, DateTime, ForeignKey, Integer, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata

# Whether the next transaction on this context writes (SQLite: BEGIN IMMEDIATE). Requests set it from their method.
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("coopnum_writing", default=True)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC (timestamptz on PostgreSQL, naive UTC text on SQLite).

    Naive datetimes are refused: they are always a bug (which zone?)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs) -> Engine:
    if _is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """The app's engine and scoped session; ``db.session`` is the session of the current application context."""

    def __init__(self) -> None:
        self._sessions: scoped_session[Session] | None = None
        self.engine: Engine | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        factory = sessionmaker(bind=self.engine, class_=Session, expire_on_commit=False, autoflush=True)
        self._sessions = scoped_session(factory, scopefunc=lambda: id(_cv_app.get(None)))
        app.extensions["coopnum_db"] = self

        @app.before_request
        def _mark_read_only_requests():
            from flask import request

            _writing.set(request.method not in ("GET", "HEAD", "OPTIONS"))

        @app.teardown_appcontext
        def _remove_session(_exc):
            if self._sessions is not None:
                self._sessions.remove()

    def dispose(self) -> None:
        if self._sessions is not None:
            self._sessions.remove()
        if self.engine is not None:
            self.engine.dispose()


class _DbProxy:
    """``db`` resolves to the Database of the current app, so several apps (tests) can live in one process."""

    @property
    def session(self) -> Session:
        from flask import current_app

        return current_app.extensions["coopnum_db"]._sessions()

    @property
    def engine(self) -> Engine:
        from flask import current_app

        return current_app.extensions["coopnum_db"].engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


db = _DbProxy()


@contextmanager
def writing() -> Iterator[None]:
    """Mark the transactions opened inside the block as writing ones (SQLite: BEGIN IMMEDIATE)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


@contextmanager
def reading() -> Iterator[None]:
    """Mark the transactions opened inside the block as read-only ones (SQLite: deferred BEGIN), e.g. the long
    read of an export that must not hold the write lock for minutes."""
    token = _writing.set(False)
    try:
        yield
    finally:
        _writing.reset(token)


def fk(target: str, ondelete: str, *, nullable: bool = True, index: bool = True, unique: bool = False) -> Column:
    """An integer foreign-key column to ``target`` ("table.id") with its ON DELETE rule: every domain declares its
    links with this one helper (``Field(sa_column=fk("users.id", "SET NULL"))``)."""
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index, unique=unique)
