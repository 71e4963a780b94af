"""The ageing of receivables: balances per client and per lateness bucket (boundaries included), paid and credited
invoices left out, partial payments counted; the page (one aggregate query, links to each client's open
invoices)."""

from datetime import date, timedelta

import pytest

from coopnum.billing.services import accounting, credit_notes, payments
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login, text_of
from tests.queries import counting

TODAY = days.TODAY  # the `now` fixture, in Paris


def issued_due(session, actor, org, due: date, **kw):
    """An issued invoice (540 € incl. VAT, 30 days' terms) falling due on ``due``."""
    day = due - timedelta(days=30)
    return bf.issued_invoice(session, actor, organisation=org, now=days.at(day, 11), **kw)


@pytest.fixture
def ledger(session, users, now):
    actor = users["coordinator"]
    a = factories.organisation(session, name="Commune A")
    b = factories.organisation(session, name="Commune B")
    factories.organisation(session, name="Commune sans dette")
    issued_due(session, actor, a, TODAY)  # due today: not late yet
    issued_due(session, actor, a, TODAY - timedelta(days=1))  # 1 day
    issued_due(session, actor, a, TODAY - timedelta(days=30))  # 30 days
    partly = issued_due(session, actor, a, TODAY - timedelta(days=31))  # 31 days, 140 € paid
    payments.record(session, actor, partly, amount_cents=14000, received_on=TODAY, method="transfer", now=now)
    issued_due(session, actor, b, TODAY - timedelta(days=60))  # 60 days
    issued_due(session, actor, b, TODAY - timedelta(days=61))  # 61 days
    issued_due(session, actor, b, TODAY - timedelta(days=91))  # 91 days
    paid = issued_due(session, actor, b, TODAY - timedelta(days=100))
    payments.record(session, actor, paid, amount_cents=54000, received_on=TODAY, method="transfer", now=now)
    cancelled = issued_due(session, actor, b, TODAY - timedelta(days=100))
    credit_notes.create_credit_note(session, actor, cancelled, reason="Erreur", now=now, render=bf.fake_render)
    bf.draft_invoice(session, actor, organisation=b)
    session.commit()
    return a, b


def test_buckets(session, ledger):
    a, b = ledger
    rows = {r.name: r for r in accounting.ageing(session, TODAY)}
    assert set(rows) == {"Commune A", "Commune B"}
    ra, rb = rows["Commune A"], rows["Commune B"]
    assert (ra.invoices, ra.not_due, ra.d1_30, ra.d31_60, ra.d61_90, ra.d90_plus) == (4, 54000, 108000, 40000, 0, 0)
    assert (ra.total, ra.overdue) == (202000, 148000)
    assert (rb.invoices, rb.not_due, rb.d1_30, rb.d31_60, rb.d61_90, rb.d90_plus) == (3, 0, 0, 54000, 54000, 54000)
    assert [r.name for r in accounting.ageing(session, TODAY)] == ["Commune A", "Commune B"]  # largest first
    totals = accounting.ageing_totals(session, TODAY)
    assert (totals.invoices, totals.total, totals.d31_60) == (7, 364000, 94000)


def test_page(client, session, users, ledger, app):
    a, _b = ledger
    login(client, users["coordinator"])
    with counting(app.extensions["coopnum_db"].engine) as statements:
        response = client.get("/billing/receivables")
    assert response.status_code == 200
    body = text_of(response)
    assert "Commune A" in body and "Commune B" in body and "Commune sans dette" not in body
    assert "2 020,00" in body.replace("\u202f", " ").replace("\u00a0", " ")  # Commune A's total
    assert f"organisation_id={a.id}" in body and "state=open" in body
    assert len(statements) <= 8  # login user, roles, count, page, totals… whatever the number of clients
