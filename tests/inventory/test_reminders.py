"""Reminders of overdue loans: the day after the due date, then every N days (the setting), idempotent when the job
runs twice the same day, written into the outbox and sent by the mail job (to the responsible mediator, and to the
coordination for a person without an account); the retention job erases a person's data."""

from datetime import timedelta

from sqlalchemy import select

from coopnum.core import jobs, settings
from coopnum.core.models import OutboxMail
from coopnum.inventory.models import BorrowerKind, Loan
from coopnum.inventory.services import bookings as svc
from coopnum.inventory.services import reminders
from tests import days, factories
from tests.inventory import factories_inventory as fi


def _late_loan(session, user, *, due_days_ago: int, kind=BorrowerKind.MEDIATOR, **kw) -> Loan:
    tab = fi.asset(session, tag=f"LATE-{due_days_ago}-{kind}")
    due = days.at(days.days(-due_days_ago), 17)
    return fi.loan(session, assets=[tab], user=user, kind=kind, checked_out_at=due - timedelta(days=7), due_at=due,
                   **kw)


def at_eight(n: int):
    """08:00 in Paris, ``n`` days from today (the job's hour)."""
    return days.at(days.days(n), 8)


def test_schedule_day_after_then_every_n_days_and_idempotent(app, session, users):
    mediator = users["mediator"]
    loan = _late_loan(session, mediator, due_days_ago=0)  # due today at 17:00
    session.commit()
    assert "0 relance" in jobs.run_job(app, "inventory.reminders", days.at(days.days(0), 18))  # same day: not yet
    assert "1 relance" in jobs.run_job(app, "inventory.reminders", at_eight(1))  # the day after
    assert "0 relance" in jobs.run_job(app, "inventory.reminders", at_eight(1) + timedelta(hours=6))  # twice a day
    for n in range(2, 8):
        assert "0 relance" in jobs.run_job(app, "inventory.reminders", at_eight(n)), n
    assert "1 relance" in jobs.run_job(app, "inventory.reminders", at_eight(8))  # 7 days later (the default)
    session.expire_all()
    loan = session.get(Loan, loan.id)
    assert loan.reminders_sent == 2 and loan.last_reminded_at == at_eight(8)
    mails = session.execute(select(OutboxMail).where(OutboxMail.kind == reminders.MAIL_KIND)).scalars().all()
    assert [m.recipients for m in mails] == [mediator.email, mediator.email]
    assert all(m.about_type == "loan" and m.about_id == loan.id for m in mails)


def test_every_n_days_is_a_setting(app, session, users):
    settings.set_value(session, users["admin"], "inventory.reminder_every_days", 3, now=days.NOW)
    _late_loan(session, users["mediator"], due_days_ago=0)
    session.commit()
    assert "1 relance" in jobs.run_job(app, "inventory.reminders", at_eight(1))
    assert "0 relance" in jobs.run_job(app, "inventory.reminders", at_eight(3))
    assert "1 relance" in jobs.run_job(app, "inventory.reminders", at_eight(4))


def test_returned_or_extended_loans_are_not_reminded(app, session, users):
    coord = users["coordinator"]
    loan = _late_loan(session, users["mediator"], due_days_ago=3)
    svc.extend(session, loan, actor=coord, now=days.NOW, due_at=days.NOW + timedelta(days=2))
    session.commit()
    assert "0 relance" in jobs.run_job(app, "inventory.reminders", days.NOW)


def test_the_mail_leaves_through_the_outbox(app, session, users, smtp_server):
    coordinator = users["coordinator"]
    responsible = factories.user(session, roles=["mediator"], full_name="Claire Martin")
    loan = _late_loan(session, responsible, due_days_ago=4, kind=BorrowerKind.PERSON,
                      borrower_name="Jeanne Usagère", borrower_phone="06 11 22 33 44", borrower_commune="Loudun")
    session.commit()
    assert len(smtp_server) == 0  # nothing leaves before the job
    jobs.run_job(app, "inventory.reminders", days.NOW)
    assert len(smtp_server) == 1
    msg = smtp_server[0]
    # a person without an account has no email: the coordination is told too
    assert {a.strip() for a in msg["To"].split(",")} == {responsible.email, coordinator.email}
    assert msg["Subject"] == f"Matériel à rendre : prêt n° {loan.id} en retard de 4 jours"
    body = msg.get_body(("plain",)).get_content()
    assert "Jeanne Usagère" in body and "LATE-4-person" in body
    assert f"http://coopnum.test/inventory/loans/{loan.id}" in body


def test_retention_job_erases_persons_data(app, session, users):
    coord = users["coordinator"]
    old = fi.asset(session)
    loan = svc.checkout(session, actor=coord, now=days.NOW - timedelta(days=120), due_at=days.NOW - timedelta(
        days=110), asset_ids=[old.id], borrower=svc.Borrower(kind=BorrowerKind.PERSON, name="Jeanne Usagère",
                                                             phone="0611223344", commune="Loudun"))
    svc.checkin(session, loan, actor=coord, now=days.NOW - timedelta(days=89), condition_in="good")
    session.commit()
    assert jobs.run_job(app, "inventory.retention", days.NOW).startswith("0 prêt")
    assert jobs.run_job(app, "inventory.retention", days.NOW + timedelta(days=2)).startswith("1 prêt")
    session.expire_all()
    loan = session.get(Loan, loan.id)
    assert (loan.borrower_name, loan.borrower_phone, loan.borrower_commune) == (svc.ANONYMOUS_BORROWER, "", "")
    assert loan.anonymised_at == days.NOW + timedelta(days=2)
