"""The benchmark: build N years of a cooperative's data, then time the main pages warm, with their query counts.

    coopnum bench                          # 5 years into a temporary SQLite file, 10 runs per page
    coopnum bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench --runs 20

Pages are requested through Flask's test client (no network, no server: what is measured is the application),
after one warm-up request each. A "bare page" — one query of 50 joined rows rendered by a small Jinja template —
is measured in the same run as the yardstick: a page's figure means something only next to it.
Timings are wall-clock medians on whatever else the machine is doing: compare figures of the same run."""

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, render_template_string
from sqlalchemy import event, func, select

BARE_TEMPLATE = """<!doctype html><title>bare</title><table>{% for a, u in rows %}
<tr><td>{{ a.date }}</td><td>{{ u.full_name }}</td><td>{{ a.kind }}</td><td>{{ a.duration_minutes }}</td></tr>
{% endfor %}</table>"""


@dataclass
class Figure:
    label: str
    url: str
    status: int
    median_ms: float
    p90_ms: float
    queries: int
    size_kb: float


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *_args, **_kw):
        self.count += 1


def build(app: Flask, years: int, now: datetime) -> dict:
    """Create the schema and the demo cooperative with ``years`` years of conventions, sessions and activities."""
    from coopnum.core.db import db, import_all_models, metadata
    from coopnum.demo import seed
    from coopnum.missions.models import Activity, MissionSession, TimeEntry

    with app.app_context():
        import_all_models()
        metadata.create_all(db.engine)
        started = time.perf_counter()
        seed(now=now, years=list(range(now.year - years + 1, now.year + 1)))
        elapsed = time.perf_counter() - started
        session = db.session
        counts = {name: session.execute(select(func.count()).select_from(model)).scalar_one()
                  for name, model in (("sessions", MissionSession), ("activities", Activity),
                                      ("time entries", TimeEntry))}
    counts["build seconds"] = round(elapsed, 1)
    return counts


def _time(client, url: str, runs: int, counter: QueryCounter) -> tuple[int, list[float], int, int]:
    response = client.get(url)  # warm-up
    durations = []
    queries = 0
    for _ in range(runs):
        counter.count = 0
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        queries = counter.count
    return response.status_code, durations, queries, len(response.data)


def _bare(app: Flask, runs: int, counter: QueryCounter) -> Figure:
    from coopnum.core.db import db
    from coopnum.core.models import User
    from coopnum.missions.models import Activity

    def page():
        rows = db.session.execute(select(Activity, User).join(User, User.id == Activity.mediator_id)
                                  .order_by(Activity.date.desc()).limit(50)).all()
        return render_template_string(BARE_TEMPLATE, rows=rows)

    durations = []
    with app.test_request_context():
        html = page()
        for _ in range(runs):
            counter.count = 0
            started = time.perf_counter()
            html = page()
            durations.append((time.perf_counter() - started) * 1000)
    return Figure("Page nue (50 lignes jointes, yardstick)", "-", 200, statistics.median(durations),
                  _p90(durations), counter.count, len(html) / 1024)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def targets(app: Flask) -> list[tuple[str, str, str]]:
    """(label, login e-mail, URL) of the pages measured; those whose endpoint does not exist are skipped."""
    from coopnum.core.db import db
    from coopnum.demo import DOMAIN
    from coopnum.missions.models import Convention

    with app.app_context():
        convention = db.session.execute(select(Convention).order_by(Convention.id.desc())).scalars().first()
        year = convention.start_date.year if convention else datetime.now(UTC).year
        cid = convention.id if convention else 0
    coordinator = f"coordination@{DOMAIN}"
    mediator = f"camille.martin@{DOMAIN}"
    pages = [
        ("missions.activities", "Activités (coordination, page 1)", coordinator, "/missions/activities"),
        ("missions.activities", "Activités (coordination, page 40)", coordinator, "/missions/activities?page=40"),
        ("missions.activities", "Activités filtrées (année, thème)", coordinator,
         f"/missions/activities?from={year}-01-01&to={year}-12-31&theme=Email"),
        ("missions.activities", "Mes activités (médiatrice)", mediator, "/missions/activities"),
        ("missions.convention_report", "Rapport de convention (année)", coordinator,
         f"/missions/conventions/{cid}/report?from={year}-01-01&to={year}-12-31"),
        ("missions.convention_report", "Rapport de convention (5 ans)", coordinator,
         f"/missions/conventions/{cid}/report?from={year - 4}-01-01&to={year}-12-31"),
        ("missions.timesheets", "Relevés d'heures du mois", coordinator, "/missions/timesheets"),
        ("missions.hours_overview", "Tableau de bord des heures", coordinator, "/missions/hours/overview"),
        ("missions.my_hours", "Mes heures (médiatrice)", mediator, "/missions/hours"),
        ("missions.my_week", "Ma semaine (médiatrice)", mediator, "/missions/my-week"),
        ("missions.calendar_month", "Calendrier du mois", coordinator, "/missions/calendar/month"),
        ("missions.conventions", "Conventions", coordinator, "/missions/conventions"),
        ("core.dashboard", "Tableau de bord (coordination)", coordinator, "/"),
    ]
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    return [(label, email, url) for endpoint, label, email, url in pages if endpoint in endpoints]


def measure(app: Flask, runs: int) -> list[Figure]:
    from coopnum.core.db import db
    from coopnum.demo import DEMO_PASSWORD

    with app.app_context():
        counter = QueryCounter(db.engine)
        figures = [_bare(app, runs, counter)]
    clients: dict[str, object] = {}
    for label, email, url in targets(app):
        if email not in clients:
            client = app.test_client()
            client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
            clients[email] = client
        with app.app_context():
            counter = QueryCounter(db.engine)
        status, durations, queries, size = _time(clients[email], url, runs, counter)
        figures.append(Figure(label, url, status, statistics.median(durations), _p90(durations), queries,
                              size / 1024))
    return figures


def report(counts: dict, figures: list[Figure]) -> str:
    lines = ["Données : " + ", ".join(f"{k} {v}" for k, v in counts.items()), "",
             f"{'Page':<42} {'statut':>6} {'médiane':>9} {'p90':>9} {'requêtes':>9} {'Ko':>7}"]
    for f in figures:
        lines.append(f"{f.label:<42} {f.status:>6} {f.median_ms:>7.1f}ms {f.p90_ms:>7.1f}ms {f.queries:>9} "
                     f"{f.size_kb:>7.1f}")
    return "\n".join(lines)


def run(database_url: str | None, years: int, runs: int, now: datetime | None = None) -> str:
    from coopnum import create_app

    tmp = None
    if not database_url:
        tmp = tempfile.TemporaryDirectory(prefix="coopnum-bench-")
        database_url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOGIN_MAX_FAILURES": 10_000})
    try:
        counts = build(app, years, now or datetime.now(UTC))
        return report(counts, measure(app, runs))
    finally:
        if tmp:
            tmp.cleanup()
