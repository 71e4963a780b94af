"""The dunning sequence: levels at +7, +21 and +45 days (formal notice), idempotent, only the highest reached level
after a gap, nothing for paid or not-yet-due invoices; late interest computed exactly; the mails (real SMTP) with
the invoice's PDF attached, and the sent-log."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from coopnum.billing import legal
from coopnum.billing.models import Invoice, InvoiceSending, Reminder
from coopnum.billing.services import dunning, payments
from coopnum.core import jobs, settings
from coopnum.core.models import DatedRate, RateKind
from coopnum.organisations.models import Contact
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import run_mail_job

ISSUED_ON = days.month_start(-3)  # the invoice's issue day: its due date and first reminders are past
ISSUED = days.at(ISSUED_ON, 12)
DUE = ISSUED_ON + timedelta(days=30)  # 30 days' terms


@pytest.fixture(autouse=True)
def ecb_rate(session):
    """The ECB rate of the semester in which the test invoice's delay starts (2,15 %)."""
    row = DatedRate(kind=RateKind.ECB, valid_from=legal.semester_start(DUE + timedelta(days=1)), rate_bp=215)
    session.add(row)
    session.flush()
    return row


def at(day: date) -> datetime:
    return days.at(day, 7)  # the early-morning job, in Paris


def after_due(days: int) -> datetime:
    return at(DUE + timedelta(days=days))


@pytest.fixture
def org(session):
    org = factories.organisation(session, name="Ville de Relanceville", email="mairie@relanceville.example.org")
    session.add_all([
        Contact(organisation_id=org.id, first_name="Paul", last_name="Compta", email="compta@relanceville.example.org",
                receives_invoices=True),
        Contact(organisation_id=org.id, first_name="Anne", last_name="Élue", email="elue@relanceville.example.org"),
    ])
    session.flush()
    return org


@pytest.fixture
def invoice(session, users, org):
    return bf.issued_invoice(session, users["coordinator"], organisation=org, now=ISSUED)


def levels(session, invoice) -> list[int]:
    return [r.level for r in dunning.reminders_of(session, invoice)]


def test_levels_are_sent_once_each(session, invoice):
    assert invoice.due_date == DUE
    assert dunning.run(session, now=after_due(6)) == []
    created = dunning.run(session, now=after_due(7))
    assert [(r.invoice_id, r.level, r.days_late) for r in created] == [(invoice.id, 1, 7)]
    assert invoice.dunning_level == 1
    assert dunning.run(session, now=after_due(7)) == []  # twice the same day
    assert dunning.run(session, now=after_due(8)) == []  # the next days
    assert dunning.run(session, now=after_due(20)) == []
    assert [r.level for r in dunning.run(session, now=after_due(21))] == [2]
    notice = dunning.run(session, now=after_due(45))
    assert [r.level for r in notice] == [3]
    assert dunning.is_formal_notice(3, dunning.dunning_days(session))
    assert dunning.run(session, now=after_due(120)) == []
    session.commit()
    assert levels(session, invoice) == [1, 2, 3]
    first = dunning.reminders_of(session, invoice)[0]
    assert (first.sent_on, first.balance_cents, first.indemnity_cents) == (DUE + timedelta(days=7), 54000, 4000)


def test_a_gap_sends_only_the_highest_reached_level(session, invoice):
    created = dunning.run(session, now=after_due(30))
    assert [r.level for r in created] == [2]
    assert levels(session, invoice) == [2]
    assert dunning.run(session, now=after_due(31)) == []
    assert [r.level for r in dunning.run(session, now=after_due(50))] == [3]


def test_no_reminder_for_paid_credited_or_not_yet_due(session, users, org, invoice, now):
    paid = bf.issued_invoice(session, users["coordinator"], organisation=org, now=ISSUED)
    payments.record(session, users["coordinator"], paid, amount_cents=54000, received_on=DUE + timedelta(days=19),
                    method="transfer", now=now)
    recent = bf.issued_invoice(session, users["coordinator"], organisation=org, now=now)  # due in 30 days
    draft = bf.draft_invoice(session, users["coordinator"], organisation=org)
    created = dunning.run(session, now=after_due(10))
    assert [r.invoice_id for r in created] == [invoice.id]
    for other in (paid, recent, draft):
        assert levels(session, other) == []


def test_partly_paid_invoice_is_reminded_of_its_balance(session, users, invoice, now):
    payments.record(session, users["coordinator"], invoice, amount_cents=14000, received_on=DUE - timedelta(days=1),
                    method="cheque", now=now)
    (reminder,) = dunning.run(session, now=after_due(7))
    assert reminder.balance_cents == 40000


def test_dunning_days_setting(session, invoice):
    settings.set_value(session, None, "billing.dunning_days", [30, 10], now=ISSUED)
    assert dunning.dunning_days(session) == [10, 30]
    assert dunning.run(session, now=after_due(9)) == []
    assert [r.level for r in dunning.run(session, now=after_due(10))] == [1]
    notice = dunning.run(session, now=after_due(30))
    assert [r.level for r in notice] == [2] and dunning.is_formal_notice(2, [10, 30])


