"""The mail outbox: mails are written with the action that causes them and leave after the commit through the mail
job; an SMTP outage loses nothing (retries with backoff, then "abandonné" and "Renvoyer"); without SMTP the mails
wait and the staff sees a banner; a password link is never shown nor logged, and is blanked once sent; two mail
jobs at once never send a mail twice."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.billing import legal
from coopnum.billing.models import Invoice, InvoiceSending, Reminder
from coopnum.billing.services import sending
from coopnum.core import clock, jobs, mail, outbox
from coopnum.core.models import DatedRate, MailStatus, OutboxMail, RateKind
from coopnum.organisations.models import Contact
from tests import days, factories
from tests.billing import factories as bf
from tests.concurrency import run_together
from tests.conftest import login, run_mail_job, text_of


@pytest.fixture
def org(session):
    org = factories.organisation(session, name="Commune de Filville", email="mairie@filville.example.org")
    session.add(Contact(organisation_id=org.id, first_name="Anne", last_name="Compta",
                        email="compta@filville.example.org", receives_invoices=True))
    session.flush()
    return org


def _mails(session, **where) -> list[OutboxMail]:
    session.expire_all()
    query = select(OutboxMail).order_by(OutboxMail.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMail, name) == value)
    return list(session.execute(query).scalars())


def test_a_rolled_back_action_sends_nothing(app, session, users, org, smtp_server, now):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    session.commit()
    sending.send_invoice(session, users["coordinator"], invoice, now=now)
    assert len(_mails(session)) == 1  # written, in the transaction…
    session.rollback()  # …which fails
    assert _mails(session) == []
    assert smtp_server == []


def test_the_request_writes_the_mail_and_the_job_sends_it(app, client, session, users, org, smtp_server):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/invoices/{invoice.id}/send", data={"recipients": ["compta@filville.example.org"]},
                           follow_redirects=True)
    assert "dans la minute" in text_of(response)
    [row] = _mails(session)
    assert (row.status, row.kind, row.about_type, row.about_id) == (MailStatus.QUEUED, "billing.invoice", "invoice",
                                                                    invoice.id)
    assert list.__len__(smtp_server) == 0  # nothing left during the request
    assert session.get(Invoice, invoice.id).sent_at is None  # not "envoyée" before it has left
    page = text_of(client.get(f"/billing/invoices/{invoice.id}"))
    assert 'data-mail-status="queued"' in page and "En file" in page

    assert run_mail_job(app) == "1 courriel envoyé."
    assert [m["To"] for m in smtp_server] == ["compta@filville.example.org"]
    [row] = _mails(session)
    assert (row.status, row.attempts, row.sent_at) == (MailStatus.SENT, 1, clock.now())
    assert session.get(Invoice, invoice.id).sent_at == clock.now()
    assert 'data-mail-status="sent"' in text_of(client.get(f"/billing/invoices/{invoice.id}"))
    assert run_mail_job(app) == "0 courriel envoyé."  # never twice
    assert list.__len__(smtp_server) == 1


def test_smtp_down_then_back_loses_nothing(app, client, session, users, org, smtp_server, travel):
    """An invoice, a reminder and a password reset written while the SMTP server is down all leave when it is back."""
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org, now=days.at(days.days(-60), 10))
    session.add(DatedRate(kind=RateKind.ECB, valid_from=legal.semester_start(invoice.due_date + timedelta(days=1)), rate_bp=215))
    session.commit()
    smtp_server.stop()
    login(client, users["coordinator"])
    client.post(f"/billing/invoices/{invoice.id}/send", data={"recipients": ["compta@filville.example.org"]})
    assert "1 relance" in jobs.run_job(app, "billing.dunning")
    client.post("/logout")
    client.post("/password/forgot", data={"email": users["mediator"].email})
    assert len(_mails(session)) == 3

    summary = run_mail_job(app)
    assert summary == "0 courriel envoyé, 3 en échec (nouvel essai plus tard)."
    rows = _mails(session)
    assert {r.status for r in rows} == {MailStatus.RETRY}
    assert all("L'envoi du courriel a échoué" in r.last_error for r in rows)
    assert {r.next_attempt_at for r in rows} == {clock.now() + timedelta(minutes=1)}
    assert session.get(Invoice, invoice.id).sent_at is None
    assert session.execute(select(Reminder.emailed)).scalar_one() is False
    login(client, users["coordinator"])
    retry_at = f"{clock.to_paris(clock.now() + timedelta(minutes=1)):%H:%M}"
    assert f"Échec — nouvel essai à {retry_at}" in text_of(client.get(f"/billing/invoices/{invoice.id}"))

    smtp_server.start()
    assert run_mail_job(app) == "0 courriel envoyé."  # not due yet: the backoff is kept
    travel.shift(timedelta(minutes=1))
    assert run_mail_job(app) == "3 courriels envoyés."
    assert sorted(m["To"] for m in smtp_server) == sorted(
        ["compta@filville.example.org", "compta@filville.example.org", users["mediator"].email])
    assert {r.status for r in _mails(session)} == {MailStatus.SENT}
    assert session.get(Invoice, invoice.id).sent_at == clock.now()
    assert session.execute(select(Reminder.emailed)).scalar_one() is True
    assert [s.mail.status for s in session.execute(select(InvoiceSending)).unique().scalars()] == ["sent", "sent"]


def test_backoff_then_abandoned_then_resend(app, client, session, users, org, smtp_server, travel):
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org)
    session.commit()
    smtp_server.stop()
    sending.send_invoice(session, users["coordinator"], invoice, now=clock.now())
    session.commit()
    waits = []
    for _attempt in range(outbox.MAX_ATTEMPTS):
        run_mail_job(app)
        [row] = _mails(session)
        if row.status == MailStatus.RETRY:
            waits.append(row.next_attempt_at - clock.now())
            travel.move_to(row.next_attempt_at)
    assert waits == [timedelta(minutes=m) for m in outbox.BACKOFF_MINUTES]
    assert (row.status, row.attempts) == (MailStatus.ABANDONED, outbox.MAX_ATTEMPTS)
    travel.shift(timedelta(days=2))
    assert run_mail_job(app) == "0 courriel envoyé."  # given up: it waits for a person

    login(client, users["admin"])
    page = text_of(client.get("/admin/outbox?status=abandoned"))
    assert f'data-mail-id="{row.id}"' in page and "Abandonné" in page and "Renvoyer" in page
    smtp_server.start()
    response = client.post(f"/admin/outbox/{row.id}/resend", data={"next": "/admin/outbox"}, follow_redirects=True)
    assert "remis en file" in text_of(response)
    [row] = _mails(session)
    assert (row.status, row.attempts) == (MailStatus.QUEUED, 0)
    assert run_mail_job(app) == "1 courriel envoyé."
    assert len(smtp_server) == 1
    response = client.post(f"/admin/outbox/{row.id}/resend", follow_redirects=True)
    assert "déjà parti" in text_of(response)  # a sent mail is not sent twice from here
    assert len(smtp_server) == 1


def test_without_smtp_mails_wait_banner_and_no_secret_logged(app, client, session, users, caplog):
    assert not app.config["SMTP_HOST"]
    caplog.set_level(logging.DEBUG)
    response = client.post("/password/forgot", data={"email": users["mediator"].email}, follow_redirects=True)
    assert "Si un compte existe pour cette adresse" in text_of(response)
    [row] = _mails(session)
    assert row.sensitive and "/password/reset/" in row.body
    token = row.body.split("/password/reset/")[1].split()[0]
    assert run_mail_job(app) == "Aucun serveur SMTP configuré : 1 courriel en attente."
    assert _mails(session)[0].status == MailStatus.QUEUED
    assert token not in caplog.text and "/password/reset/" not in caplog.text

    login(client, users["admin"])
    home = text_of(client.get("/"))
    assert "data-smtp-banner" in home and "Les courriels ne partent pas" in home
    page = text_of(client.get("/admin/outbox"))
    assert "Mot de passe oublié" in page and token not in page and "/password/reset/" not in page
    mediator = app.test_client()
    login(mediator, users["mediator"])
    assert "data-smtp-banner" not in text_of(mediator.get("/"))  # staff only


def test_a_password_link_is_blanked_once_sent_and_not_resent(app, session, users, smtp_server, client):
    client.post("/password/forgot", data={"email": users["mediator"].email})
    client.post("/password/forgot", data={"email": users["mediator"].email})  # a second one at once: not queued
    [message] = smtp_server
    assert "/password/reset/" in message.get_body(("plain",)).get_content()
    [row] = _mails(session)
    assert row.status == MailStatus.SENT and "/password/reset/" not in row.body
    with pytest.raises(Exception, match="déjà parti"):
        outbox.resend(session, users["admin"], row, now=clock.now())


def test_a_mail_claimed_by_a_dead_job_is_sent_again_after_the_lease(app, session, users, smtp_server, travel):
    outbox.queue(session, mail.Mail(to=["a@example.org"], subject="Bonjour", body="Texte"), kind="test", now=clock.now())
    session.commit()
    assert outbox.claim(session, now=clock.now()) != []  # a job claims it, then its worker is killed
    assert run_mail_job(app) == "0 courriel envoyé."
    travel.shift(outbox.LEASE + timedelta(seconds=1))
    assert run_mail_job(app) == "1 courriel envoyé."
    assert [m["Subject"] for m in smtp_server] == ["Bonjour"]


def test_an_empty_recipient_list_is_refused(session):
    with pytest.raises(Exception, match="aucun destinataire"):
        outbox.queue(session, mail.Mail(to=[" "], subject="x", body="y"), kind="test", now=clock.now())


@pytest.mark.real_commits
def test_two_mail_jobs_at_once_send_each_mail_once(app, session, smtp_server):
    for i in range(12):
        outbox.queue(session, mail.Mail(to=[f"p{i}@example.org"], subject=f"Mail {i}", body="x"), kind="test",
                     now=clock.now())
    session.commit()
    run_together(lambda _i: run_mail_job(app), 4)
    subjects = sorted(m["Subject"] for m in smtp_server)
    assert subjects == sorted(f"Mail {i}" for i in range(12))
    assert session.execute(select(func.count()).select_from(OutboxMail)
                           .where(OutboxMail.status == MailStatus.SENT)).scalar_one() == 12


def test_the_outbox_page_is_for_staff(app, users):
    for role, status in (("mediator", 403), ("authority", 403), ("member", 403), ("coordinator", 200),
                         ("admin", 200)):
        client = app.test_client()
        login(client, users[role])
        assert client.get("/admin/outbox").status_code == status, role
