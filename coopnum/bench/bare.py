"""The bare baseline: a minimal Flask + SQLAlchemy + Jinja application over the bench's database, rendering as
many joined rows as the activity list shows (50 activity reports with their mediator, place and convention).
Served by gunicorn like the application (``coopnum.bench.bare:create_app()``, database in ``BENCH_DATABASE_URL``),
measured the same way: a page's figure is read next to it."""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

ROWS = 50  # the activity list's page (coopnum.activities.views.activities: page_args(50))
QUERY = text(
    "SELECT a.id, a.date, a.kind, a.duration_minutes, u.full_name, p.name AS place, c.reference AS convention "
    "FROM activities a JOIN users u ON u.id = a.mediator_id "
    "LEFT JOIN places p ON p.id = a.place_id LEFT JOIN conventions c ON c.id = a.convention_id "
    "ORDER BY a.date DESC, a.id DESC LIMIT :rows")
TEMPLATE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Activités</title></head><body>
<h1>Activités</h1><table><thead><tr><th>Date</th><th>Médiatrice</th><th>Type</th><th>Durée</th><th>Lieu</th>
<th>Convention</th></tr></thead><tbody>{% for r in rows %}
<tr><td><a href="/activities/{{ r.id }}">{{ r.date }}</a></td><td>{{ r.full_name }}</td><td>{{ r.kind }}</td>
<td>{{ r.duration_minutes }} min</td><td>{{ r.place or "" }}</td><td>{{ r.convention or "" }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = create_engine(url or os.environ["BENCH_DATABASE_URL"])

    @app.get("/")
    def page():
        with engine.connect() as conn:
            rows = conn.execute(QUERY, {"rows": ROWS}).all()
        return render_template_string(TEMPLATE, rows=rows)

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app
