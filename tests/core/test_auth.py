from datetime import timedelta

from sqlalchemy import select

from coopnum.core.models import AuditLog, LoginAttempt
from tests.conftest import TEST_PASSWORD, login, text_of


def test_login_with_good_password_opens_dashboard(client, users):
    response = client.post("/login", data={"email": users["mediator"].email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Bonjour Personne" in page


def test_login_email_is_case_insensitive(client, users):
    response = client.post("/login", data={"email": users["member"].email.upper(), "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_wrong_password_gives_french_message_and_401(client, users):
    response = client.post("/login", data={"email": users["mediator"].email, "password": "mauvais"})
    assert response.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_email_gives_the_same_message(client, users):
    response = client.post("/login", data={"email": "personne@example.org", "password": "x"})
    assert response.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect." in response.get_data(as_text=True)


def test_missing_field_is_reported_next_to_field(client, users):
    response = client.post("/login", data={"email": users["mediator"].email, "password": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'class="field-error"' in body
    assert "Ce champ est requis." in body  # WTForms" own message, in French


def test_inactive_account_cannot_log_in(client, users, session):
    users["member"].active = False
    session.commit()
    response = client.post("/login", data={"email": users["member"].email, "password": TEST_PASSWORD})
    assert response.status_code == 401
    assert "désactivé" in response.get_data(as_text=True)


def test_rate_limiting_blocks_after_five_failures_even_with_right_password(client, users, session):
    email = users["mediator"].email
    for _ in range(5):
        assert client.post("/login", data={"email": email, "password": "faux"}).status_code == 401
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    failures = session.execute(select(LoginAttempt).where(LoginAttempt.email == email)).scalars().all()
    assert len(failures) == 5 and not any(a.success for a in failures)


def test_rate_limit_window_expires(client, users, session):
    email = users["mediator"].email
    for _ in range(5):
        client.post("/login", data={"email": email, "password": "faux"})
    for attempt in session.execute(select(LoginAttempt)).scalars():
        attempt.at = attempt.at - timedelta(minutes=16)
    session.commit()
    assert client.post("/login", data={"email": email, "password": TEST_PASSWORD}).status_code == 302


def test_login_is_audited(client, users, session):
    login(client, users["coordinator"])
    entry = session.execute(select(AuditLog).where(AuditLog.action == "login")).scalar_one()
    assert entry.actor_id == users["coordinator"].id
    assert entry.ip == "127.0.0.1"


def test_logout_requires_post_and_ends_session(client, users):
    login(client, users["member"])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(client, users):
    response = client.post("/login?next=https://evil.example/", data={"email": users["member"].email,
                                                                      "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/account", data={"email": users["member"].email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/account"


def test_password_reset_by_emailed_token(client, users, smtp_server, session):
    user = users["mediator"]
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 302
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == user.email
    body = message.get_body().get_content()
    link = next(word for word in body.split() if "/password/reset/" in word)
    path = link.replace("http://coopnum.test", "")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "nouveau-mdp-2026", "confirm": "nouveau-mdp-2026"})
    assert response.status_code == 302
    # the token is single use
    assert client.get(path).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": "nouveau-mdp-2026"}).status_code == 302


def test_password_reset_does_not_reveal_unknown_accounts(client, users, smtp_server):
    response = client.post("/password/forgot", data={"email": "inconnu@example.org"}, follow_redirects=True)
    assert "Si un compte existe" in response.get_data(as_text=True)
    assert len(smtp_server) == 0


def test_reset_rejects_weak_password_and_forged_token(client, users, app):
    from coopnum.core.security import make_reset_token

    token = make_reset_token(app.config["SECRET_KEY"], users["member"].id, users["member"].password_hash)
    response = client.post(f"/password/reset/{token}", data={"password": "court", "confirm": "court"})
    assert response.status_code == 400
    assert "au moins 10 caractères" in response.get_data(as_text=True)
    response = client.get("/password/reset/forged-token", follow_redirects=True)
    assert "n'est plus valable" in text_of(response)


def test_password_change_logs_out_other_sessions(app, users):
    first, second = app.test_client(), app.test_client()
    login(first, users["member"])
    login(second, users["member"])
    response = first.post("/account/password", data={
        "pw-current_password": TEST_PASSWORD, "pw-password": "un-autre-mdp-99", "pw-confirm": "un-autre-mdp-99"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_session_cookie_flags(client, users):
    response = client.post("/login", data={"email": users["member"].email, "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_flag_when_served_over_https(app_config, monkeypatch):
    from coopnum import create_app

    monkeypatch.setenv("COOPNUM_BASE_URL", "https://coop.example.fr")
    config = dict(app_config)
    config.pop("COOPNUM_BASE_URL")
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    app.extensions["coopnum_db"].dispose()


def test_forged_csrf_token_is_refused_with_french_message(app_config, users):
    from coopnum import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    response = client.post("/login", data={"email": users["member"].email, "password": TEST_PASSWORD,
                                           "csrf_token": "forged"})
    assert response.status_code == 400
    assert "jeton CSRF" in response.get_data(as_text=True)
    app.extensions["coopnum_db"].dispose()
