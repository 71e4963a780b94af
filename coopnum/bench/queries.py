"""SQL queries per page, counted in the process with Flask's test client and a ``before_cursor_execute``
listener on the engine: the count of the second request of a page (the first one warms the caches)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event

from coopnum.bench.pages import LOGINS, Page


class QueryCounter:
    """Counts the statements sent to the database by ``engine`` (``count`` is reset by the caller)."""

    def __init__(self, engine):
        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *_args, **_kw):
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)


@dataclass
class Counted:
    key: str
    status: int
    queries: int


def bench_app(url: str):
    """The application on the bench's database, as the tests use it: no CSRF, no login rate limit."""
    from coopnum import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "LOGIN_MAX_FAILURES": 1_000_000, "LOGIN_SLOWDOWN_SECONDS": 0})


def logged_in(app, role: str):
    from coopnum.demo import DEMO_PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"email": LOGINS[role], "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"connexion impossible pour {LOGINS[role]} ({response.status_code})")
    return client


def count_queries(app, pages: list[Page], token: str | None = None) -> list[Counted]:
    """The status and the number of SQL statements of each page (its second request)."""
    from coopnum.core.db import db

    with app.app_context():
        counter = QueryCounter(db.engine)
    clients: dict[str, object] = {}
    results = []
    try:
        for page in pages:
            headers = {"Authorization": f"Bearer {token}"} if page.kind == "api" and token else {}
            if page.kind == "api":
                client = clients.setdefault("api", app.test_client())
            else:
                client = clients.get(page.role) or clients.setdefault(page.role, logged_in(app, page.role))
            client.get(page.path, headers=headers)
            counter.count = 0
            response = client.get(page.path, headers=headers)
            results.append(Counted(page.key, response.status_code, counter.count))
    finally:
        counter.close()
    return results
