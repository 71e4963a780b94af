"""Races that the constraints already kept right, but answered with an internal error: the loser of a concurrent
request now gets 409 (API, a JSON error in French) or a French message on the page, never a 500.

- the same draft issued by 4 clients at once: exactly one number, the others are refused;
- the month's run started by 4 coordinators at once: one set of drafts, no 500.

Each thread has its own Flask test client (its own request context, database session and connection), released
together by a threading.Barrier; the data is committed for real so that their connections see it."""


import pytest
from sqlalchemy import func, select

from coopnum.billing.models import Invoice, InvoiceKind, InvoiceStatus
from coopnum.core import clock, services
from tests import days, factories
from tests.billing import factories as bf
from tests.concurrency import flashes, logged_in_clients, run_together
from tests.conftest import text_of

CLIENTS = 4
WORK_KEY = days.month_key(-1)


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr("coopnum.billing.documents.render", bf.fake_render)


def _coordinators(session, count: int = CLIENTS):
    return [factories.user(session, roles=["coordinator"]) for _ in range(count)]


@pytest.mark.real_commits  # the threads' connections must see the draft the test commits
def test_the_same_draft_issued_by_four_api_clients_at_once(app, session, fake_pdf):
    bf.company(session)
    coordinators = _coordinators(session)
    draft = bf.draft_invoice(session, coordinators[0])
    tokens = [services.create_token(session, c, c, "api", now=clock.now())[1] for c in coordinators]
    session.commit()
    invoice_id = draft.id
    session.close()

    def issue(i: int):
        response = app.test_client().post(f"/api/v1/invoices/{invoice_id}/issue",
                                          headers={"Authorization": f"Bearer {tokens[i]}"})
        return response.status_code, response.get_json()

    results = run_together(issue, CLIENTS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(status for status, _body in results) == [200] + [409] * (CLIENTS - 1), results
    number = next(body["number"] for status, body in results if status == 200)
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict"
            assert "émise" in body["error"]["message"], body  # « La facture F… est émise … »
    invoice = session.get(Invoice, invoice_id)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number == number
    assert session.execute(select(func.count()).select_from(Invoice)
                           .where(Invoice.number.is_not(None))).scalar_one() == 1  # one number used, no gap


@pytest.mark.real_commits
def test_the_same_draft_issued_from_four_pages_at_once(app, session, fake_pdf):
    bf.company(session)
    coordinators = _coordinators(session)
    draft = bf.draft_invoice(session, coordinators[0])
    session.commit()
    invoice_id = draft.id
    clients = logged_in_clients(app, coordinators)
    session.close()

    def issue(i: int):
        response = clients[i].post(f"/billing/invoices/{invoice_id}/issue")
        return response.status_code, flashes(clients[i])

    results = run_together(issue, CLIENTS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [status for status, _flashes_ in results] == [302] * CLIENTS, results
    invoice = session.get(Invoice, invoice_id)
    won = [flashes for _status, flashes in results if any(category == "success" for category, _m in flashes)]
    lost = [flashes for _status, flashes in results
            if ("error", f"La facture {invoice.number} est émise : elle ne peut plus être modifiée. "
                         "Corrigez-la par un avoir.") in flashes]
    assert len(won) == 1 and len(lost) == CLIENTS - 1, results
    assert invoice.status == InvoiceStatus.ISSUED
    assert session.execute(select(func.count()).select_from(Invoice)
                           .where(Invoice.number.is_not(None))).scalar_one() == 1


@pytest.mark.real_commits
def test_four_runs_of_the_same_month_at_once(app, session, users, fake_pdf):
    conventions = [bf.billable_convention(session, mediator=users["mediator"])[0] for _ in range(2)]
    coordinators = _coordinators(session)
    session.commit()
    convention_ids = sorted(c.id for c in conventions)
    clients = logged_in_clients(app, coordinators)
    session.close()

    def run(i: int):
        response = clients[i].post("/billing/invoices/run", data={"month": WORK_KEY})
        return response.status_code, text_of(response)

    results = run_together(run, CLIENTS)
    assert not [r for r in results if isinstance(r, Exception)], [r for r in results if isinstance(r, Exception)]
    assert all(status in (200, 400) for status, _page in results), [status for status, _page in results]
    assert not any("Erreur interne" in page for _status, page in results)
    drafts = session.execute(select(Invoice.convention_id).where(
        Invoice.kind == InvoiceKind.INVOICE, Invoice.period_start == days.month_start(-1))).scalars().all()
    assert sorted(drafts) == convention_ids  # one draft per convention: one set of drafts
    created = [page for status, page in results if status == 200 and "2 brouillons créés" in page]
    assert len(created) == 1, [status for status, _page in results]
