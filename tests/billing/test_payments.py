"""Payments: full and partial, overpayment refused, refunds of what was overpaid, cancelling, the payment states;
and the pages (list with filters, the form on an invoice)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.billing import queries
from coopnum.billing.models import Invoice, Payment, PaymentMethod, PaymentState
from coopnum.billing.services import credit_notes, payments
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login, text_of
from tests.queries import counting

ISSUED_ON = days.month_start(-3)  # the invoice's issue day: three months ago, so its whole life is past
ISSUED = days.at(ISSUED_ON, 12)  # 540 € incl. VAT, 30 days' terms
DUE = ISSUED_ON + timedelta(days=30)
RECENT = days.days(-3)  # a past day, long after the due date


@pytest.fixture
def invoice(session, users):
    return bf.issued_invoice(session, users["coordinator"], now=ISSUED)


def pay(session, users, invoice, amount, now, *, on=RECENT, method=PaymentMethod.TRANSFER, **kw):
    return payments.record(session, users["coordinator"], invoice, amount_cents=amount, received_on=on,
                           method=method, now=now, **kw)


def test_partial_then_full_payment(session, users, invoice, now):
    assert invoice.total_incl_cents == 54000
    assert invoice.due_date == DUE
    assert invoice.payment_state(ISSUED_ON + timedelta(days=14)) == PaymentState.UNPAID
    first = pay(session, users, invoice, 20000, now, on=ISSUED_ON + timedelta(days=19), reference="VIR 123")
    assert (invoice.paid_cents, invoice.balance_cents) == (20000, 34000)
    assert invoice.payment_state(ISSUED_ON + timedelta(days=24)) == PaymentState.PARTIAL
    assert invoice.payment_state(DUE) == PaymentState.PARTIAL  # due today: not late yet
    assert invoice.payment_state(DUE + timedelta(days=1)) == PaymentState.OVERDUE
    assert invoice.payment_state(days.TODAY) == PaymentState.OVERDUE
    pay(session, users, invoice, 34000, now, method=PaymentMethod.CHEQUE)
    session.commit()
    session.expire_all()
    fresh = session.get(Invoice, invoice.id)
    assert (fresh.paid_cents, fresh.balance_cents) == (54000, 0)
    assert fresh.payment_state(days.TODAY) == PaymentState.PAID
    assert [p.amount_cents for p in payments.payments_of(session, fresh)] == [20000, 34000]
    logged = session.execute(select(AuditLog).where(AuditLog.object_type == "Payment",
                                                    AuditLog.object_id == str(first.id))).scalar_one()
    assert logged.actor_id == users["coordinator"].id and "200,00" in logged.summary


def test_overpayment_refused_with_the_balance(session, users, invoice, now):
    pay(session, users, invoice, 50000, now)
    with pytest.raises(DomainError) as exc:
        pay(session, users, invoice, 5000, now)
    assert exc.value.field == "amount_cents"
    assert "40,00" in exc.value.message and "solde" in exc.value.message
    pay(session, users, invoice, 4000, now)
    with pytest.raises(DomainError, match="déjà soldée"):
        pay(session, users, invoice, 1, now)


@pytest.mark.parametrize(("amount", "on", "field", "words"), [
    (0, RECENT, "amount_cents", "nul"),
    (-100, RECENT, "amount_cents", "Remboursement"),
    (100, days.days(1), "received_on", "futur"),  # tomorrow, in Paris
    (100, ISSUED_ON - timedelta(days=1), "received_on", "précède"),
])
def test_invalid_payments(session, users, invoice, now, amount, on, field, words):
    with pytest.raises(DomainError) as exc:
        pay(session, users, invoice, amount, now, on=on)
    assert exc.value.field == field and words in exc.value.message
    assert invoice.paid_cents == 0


def test_no_payment_on_a_draft_or_a_credit_note(session, users, invoice, now):
    draft = bf.draft_invoice(session, users["coordinator"])
    with pytest.raises(DomainError, match="brouillon"):
        pay(session, users, draft, 100, now)
    note = credit_notes.create_credit_note(session, users["coordinator"], invoice, reason="Erreur", now=now,
                                       render=bf.fake_render)
    with pytest.raises(DomainError, match="avoir"):
        pay(session, users, note, 100, now)


def test_refund_only_what_was_overpaid(session, users, invoice, now):
    with pytest.raises(DomainError, match="Rien à rembourser"):
        pay(session, users, invoice, -100, now, method=PaymentMethod.REFUND)
    pay(session, users, invoice, 54000, now, on=DUE)
    # A partial credit note after payment: the buyer overpaid by the credited amount.
    line = invoice.lines[0]
    credit_notes.create_credit_note(session, users["coordinator"], invoice, reason="Séance non tenue",
                                lines={line.id: 2}, now=now, render=bf.fake_render)
    assert invoice.credited_cents == 10800  # 2 h × 45 € + VAT
    assert invoice.balance_cents == -10800
    assert invoice.payment_state(days.TODAY) == PaymentState.PAID
    with pytest.raises(DomainError, match="108,00"):
        pay(session, users, invoice, -10900, now, method=PaymentMethod.REFUND)
    with pytest.raises(DomainError, match="négatif"):
        pay(session, users, invoice, 10800, now, method=PaymentMethod.REFUND)
    refund = pay(session, users, invoice, -10800, now, method=PaymentMethod.REFUND)
    assert (invoice.paid_cents, invoice.balance_cents) == (43200, 0)
    # Cancelling the original payment would leave a refund of money never received.
    original = payments.payments_of(session, invoice)[0]
    with pytest.raises(DomainError, match="remboursement"):
        payments.cancel(session, users["coordinator"], original, now=now)
    payments.cancel(session, users["coordinator"], refund, now=now)
    assert invoice.paid_cents == 54000


def test_cancel_a_mistaken_payment(session, users, invoice, now):
    payment = pay(session, users, invoice, 10000, now)
    session.commit()
    payments.cancel(session, users["coordinator"], payment, reason="Mauvaise facture", now=now)
    session.commit()
    assert session.get(Invoice, invoice.id).paid_cents == 0
    assert session.execute(select(Payment)).first() is None
    entry = session.execute(select(AuditLog).where(AuditLog.object_type == "Payment",
                                                   AuditLog.action == "delete")).scalar_one()
    assert "Mauvaise facture" in entry.summary and entry.changes["before"]["amount_cents"] == 10000


def test_filters(session, users, invoice, now):
    other = bf.issued_invoice(session, users["coordinator"], now=ISSUED,
                              organisation=factories.organisation(session, name="Commune B"))
    pay(session, users, invoice, 1000, now, on=days.month_start(-3).replace(day=10))
    pay(session, users, other, 2000, now, on=days.month_start(-2).replace(day=10), method=PaymentMethod.CHEQUE)
    pay(session, users, other, 3000, now, on=days.month_start(-1).replace(day=10))

    def amounts(**kw):
        stmt = queries.payments_stmt(queries.PaymentFilters(**kw))
        return [p.amount_cents for p in session.execute(stmt).unique().scalars()]

    assert amounts() == [3000, 2000, 1000]
    assert amounts(method="cheque") == [2000]
    assert amounts(organisation_id=other.organisation_id) == [3000, 2000]
    assert amounts(date_from=days.month_start(-2), date_to=days.month_end(-2)) == [2000]
    assert queries.payments_total(session, queries.PaymentFilters(organisation_id=other.organisation_id)) == (
        2, 5000)


# --- pages ----------------------------------------------------------------------------------------------------------

def test_payment_form_records_and_refuses_overpayment(client, session, users, invoice):
    session.commit()
    login(client, users["coordinator"])
    url = f"/billing/invoices/{invoice.id}/payments/new"
    page = client.get(url)
    assert page.status_code == 200
    assert invoice.number in text_of(page) and "540,00" in text_of(page)
    too_much = client.post(url, data={"amount_cents": "600", "received_on": RECENT.isoformat(), "method": "transfer"})
    assert too_much.status_code == 400
    assert "540,00" in text_of(too_much) and "dépasse le solde" in text_of(too_much)
    bad = client.post(url, data={"amount_cents": "abc", "received_on": "", "method": "transfer"})
    assert bad.status_code == 400
    ok = client.post(url, data={"amount_cents": "200,50", "received_on": RECENT.isoformat(), "method": "transfer",
                                "reference": "VIR-42"})
    assert ok.status_code == 302
    assert session.get(Invoice, invoice.id).paid_cents == 20050
    listing = client.get("/billing/payments?method=transfer")
    assert listing.status_code == 200
    body = text_of(listing)
    assert "VIR-42" in body and "200,50" in body and invoice.number in body


def test_refund_typed_as_a_positive_amount(client, session, users, invoice, now):
    pay(session, users, invoice, 54000, now)
    credit_notes.create_credit_note(session, users["coordinator"], invoice, reason="Erreur", now=now,
                                render=bf.fake_render)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/invoices/{invoice.id}/payments/new",
                           data={"amount_cents": "540", "received_on": days.TODAY.isoformat(), "method": "refund"})
    assert response.status_code == 302
    refund = session.execute(select(Payment).where(Payment.method == "refund")).scalar_one()
    assert refund.amount_cents == -54000


def test_delete_payment_page(client, session, users, invoice, now):
    payment = pay(session, users, invoice, 10000, now)
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/billing/payments/{payment.id}/delete")
    assert response.status_code == 302
    assert session.get(Invoice, invoice.id).paid_cents == 0


def test_payments_list_has_no_n_plus_one(client, session, users, app):

    for n in range(6):
        inv = bf.issued_invoice(session, users["coordinator"], now=ISSUED,
                                organisation=factories.organisation(session, name=f"Commune {n}"))
        payments.record(session, users["coordinator"], inv, amount_cents=1000 + n, received_on=DUE,
                        method="transfer", now=days.at(DUE, 12))
    session.commit()
    login(client, users["coordinator"])
    with counting(app.extensions["coopnum_db"].engine) as count:
        response = client.get("/billing/payments")
    assert response.status_code == 200
    assert "Commune 5" in text_of(response)
    assert len(count) <= 12
