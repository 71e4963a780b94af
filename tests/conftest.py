"""Test fixtures: one app per worker and a clean database per test, on SQLite (default) or PostgreSQL.

Set COOPNUM_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run the suite on PostgreSQL:
the schema is created once per run (one database per xdist worker) and each test runs in a transaction rolled back
at the end, except the tests marked ``real_commits``. On SQLite, a template database is created once and copied
over the worker's database file before each test. See ``Databases``.

The clock is pinned for every test (``travel``): see tests/days.py."""

import contextvars
import os
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text

from coopnum import create_app, import_models
from coopnum.core.db import db, make_engine, metadata
from coopnum.core.security import use_fast_hashing_for_tests

PG_URL = os.environ.get("COOPNUM_TEST_DATABASE_URL", "").strip()
if PG_URL.startswith("postgresql://"):
    PG_URL = "postgresql+psycopg://" + PG_URL[len("postgresql://"):]
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if PG_URL and _WORKER:
    # pytest-xdist: each worker gets its own database, "<name>_<worker>", created on first use.
    BASE_PG_URL = PG_URL
    PG_URL = f"{PG_URL}_{_WORKER}"
else:
    BASE_PG_URL = ""

TEST_PASSWORD = "motdepasse-test-42"

# The day the suite runs on: computed once in the main process and handed to the xdist workers through the
# environment, so that every worker pins the same day even across midnight.
from tests import days  # noqa: E402

os.environ["COOPNUM_TEST_TODAY"] = days.TODAY.isoformat()

use_fast_hashing_for_tests()


def _create_database(url: str) -> None:
    """Create the test database when it does not exist (each xdist worker has its own: "<name>_<worker>")."""
    from sqlalchemy import create_engine

    server, name = url.rsplit("/", 1)
    admin = create_engine(BASE_PG_URL or f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not wait for its commits to reach the disk (the tests commit thousands of times).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()


def reset_postgres_schema(url: str) -> None:
    _create_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
    engine.dispose()


@pytest.fixture(scope="session")
def db_template(tmp_path_factory):
    import_models()
    if PG_URL:
        reset_postgres_schema(PG_URL)
        engine = make_engine(PG_URL)
        metadata.create_all(engine)
        engine.dispose()
        yield PG_URL
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        metadata.create_all(engine)
        engine.dispose()
        yield path


def truncate_all(url: str) -> None:
    """Empty the database after a test: TRUNCATE only the tables that hold rows (truncating all ~60 tables costs
    ~0.15 s a test, most of them empty), then restart every sequence (ids start at 1 again)."""
    engine = make_engine(url)
    tables = [t.name for t in metadata.sorted_tables]
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables)
    with engine.begin() as conn:
        filled = [row[0] for row in conn.execute(text(probe))]
        if filled:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in filled) + " CASCADE"))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
                          "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
    engine.dispose()


class Databases:
    """The worker's one database and its apps, reused by every test of the worker.

    - One Flask app per distinct configuration (most tests share one), built once per worker: building an app costs
      55–220 ms (URL rules), more than most tests. Its ``config`` is restored after every test.
    - SQLite: one file per worker, overwritten before each test by a copy of the base (the empty template, or a
      module's seed): a copy costs a few milliseconds, and the live server's threads share the file.
    - PostgreSQL: each test runs inside a transaction on one connection that is rolled back at the end; the app's
      sessions join it with SAVEPOINTs, so the requests' own commits and rollbacks behave as usual. Tests marked
      ``real_commits`` (browser, concurrency, background jobs: other connections must see the data) commit for
      real, and the tables they filled are truncated afterwards.
    """

    def __init__(self, template, url: str):
        self.template = template  # SQLite: the template file; PostgreSQL: the URL
        self.url = url
        self.base = template  # SQLite: what each test starts from
        self.apps: dict[str, Flask] = {}
        self.dirty = False  # PostgreSQL: something was committed for real since the last truncation

    def app(self, config: dict) -> Flask:
        key = repr(sorted(config.items()))
        if key not in self.apps:
            app = create_app(config)
            app.test_client_class = IsolatedClient
            self.apps[key] = app
        return self.apps[key]

    def release(self) -> None:
        """Close every connection of every app (the next test reconnects)."""
        for app in self.apps.values():
            app.extensions["coopnum_db"].dispose()

    def restore_sqlite(self) -> None:
        self.release()
        path = Path(self.url.removeprefix("sqlite:///"))
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.base, path)

    def truncate(self) -> None:
        if self.dirty:
            self.release()
            truncate_all(self.url)
            self.dirty = False

    @contextmanager
    def seed(self, build, tmp_dir: Path):
        """Build data once (``build(session)`` returns plain values) and start each test of the block from it:
        the tests of a module that share a large fixture (the access table) pay for it once."""
        app = self.app(base_config(self.url))
        if PG_URL:
            self.truncate()
            self.dirty = True
        else:
            self.restore_sqlite()
        with app.app_context():
            data = build(db.session)
            db.session.commit()
        self.release()
        if not PG_URL:
            seeded = tmp_dir / "seeded.db"
            shutil.copyfile(self.url.removeprefix("sqlite:///"), seeded)
            self.base = seeded
        try:
            yield data
        finally:
            self.base = self.template
            self.truncate()


