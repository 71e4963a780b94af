"""The ECB rate per semester: the service's checks (French messages), the dated lookup (never 0 by default), the
form of the billing settings page, and the reminders that wait while their semester's rate is missing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coopnum.billing import legal
from coopnum.billing.models import Reminder
from coopnum.billing.services import dunning, ecb
from coopnum.core import jobs, rates
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog, DatedRate, RateKind
from coopnum.organisations.models import Contact, OrganisationKind
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login, text_of
from tests.queries import counting

NOW = days.NOW
SEMESTER = legal.semester_start(days.TODAY)
NEXT = date(SEMESTER.year, 7, 1) if SEMESTER.month == 1 else date(SEMESTER.year + 1, 1, 1)
PREVIOUS = date(SEMESTER.year - 1, 7, 1) if SEMESTER.month == 1 else date(SEMESTER.year, 1, 1)

ISSUED_ON = days.month_start(-3)
DUE = ISSUED_ON + timedelta(days=30)
DUE_SEMESTER = legal.semester_start(DUE + timedelta(days=1))


def after_due(n: int):
    return days.at(DUE + timedelta(days=n), 7)


# --- the service ----------------------------------------------------------------------------------------------------

def test_set_rate_then_dated_lookup(session, users):
    assert ecb.rate_for(session, days.TODAY) is None  # nothing yet: None, not 0
    ecb.set_rate(session, users["coordinator"], valid_from=SEMESTER, rate_bp=215, now=NOW)
    ecb.set_rate(session, users["coordinator"], valid_from=PREVIOUS, rate_bp=240, now=NOW)
    assert ecb.rate_for(session, days.TODAY) == 215
    assert ecb.rate_for(session, PREVIOUS + timedelta(days=100)) == 240  # an old invoice: its semester's rate
    assert ecb.rate_for(session, NEXT) is None  # the next semester is not known yet: no fallback
    ecb.set_rate(session, users["coordinator"], valid_from=SEMESTER, rate_bp=200, now=NOW)  # a correction
    assert ecb.rate_for(session, days.TODAY) == 200
    assert session.scalar(select(func.count()).select_from(DatedRate)) == 2
    assert [r.valid_from for r in rates.rates(session, RateKind.ECB)] == [SEMESTER, PREVIOUS]
    summaries = session.execute(select(AuditLog.summary).where(AuditLog.object_type == "DatedRate")).scalars().all()
    assert any("215 → 200" in s for s in summaries)


@pytest.mark.parametrize(("valid_from", "rate_bp", "message"), [
    (date(2026, 3, 1), 215, "choisissez le 1er janvier ou le 1er juillet"),
    (date(NEXT.year + 1, 1, 1), 215, "Ce semestre n'a pas encore commencé"),
    (date(1990, 1, 1), 215, "existe depuis 1999"),
    (None, 215, "Indiquez le semestre"),
    (SEMESTER, 2500, "entre -1 et 20"),
    (SEMESTER, None, "Indiquez le taux"),
])
def test_set_rate_refuses(session, users, valid_from, rate_bp, message):
    with pytest.raises(DomainError, match=message):
        ecb.set_rate(session, users["coordinator"], valid_from=valid_from, rate_bp=rate_bp, now=NOW)


def test_next_semester_may_be_entered_ahead(session, users):
    ecb.set_rate(session, users["coordinator"], valid_from=NEXT, rate_bp=190, now=NOW)
    assert ecb.rate_for(session, NEXT + timedelta(days=10)) == 190


# --- the settings page ------------------------------------------------------------------------------------------

def test_settings_page_saves_a_semester_rate(client, session, users):
    login(client, users["coordinator"])
    page = text_of(client.get("/billing/settings"))
    assert "Aucun taux de la BCE n'est encore renseigné." in page
    assert f'<option selected value="{SEMESTER.isoformat()}">' in page  # the current semester by default
    response = client.post("/billing/settings/ecb-rates", data={"valid_from": PREVIOUS.isoformat(),
                                                                "rate": "2,40 %"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/billing/settings#ecb-rates")
    session.expire_all()
    assert ecb.rate_for(session, PREVIOUS) == 240
    page = text_of(client.get("/billing/settings"))
    assert legal.semester_label(PREVIOUS) in page and "2,40" in page
    # in English, the semesters of the table and of the list in English (the documents keep the French label)
    page = text_of(client.get("/billing/settings?lang=en"))
    half = "First" if PREVIOUS.month == 1 else "Second"
    assert f"{half} half of {PREVIOUS.year}" in page and legal.semester_label(PREVIOUS) not in page


@pytest.mark.parametrize(("data", "message"), [
    ({"valid_from": SEMESTER.isoformat(), "rate": "deux"}, "Taux invalide : un pourcentage"),
    ({"valid_from": SEMESTER.isoformat(), "rate": "25"}, "Taux invalide : entre -1 et 20"),
    ({"valid_from": SEMESTER.isoformat(), "rate": ""}, "Taux invalide"),
    ({"valid_from": "2026-03-01", "rate": "2"}, None),  # not a semester of the list
])
def test_settings_page_refuses_a_bad_rate(client, session, users, data, message):
    login(client, users["coordinator"])
    response = client.post("/billing/settings/ecb-rates", data=data)
    assert response.status_code == 400
    if message:
        assert message in text_of(response)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(DatedRate)) == 0


def test_mediator_cannot_set_a_rate(client, session, users):
    login(client, users["mediator"])
    assert client.post("/billing/settings/ecb-rates", data={"valid_from": SEMESTER.isoformat(),
                                                            "rate": "2"}).status_code == 403


# --- the reminders wait for the rate ----------------------------------------------------------------------------

@pytest.fixture
def overdue(session, users):
    org = factories.organisation(session, name="Association Retardataire", kind=OrganisationKind.ASSOCIATION,
                                 email="tresorier@retard.example.org")
    session.add(Contact(organisation_id=org.id, first_name="Léa", last_name="Trésor",
                        email="tresor@retard.example.org", receives_invoices=True))
    session.flush()
    return bf.issued_invoice(session, users["coordinator"], organisation=org, now=days.at(ISSUED_ON, 12))


def test_no_reminder_without_the_semester_rate(app, session, overdue):
    assert dunning.run(session, now=after_due(7)) == []  # never an interest at 0 %
    (missing,) = dunning.missing_rates(session, now=after_due(7))
    assert missing.semester == DUE_SEMESTER and missing.invoice_numbers == (overdue.number,)
    assert f"Le taux de la BCE du {legal.semester_label(DUE_SEMESTER)}" in missing.message
    assert overdue.number in missing.message and "Renseignez-le" in missing.message
    session.commit()
    summary = jobs.run_job(app, "billing.dunning", after_due(7))
    assert summary.startswith("0 relance créée") and "n'est pas renseigné" in summary
    # Once the rate is filled in, the reminder leaves, at the rate of that semester + 10 points (an association).
    session.add(DatedRate(kind=RateKind.ECB, valid_from=DUE_SEMESTER, rate_bp=215))
    session.flush()
    (reminder,) = dunning.run(session, now=after_due(7))
    # 540 € × 12,15 % × 7 / 365 = 1,258… €
    assert (reminder.days_late, reminder.interest_cents, reminder.indemnity_cents) == (7, 126, 4000)
    (item,) = dunning.prepare_mails(session, [reminder.id])
    assert not item.error
    body = item.mail.body
    assert "pénalités de retard" in body and "majoré de 10 points" in body and "12,15" in body
    assert "L441-10" in body and "D441-5" in body and "R2192" not in body and "moratoires" not in body
    assert session.scalar(select(func.count()).select_from(Reminder)) == 1


def test_an_invoice_due_on_the_last_day_of_a_semester_waits_for_the_next_semester_rate(session, users):
    """Interest runs from the day after the due date: an invoice due on 30 June (or 31 December) waits for the
    rate of the semester that starts the next day, not for its due date's; one query whatever the invoices."""
    starts = legal.semester_start(legal.semester_start(days.TODAY) - timedelta(days=1))  # the previous semester
    due = starts - timedelta(days=1)  # the last day of the semester before
    invoice = bf.issued_invoice(session, users["coordinator"], now=days.at(due - timedelta(days=30), 12))
    assert invoice.due_date == due
    other = bf.issued_invoice(session, users["coordinator"], now=days.at(due - timedelta(days=60), 12))
    session.add(DatedRate(kind=RateKind.ECB, valid_from=legal.semester_start(due), rate_bp=300))  # due date's
    session.flush()
    with counting(session.get_bind()) as statements:
        (missing,) = dunning.missing_rates(session, now=NOW)  # the other one is due in the semester that has a rate
    assert missing.semester == starts and missing.invoice_numbers == (invoice.number,)
    assert len(statements) == 1
    assert other.due_date < due and legal.semester_start(other.due_date + timedelta(days=1)) != starts
    session.add(DatedRate(kind=RateKind.ECB, valid_from=starts, rate_bp=250))
    session.flush()
    assert dunning.missing_rates(session, now=NOW) == []
    assert {r.invoice_id for r in dunning.run(session, now=NOW)} == {invoice.id, other.id}  # the job agrees


def test_the_banner_on_the_settings_page_and_the_dashboard(client, session, users, overdue):
    assert days.TODAY >= DUE + timedelta(days=7)  # overdue today: its first reminder waits for the rate
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get("/billing/settings"))
    assert f"Le taux de la BCE du {legal.semester_label(DUE_SEMESTER)}" in page and overdue.number in page
    dashboard = text_of(client.get("/"))
    assert "n'est pas renseigné" in dashboard
