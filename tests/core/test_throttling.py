"""Login throttling per (address, account): a failing account is refused from that address only; an address that
fails on many accounts is slowed down but never refuses another account's correct password; the count is atomic."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.core import views
from coopnum.core.models import LoginAttempt
from tests import factories
from tests.conftest import TEST_PASSWORD

ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
MAX = 5  # COOPNUM_LOGIN_MAX_FAILURES's default
WINDOW = timedelta(minutes=15)  # COOPNUM_LOGIN_WINDOW_MINUTES's default


@pytest.fixture
def waits(monkeypatch):
    """The slow-downs the login page asked for (not really waited)."""
    asked: list[float] = []
    monkeypatch.setattr(views, "slow_down", asked.append, raising=False)
    return asked


def post_login(client, email: str, password: str, ip: str = ATTACKER):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def failures(session, **where) -> int:
    stmt = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False))
    for column, value in where.items():
        stmt = stmt.where(getattr(LoginAttempt, column) == value)
    return session.execute(stmt).scalar_one()


def test_config_limits_are_the_documented_defaults(app):
    assert app.config["LOGIN_MAX_FAILURES"] == MAX
    assert app.config["LOGIN_WINDOW_MINUTES"] == WINDOW.total_seconds() // 60


def test_throttled_account_is_refused_from_that_address_until_the_window_passes(app, client, users, travel, waits):
    email = users["mediator"].email
    for _ in range(MAX):
        assert post_login(client, email, "faux").status_code == 401
    response = post_login(client, email, TEST_PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    travel.shift(WINDOW - timedelta(seconds=1))
    assert post_login(client, email, TEST_PASSWORD).status_code == 429  # refused attempts do not extend it
    # from another address, the same account logs in
    assert post_login(app.test_client(), email, TEST_PASSWORD, ip=ELSEWHERE).status_code == 302
    travel.shift(timedelta(seconds=2))
    assert post_login(app.test_client(), email, TEST_PASSWORD).status_code == 302
    assert waits == []


def test_another_account_logs_in_from_the_throttled_address(app, client, users, session, waits):
    # the address fails on many accounts: more than the per-address limit (4 × MAX)
    victims = [factories.user(session) for _ in range(5)]
    session.commit()
    for victim in victims:
        for _ in range(MAX):
            assert post_login(client, victim.email, "faux").status_code == 401
    assert failures(session, ip=ATTACKER) == 5 * MAX
    assert post_login(client, victims[0].email, TEST_PASSWORD).status_code == 429
    assert waits  # the address is slowed down ...
    colleague = app.test_client()
    response = post_login(colleague, users["coordinator"].email, TEST_PASSWORD)
    assert response.status_code == 302  # ... but the correct password of another account is never refused
    assert colleague.get("/").status_code == 200
    assert post_login(app.test_client(), users["member"].email, "faux").status_code == 401  # checked, not refused
    assert all(w > 0 for w in waits)


def test_address_below_its_limit_is_not_slowed_down(client, users, session, waits):
    for role in ("mediator", "member", "authority"):
        for _ in range(MAX):
            post_login(client, users[role].email, "faux")
    assert post_login(client, users["coordinator"].email, TEST_PASSWORD).status_code == 302
    assert waits == []


def _burst(app, email: str, password: str, n: int) -> list[int]:
    """``n`` attempts at once, each from its own browser and thread (a request is a connection of its own)."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt():
        browser = app.test_client()
        barrier.wait(timeout=30)
        status = post_login(browser, email, password).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(statuses) == n, "a request crashed or hung"
    return statuses


@pytest.mark.real_commits  # each request's connection must see the others' attempts
def test_concurrent_failures_below_the_limit_are_all_recorded(app, users, session):
    email = users["mediator"].email
    session.close()
    statuses = _burst(app, email, "faux", MAX)
    assert sorted(statuses) == [401] * MAX
    assert failures(session, email=email, ip=ATTACKER) == MAX  # none lost


@pytest.mark.real_commits
def test_a_concurrent_burst_never_checks_more_passwords_than_the_limit(app, users, session):
    email = users["mediator"].email
    session.close()
    statuses = _burst(app, email, "faux", 40)
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= MAX  # never more than the limit got an answer about the password
    assert failures(session, email=email, ip=ATTACKER) == statuses.count(401)  # exactly the failures checked
    assert statuses.count(401) + statuses.count(429) == 40
    if statuses.count(401) == MAX:  # (PostgreSQL may refuse a few more while the burst's attempts are undecided)
        assert post_login(app.test_client(), email, TEST_PASSWORD).status_code == 429
