from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from coopnum.core.db import db
from coopnum.core.models import AuditLog, UserRole
from tests import factories


def test_datetimes_come_back_utc_aware(session):
    # Fixed instants on purpose: a storage round trip that never meets the clock (the +02:00 offset is the point).
    paris_summer = timezone(timedelta(hours=2))
    entry = AuditLog(at=datetime(2026, 7, 14, 12, 0, tzinfo=paris_summer), action="x", object_type="y")
    session.add(entry)
    session.commit()
    session.expire_all()
    loaded = session.get(AuditLog, entry.id)
    assert loaded.at == datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
    assert loaded.at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(session):
    session.add(AuditLog(at=datetime(2026, 1, 1, 12, 0), action="x", object_type="y"))
    with pytest.raises(StatementError):
        session.flush()
    session.rollback()


def test_foreign_keys_are_enforced(session):
    session.add(UserRole(user_id=999_999, role="member"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_constraints_have_stable_names(session):
    from coopnum.core.db import metadata

    names = {c.name for t in metadata.sorted_tables for c in t.constraints}
    assert "pk_users" in names
    assert "uq_user_roles_user_id_role" in names
    assert "fk_user_roles_user_id_users" in names


def test_unique_email(session):
    factories.user(session, email="same@example.org")
    with pytest.raises(IntegrityError):
        factories.user(session, email="same@example.org")
    session.rollback()


def test_healthz_reads_the_database(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_sqlite_pragmas(session):
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
