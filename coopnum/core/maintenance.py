"""Database upkeep: the query planner's statistics (``ANALYZE``; on PostgreSQL ``VACUUM (ANALYZE)``).

Without statistics SQLite picks an index by its shape, not by its contents: a month's held sessions were read
through the index on the status (a quarter of every session ever held) instead of the one on the start, ten times
slower on five years. ``ANALYZE`` gives both databases the figures to choose by. It runs after ``coopnum db
upgrade``, after ``coopnum seed-demo`` and every night (job ``core.analyze``); PostgreSQL's autovacuum also runs it
on its own, SQLite never does.

On PostgreSQL the job also vacuums: a freshly loaded table has no visibility map, so every count and every
index-only read goes to the table's rows (counting five years of activities: 30 ms instead of 12). Autovacuum does
it in time on a live database; the bench's freshly built ones would otherwise measure a state no cooperative
runs in."""

from datetime import datetime

from sqlalchemy import text

from coopnum.core import jobs


def analyze(engine) -> None:
    """Refresh the planner's statistics of every table (about 0.3 s on five years with SQLite), in a transaction of
    its own; PostgreSQL vacuums too, which runs outside any transaction."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
        return
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def run_analyze(app, now: datetime | None = None) -> str:
    from coopnum.core.db import db

    with app.app_context():
        analyze(db.engine)
    return "Statistiques de la base mises à jour."


def init_app(app) -> None:
    jobs.register("core.analyze", run_analyze, cron={"hour": 3, "minute": 30},
                  description="Statistiques du planificateur de requêtes de la base (ANALYZE)")