@pytest.fixture(scope="session")
def databases(db_template, tmp_path_factory):
    if PG_URL:
        dbs = Databases(db_template, PG_URL)
    else:
        dbs = Databases(db_template, f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    yield dbs
    dbs.release()


def real_commits(request) -> bool:
    return request.node.get_closest_marker("real_commits") is not None


@pytest.fixture
def database_url(databases, request):
    """The worker's database, reset for this test (see ``Databases``)."""
    if PG_URL:
        if real_commits(request):
            databases.dirty = True
            yield databases.url
            databases.truncate()
        else:
            yield databases.url
    else:
        databases.restore_sqlite()
        yield databases.url


def base_config(database_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "SMTP_HOST": "",
        "COOPNUM_BASE_URL": "http://coopnum.test",
    }


@pytest.fixture
def app_config(database_url):
    return base_config(database_url)


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, with its own app context, ``g`` and database session, as in
    production (Flask would otherwise reuse the test's app context). Before the request, the test's own session
    is committed so the request sees the test's data (and SQLite's write lock is released); after it, the test's
    session is expired so the test reads what the request wrote."""

    def open(self, *args, **kwargs):
        outer = _cv_app.get(None)
        if outer is not None and outer.app is self.application:
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if outer is not None and outer.app is self.application:
            db.session.expire_all()
        return response


@contextmanager
def rolled_back(app: Flask):
    """PostgreSQL: bind the app's sessions to one connection inside a transaction that is rolled back at the end;
    the sessions' commits only release SAVEPOINTs."""
    database = app.extensions["coopnum_db"]
    factory = database._sessions.session_factory
    connection = database.engine.connect()
    transaction = connection.begin()
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        database._sessions.remove()
        factory.configure(bind=database.engine, join_transaction_mode="conditional_savepoint")
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture
def app(app_config, databases, request):
    app = databases.app(app_config)
    saved = dict(app.config)
    try:
        if PG_URL and not real_commits(request):
            with rolled_back(app):
                yield app
        else:
            yield app
    finally:
        app.config.clear()
        app.config.update(saved)
        app.extensions["coopnum_db"]._sessions.remove()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def session(app_ctx):
    from coopnum.core.db import db

    yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


def pytest_report_header(config):
    return (f"coopnum: the clock is pinned to {days.NOW.isoformat()} ({days.TODAY:%A}); "
            f"replay this day with COOPNUM_TEST_TODAY={days.TODAY.isoformat()}")


@pytest.fixture(scope="session", autouse=True)
def pinned_clock():
    """The clock is pinned for the whole run, module and session fixtures included (data built once for a module
    is dated on the test day too)."""
    pin = time_machine.travel(days.NOW, tick=False)
    pin.start()
    yield pin
    pin.stop()


@pytest.fixture(autouse=True)
def travel(request, pinned_clock):
    """Pin the application's clock (and every ``datetime.now``/``time.time``) to ``days.NOW``, frozen.

    A test moves it with ``travel.move_to(instant)`` or ``travel.shift(timedelta)``; the next test starts again
    at ``days.NOW``. Only the test of the clock itself (marked ``real_clock``) runs on the wall clock."""
    if request.node.get_closest_marker("real_clock"):
        pinned_clock.stop()
        try:
            yield None
        finally:
            pinned_clock.start()
        return
    with time_machine.travel(days.NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def now():
    """The pinned instant (UTC-aware): 11:00 in Paris on the test day."""
    return days.NOW


@pytest.fixture
def today():
    """The pinned Paris calendar day."""
    return days.TODAY


def make_users(session) -> dict:
    """One user per role (and an organisation for the authority contact)."""
    from tests import factories

    org = factories.organisation(session, name="Ville de Testville")
    return {role: factories.user(session, roles=[role], organisation=org if role == "authority" else None)
            for role in ("admin", "coordinator", "mediator", "member", "authority")}


@pytest.fixture
def users(session):
    """One committed user per role (and an organisation for the authority contact)."""
    result = make_users(session)
    session.commit()
    return result


def login(client, user, password: str = TEST_PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_mail_job(app) -> str:
    """Run the outbox's mail job as the scheduler does; the test's own transaction ends first (as the request that
    wrote the mail did: SQLite has one writer at a time)."""
    from flask import has_app_context

    from coopnum.core.db import db
    from coopnum.core.jobs import run_job

    if has_app_context():
        db.session.commit()
    return run_job(app, "core.outbox")


class Outbox(list):
    """Messages received by the local SMTP server. Reading them first runs the mail job once (as the scheduler does
    every minute): the app only writes mails into its outbox, and a test sees those that have left it."""

    def __init__(self, app):
        super().__init__()
        self._app = app

    def deliver(self):
        return run_mail_job(self._app)

    def __len__(self):
        self.deliver()
        return super().__len__()

    def __getitem__(self, index):
        self.deliver()
        return super().__getitem__(index)

    def __iter__(self):
        self.deliver()
        return super().__iter__()

    def __eq__(self, other):
        self.deliver()
        return list(super().__iter__()) == other

    def __bool__(self):
        return len(self) > 0

    __hash__ = None


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on a free local port (aiosmtpd); the app is configured to use it. ``stop()`` and
    ``start()`` take it down and bring it back on the same port (an outage)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    outbox = Outbox(app)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            list.append(outbox, message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controllers = []

    def start():
        controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)

    def stop():
        controllers.pop().stop()

    outbox.start, outbox.stop = start, stop
    start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    yield outbox
    while controllers:
        stop()


def text_of(response) -> str:
    """The response body with HTML entities decoded (apostrophes are escaped as &#39; in pages)."""
    import html

    return html.unescape(response.get_data(as_text=True))