def test_late_interest_exact():
    # A pure computation on explicit dates (never meets the clock): the fixed dates are the point.
    due = date(2026, 1, 1)

    def inv(balance):
        return SimpleNamespace(due_date=due, balance_cents=balance)

    # 1 200 € × (2,15 % + 8 points) × 30 / 365 = 10,0109… €
    assert dunning.late_interest(inv(120000), date(2026, 1, 31), 215) == (30, 1001, 4000)
    # 18,25 € × 10 % × 1 / 365 = 0,005 € exactly: rounded half up to one cent (a float gives 0,00499…)
    assert dunning.late_interest(inv(1825), date(2026, 1, 2), 200) == (1, 1, 4000)
    # 540 € × 10,15 % × 45 / 365 = 6,757… €
    assert dunning.late_interest(inv(54000), date(2026, 2, 15), 215) == (45, 676, 4000)
    assert dunning.late_interest(inv(54000), due, 215) == (0, 0, 0)  # not late
    assert dunning.late_interest(inv(0), date(2026, 3, 1), 215) == (0, 0, 0)  # nothing owed


def test_interest_stored_on_the_reminder(session, invoice, ecb_rate):
    ecb_rate.rate_bp = 400
    (reminder,) = dunning.run(session, now=after_due(21))
    # 540 € × 12 % × 21 / 365 = 3,728… €
    assert (reminder.days_late, reminder.interest_cents, reminder.indemnity_cents) == (21, 373, 4000)


def test_job_mails_the_reminder_with_the_pdf(app, session, invoice, smtp_server):
    session.commit()
    summary = jobs.run_job(app, "billing.dunning", after_due(7))
    assert "1 relance" in summary and "1 courriel" in summary
    assert len(smtp_server) == 1
    msg = smtp_server[0]
    assert msg["To"] == "compta@relanceville.example.org"  # the contact receiving invoices only
    assert msg["Subject"] == f"Relance n° 1 — facture {invoice.number} impayée"
    body = msg.get_body(("plain",)).get_content()
    assert invoice.number in body and "540,00" in body and "7 jours de retard" in body
    assert "intérêts moratoires" in body and "majoré de 8 points" in body and "40,00" in body
    assert "R2192-31" in body and "D2192-35" in body  # a commune: the public procurement code
    assert "2,15" in body and "10,15" in body  # the semester's ECB rate, + 8 points
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == f"%PDF-1.7 fake {invoice.number}".encode()
    session.expire_all()
    (sending,) = session.execute(select(InvoiceSending)).scalars().all()
    assert (sending.invoice_id, sending.kind, sending.ok) == (invoice.id, "reminder", True)
    assert sending.recipients == "compta@relanceville.example.org"
    assert session.execute(select(Reminder.emailed)).scalar_one() is True
    # Twice: nothing more.
    session.commit()  # release the test's read (SQLite: one writer at a time)
    assert jobs.run_job(app, "billing.dunning", after_due(7)).startswith("0 relance")
    assert len(smtp_server) == 1
    # The formal notice.
    session.commit()
    jobs.run_job(app, "billing.dunning", after_due(46))
    assert len(smtp_server) == 2
    assert smtp_server[1]["Subject"].startswith("Mise en demeure de payer")
    assert "mettons en demeure" in smtp_server[1].get_body(("plain",)).get_content()
    session.expire_all()
    assert session.get(Invoice, invoice.id).dunning_level == 3


def test_a_failed_mail_is_retried_and_the_reminder_not_created_twice(app, session, invoice, smtp_server, travel):
    session.commit()
    smtp_server.stop()
    summary = jobs.run_job(app, "billing.dunning", after_due(8))
    assert summary == "1 relance créée, 1 courriel mis en file d'envoi."
    assert "1 en échec" in run_mail_job(app)
    session.expire_all()
    sending = session.execute(select(InvoiceSending)).unique().scalar_one()
    assert sending.mail.status == "retry" and "L'envoi du courriel a échoué" in sending.mail.last_error
    assert session.execute(select(Reminder.emailed)).scalar_one() is False
    session.commit()
    jobs.run_job(app, "billing.dunning", after_due(9))
    assert len(session.execute(select(InvoiceSending)).unique().scalars().all()) == 1  # the reminder once
    smtp_server.start()
    travel.shift(timedelta(minutes=1))
    assert len(smtp_server) == 1  # the same mail, when the SMTP server is back
    session.expire_all()
    assert session.execute(select(Reminder.emailed)).scalar_one() is True


def test_no_address_is_a_failed_sending(app, session, users):
    org = factories.organisation(session, name="Structure sans courriel")
    invoice = bf.issued_invoice(session, users["coordinator"], organisation=org, now=ISSUED)
    session.commit()
    jobs.run_job(app, "billing.dunning", after_due(7))
    sending = session.execute(select(InvoiceSending).where(InvoiceSending.invoice_id == invoice.id)).scalar_one()
    assert sending.ok is False and "Aucune adresse" in sending.error
