"""The migration that gathers the dated rates in one table keeps the ECB rates already entered (and gives them back
on a downgrade), on SQLite and on PostgreSQL."""

from alembic import command
from sqlalchemy import text

from coopnum.cli import alembic_config, upgrade_database
from coopnum.core.db import make_engine
from tests.core.test_migrations import empty_database_url  # noqa: F401  (the fixture)

BEFORE = "a7c3e5f1b2d4"  # the ECB rates in their own table ecb_rates


def _rows(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def test_ecb_rates_move_into_the_dated_rates(empty_database_url):  # noqa: F811
    url = empty_database_url
    upgrade_database(url, BEFORE)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ecb_rates (valid_from, rate_bp, updated_at) VALUES "
                          "('2025-01-01', 315, '2025-01-02 08:00:00'), ('2025-07-01', 215, '2025-07-02 08:00:00')"))
    engine.dispose()
    upgrade_database(url)
    moved = _rows(url, "SELECT kind, valid_from, rate_bp FROM dated_rates ORDER BY valid_from")
    assert [(kind, str(day)[:10], rate) for kind, day, rate in moved] == [("ecb", "2025-01-01", 315),
                                                                          ("ecb", "2025-07-01", 215)]
    command.downgrade(alembic_config(url), BEFORE)
    assert _rows(url, "SELECT rate_bp FROM ecb_rates ORDER BY valid_from") == [(315,), (215,)]
