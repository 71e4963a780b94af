"""APTIC cheques: recording (unique numbers), batches, sending (an issued invoice whose total incl. VAT is exactly
the cheques' value), the reimbursement (payment; cannot be cancelled), and the pages."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.billing import amounts
from coopnum.billing.models import ApticBatch, ApticBatchStatus, ApticCheque, Invoice, PaymentState
from coopnum.billing.services import aptic, payments
from coopnum.core import settings
from coopnum.core.errors import DomainError
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login, text_of

RECEIVED = days.month_start(-2)  # the cheques' day: the 1st of the month before last
SENT_ON = RECEIVED + timedelta(days=4)
SENT_AT = days.at(SENT_ON, 11)  # when the batches are made and sent
# The reimbursements: days of last month, after the sending, all past.
FIRST_PART, REIMBURSED, LAST_PART = (days.month_start(-1) + timedelta(days=n) for n in range(3))
BATCH = f"APTIC-{SENT_ON.year}"  # the batches' references, in the series of their year


@pytest.fixture
def aptic_org(session):
    org = factories.organisation(session, name="APTIC SCIC", kind="company")
    settings.set_value(session, None, "billing.aptic_organisation_id", org.id, now=SENT_AT)
    bf.company(session)
    return org


def cheques(session, users, n, *, start=1, now=SENT_AT, **kw):
    return [aptic.record_cheque(session, users["coordinator"], number=f"AP{start + i:06d}",
                                received_on=RECEIVED, now=now, **kw) for i in range(n)]


def test_record_cheques(session, users):
    place = factories.place(session, name="Médiathèque")
    cheque = aptic.record_cheque(session, users["coordinator"], number=" AP 000123 ", received_on=RECEIVED,
                                 place_id=place.id, mediator_id=users["mediator"].id, now=SENT_AT)
    assert (cheque.number, cheque.face_value_cents, cheque.batch_id) == ("AP000123", 1000, None)
    with pytest.raises(DomainError, match="déjà enregistré") as exc:
        aptic.record_cheque(session, users["coordinator"], number="AP000123", received_on=RECEIVED, now=SENT_AT)
    assert exc.value.field == "number"
    with pytest.raises(DomainError, match="futur"):
        aptic.record_cheque(session, users["coordinator"], number="AP9", received_on=SENT_ON + timedelta(days=1),
                            now=SENT_AT)
    with pytest.raises(DomainError, match="Médiateur"):
        aptic.record_cheque(session, users["coordinator"], number="AP10", received_on=RECEIVED,
                            mediator_id=users["member"].id, now=SENT_AT)
    settings.set_value(session, None, "billing.aptic_face_value_cents", 2000, now=SENT_AT)
    assert aptic.record_cheque(session, users["coordinator"], number="AP11", received_on=RECEIVED,
                               now=SENT_AT).face_value_cents == 2000
    assert aptic.unbatched_summary(session) == (2, 3000)


def test_batches_references_and_exclusivity(session, users):
    first = cheques(session, users, 3)
    batch = aptic.create_batch(session, users["coordinator"], [c.id for c in first[:2]], now=SENT_AT)
    assert batch.reference == f"{BATCH}-001" and batch.status == ApticBatchStatus.OPEN
    assert [c.number for c in aptic.cheques_of(session, batch)] == ["AP000001", "AP000002"]
    with pytest.raises(DomainError, match="Déjà dans un lot"):
        aptic.create_batch(session, users["coordinator"], [first[1].id, first[2].id], now=SENT_AT)
    with pytest.raises(DomainError, match="au moins un"):
        aptic.create_batch(session, users["coordinator"], [], now=SENT_AT)
    second = aptic.create_batch(session, users["coordinator"], [first[2].id], now=SENT_AT)
    assert second.reference == f"{BATCH}-002"
    aptic.delete_batch(session, users["coordinator"], second, now=SENT_AT)
    assert first[2].batch_id is None


@pytest.mark.parametrize("count", [1, 3, 7, 12])
def test_excl_amount_gives_back_the_exact_total(count):
    total = count * 1000
    excl = aptic.excl_for_incl(total, 2000)
    assert excl + amounts.vat_cents(excl, 2000) == total


def test_excl_amount_for_every_whole_euro_total():
    for total in range(100, 500_001, 100):
        excl = aptic.excl_for_incl(total, 2000)
        assert excl + amounts.vat_cents(excl, 2000) == total
    assert aptic.excl_for_incl(1000, 0) == 1000
    with pytest.raises(DomainError):
        aptic.excl_for_incl(3, 2000)  # 0,03 € cannot be reached at 20 % (2 + 0 or 3 + 1)


def test_send_requires_the_aptic_organisation(session, users):
    batch = aptic.create_batch(session, users["coordinator"], [c.id for c in cheques(session, users, 2)], now=SENT_AT)
    with pytest.raises(DomainError, match="Structure APTIC"):
        aptic.send_batch(session, users["coordinator"], batch, now=SENT_AT, render=bf.fake_render)


def test_send_and_reimburse(session, users, aptic_org, now):
    batch = aptic.create_batch(session, users["coordinator"], [c.id for c in cheques(session, users, 7)],
                               reference=f"{BATCH}-003", now=SENT_AT)
    invoice = aptic.send_batch(session, users["coordinator"], batch, now=SENT_AT, render=bf.fake_render)
    assert invoice.number and invoice.organisation_id == aptic_org.id
    assert (invoice.total_excl_cents, invoice.total_vat_cents, invoice.total_incl_cents) == (5833, 1167, 7000)
    (line,) = invoice.lines
    assert line.description == f"Remise de 7 chèques APTIC (lot {BATCH}-003)"
    assert "AP000001" in line.detail
    assert (batch.status, batch.invoice_id, batch.sent_on) == (ApticBatchStatus.SENT, invoice.id, SENT_ON)
    with pytest.raises(DomainError, match="déjà envoyé"):
        aptic.send_batch(session, users["coordinator"], batch, now=SENT_AT, render=bf.fake_render)
    with pytest.raises(DomainError, match="déjà envoyé"):
        aptic.delete_cheque(session, users["coordinator"], aptic.cheques_of(session, batch)[0], now=SENT_AT)
    payment = aptic.mark_reimbursed(session, users["coordinator"], batch, received_on=REIMBURSED,
                                    reference="VIR APTIC", now=now)
    assert (payment.amount_cents, payment.method, payment.aptic_batch_id) == (7000, "aptic", batch.id)
    assert (batch.status, batch.reimbursed_on) == (ApticBatchStatus.REIMBURSED, REIMBURSED)
    assert invoice.payment_state(days.TODAY) == PaymentState.PAID
    with pytest.raises(DomainError, match="déjà enregistré"):
        aptic.mark_reimbursed(session, users["coordinator"], batch, received_on=REIMBURSED, now=now)
    with pytest.raises(DomainError, match=f"{BATCH}-003"):
        payments.cancel(session, users["coordinator"], payment, now=now)


def test_payment_recorded_on_the_batch_invoice_reimburses_the_batch(session, users, aptic_org, now):
    batch = aptic.create_batch(session, users["coordinator"], [c.id for c in cheques(session, users, 2)], now=SENT_AT)
    invoice = aptic.send_batch(session, users["coordinator"], batch, now=SENT_AT, render=bf.fake_render)
    payments.record(session, users["coordinator"], invoice, amount_cents=500, received_on=FIRST_PART,
                    method="aptic", now=now)
    assert batch.status == ApticBatchStatus.SENT  # partly paid
    last = payments.record(session, users["coordinator"], invoice, amount_cents=1500, received_on=LAST_PART,
                           method="aptic", now=now)
    assert last.aptic_batch_id == batch.id
    assert (batch.status, batch.reimbursed_on) == (ApticBatchStatus.REIMBURSED, LAST_PART)


# --- pages ----------------------------------------------------------------------------------------------------------

def test_pages_walk_a_batch(client, session, users, aptic_org, monkeypatch):
    from coopnum.billing import documents

    monkeypatch.setattr(documents, "render", bf.fake_render)
    session.commit()
    login(client, users["coordinator"])
    assert client.get("/billing/aptic").status_code == 200
    received = days.days(-3).isoformat()
    for number in ("CH-1", "CH-2", "CH-3"):
        response = client.post("/billing/aptic/cheques", data={
            "number": number, "received_on": received, "face_value_cents": "10", "place_id": "0",
            "mediator_id": str(users["mediator"].id)})
        assert response.status_code == 302, text_of(response)[:2000]
    duplicate = client.post("/billing/aptic/cheques", data={"number": "CH-1", "received_on": received,
                                                            "place_id": "0", "mediator_id": "0"})
    assert duplicate.status_code == 400 and "déjà enregistré" in text_of(duplicate)
    page = text_of(client.get("/billing/aptic"))
    assert "CH-3" in page and "3 chèques hors lot, 30,00" in page
    ids = [c.id for c in session.execute(select(ApticCheque).order_by(ApticCheque.number)).scalars()]
    empty = client.post("/billing/aptic/batches", data={})
    assert empty.status_code == 400 and "Cochez au moins un chèque" in text_of(empty)
    created = client.post("/billing/aptic/batches", data={"cheque_ids": [str(i) for i in ids]})
    assert created.status_code == 302
    batch = session.execute(select(ApticBatch)).scalar_one()
    detail = text_of(client.get(f"/billing/aptic/batches/{batch.id}"))
    assert f"APTIC-{days.TODAY.year}-001" in detail and "Remise de 3 chèques APTIC" in detail
    assert client.post(f"/billing/aptic/batches/{batch.id}/send").status_code == 302
    session.expire_all()
    batch = session.get(ApticBatch, batch.id)
    invoice = session.get(Invoice, batch.invoice_id)
    assert batch.status == "sent" and invoice.total_incl_cents == 3000
    bad = client.post(f"/billing/aptic/batches/{batch.id}/reimbursed",
                      data={"received_on": days.days(1).isoformat()})  # tomorrow
    assert bad.status_code == 400 and "futur" in text_of(bad)
    done = client.post(f"/billing/aptic/batches/{batch.id}/reimbursed",
                       data={"received_on": days.TODAY.isoformat(), "reference": "VIR-APTIC"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(ApticBatch, batch.id).status == "reimbursed"
    assert session.get(Invoice, invoice.id).balance_cents == 0
    assert "Remboursé" in text_of(client.get(f"/billing/aptic/batches/{batch.id}"))
