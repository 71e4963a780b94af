"""Logout ends the session server-side: a replayed session cookie or "remember me" cookie no longer logs in."""

from sqlalchemy import select

from coopnum.core.models import AuditLog
from tests.conftest import TEST_PASSWORD, login

SESSION_COOKIE = "coopnum_session"
REMEMBER_COOKIE = "remember_token"


def _replay(app, name: str, value: str):
    """A fresh browser carrying only that cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other.get("/")


def test_replaying_the_session_cookie_after_logout_is_anonymous(app, client, users):
    login(client, users["member"])
    stolen = client.get_cookie(SESSION_COOKIE).value
    assert _replay(app, SESSION_COOKIE, stolen).status_code == 200  # the copy works while logged in
    assert client.post("/logout").status_code == 302
    response = _replay(app, SESSION_COOKIE, stolen)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_remember_cookie_is_deleted_and_dead_after_logout(app, client, users):
    user = users["mediator"]
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    remembered = client.get_cookie(REMEMBER_COOKIE).value
    assert _replay(app, REMEMBER_COOKIE, remembered).status_code == 200  # "Rester connecté·e" works

    response = client.post("/logout")
    assert response.status_code == 302
    deletions = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{REMEMBER_COOKIE}=")]
    assert deletions and all("Expires=Thu, 01 Jan 1970" in c or "Max-Age=0" in c for c in deletions)
    assert client.get_cookie(REMEMBER_COOKIE) is None
    assert client.get("/").status_code == 302  # the same browser is anonymous

    response = _replay(app, REMEMBER_COOKIE, remembered)  # a copy of the old remember cookie
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_ends_every_session_of_the_user_and_is_audited(app, users, session):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, users["member"])
    login(laptop, users["member"])
    assert phone.post("/logout").status_code == 302
    assert laptop.get("/").status_code == 302
    login(laptop, users["member"])  # logging in again works
    assert laptop.get("/").status_code == 200
    entry = session.execute(select(AuditLog).where(AuditLog.action == "logout")).scalar_one()
    assert entry.actor_id == users["member"].id


def test_anonymous_logout_still_redirects_to_login(client, users):
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
