"""The "mot de passe oublié" page tells nothing about which accounts exist, and mails never reach the log."""

import logging
import re

import pytest
from sqlalchemy import select

from coopnum.core.models import OutboxMail, User
from coopnum.core.security import make_reset_token
from tests.conftest import free_port, run_mail_job, text_of


def _ask_for_a_link(app, email: str):
    """A fresh browser asks for a link; returns (status, Location, the page it lands on)."""
    browser = app.test_client()
    response = browser.post("/password/forgot", data={"email": email})
    landing = browser.get(response.headers["Location"]) if response.status_code == 302 else response
    page = re.sub(r'(name="csrf-token" content=|name="csrf_token" value=|nonce=)"[^"]*"', r'\1""', text_of(landing))  # random per browser
    return response.status_code, response.headers.get("Location"), landing.status_code, page


@pytest.mark.parametrize("smtp", ["failing", "working", "unset"])
def test_the_answer_is_the_same_whether_or_not_the_account_exists(app, users, smtp, smtp_server):
    if smtp == "failing":
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there: refused
    elif smtp == "unset":
        app.config.update(SMTP_HOST="")
    known = _ask_for_a_link(app, users["mediator"].email)
    unknown = _ask_for_a_link(app, "personne-inconnue@example.org")
    assert known == unknown
    status, location, landing_status, page = known
    assert (status, location, landing_status) == (302, "/login", 200)
    assert "Si un compte existe pour cette adresse" in page
    assert "n'a pas pu être envoyé" not in page


def test_inactive_account_gets_the_same_answer(app, users, session, smtp_server):
    users["member"].active = False
    session.commit()
    assert _ask_for_a_link(app, users["member"].email) == _ask_for_a_link(app, "personne-inconnue@example.org")
    assert len(smtp_server) == 0


def test_without_smtp_the_link_waits_in_the_outbox_and_nothing_of_it_is_logged(app, users, caplog, session):
    user = users["mediator"]
    app.config.update(SMTP_HOST="")
    token = make_reset_token(app.config["SECRET_KEY"], user.id, user.password_hash)  # the clock is pinned
    with caplog.at_level(logging.DEBUG):
        response = app.test_client().post("/password/forgot", data={"email": user.email})
        summary = run_mail_job(app)
    assert response.status_code == 302
    assert summary == "Aucun serveur SMTP configuré : 1 courriel en attente."
    assert session.execute(select(OutboxMail.status)).scalar_one() == "queued"  # it leaves once SMTP is set
    logged = caplog.text
    assert token not in logged
    assert "/password/reset/" not in logged and "http://coopnum.test" not in logged
    assert "Bonjour" not in logged and "ouvrez ce lien" not in logged
    assert user.email not in logged


def test_a_failing_smtp_server_is_logged_without_the_address(app, users, caplog):
    user = users["mediator"]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with caplog.at_level(logging.DEBUG):
        app.test_client().post("/password/forgot", data={"email": user.email})
        run_mail_job(app)
    assert "mail failed (1 recipient at example" in caplog.text
    assert user.email not in caplog.text and "/password/reset/" not in caplog.text


def test_a_coordinator_inviting_sees_when_the_mail_fails(app, client, users, session):
    from tests.conftest import login

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    login(client, users["coordinator"])
    response = client.post("/users/new", data={
        "email": "nouvelle@example.org", "full_name": "Nouvelle Personne", "roles": ["member"],
        "organisation_id": "0", "active": "y", "send_invitation": "y",
    }, follow_redirects=True)
    assert response.status_code == 200
    run_mail_job(app)  # nobody listens on that port
    user = session.execute(select(User).where(User.email == "nouvelle@example.org")).scalar_one()
    page = text_of(client.get(f"/users/{user.id}"))
    assert 'data-mail-status="retry"' in page and "Échec — nouvel essai à" in page
    assert "/password/reset/" not in page  # the link itself is never shown
