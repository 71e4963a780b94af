"""Invoices from the work: billable sessions, links that cannot bill twice, drafts, issue (gapless, nothing burnt
on failure), immutability, credit notes (total and partial), rounding, the monthly run."""

from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coopnum.billing import amounts, numbering
from coopnum.billing.models import BilledItem, Invoice, InvoiceDocument, InvoiceStatus
from coopnum.billing.services import billable, credit_notes, invoices, issuing
from coopnum.core.errors import DomainError
from coopnum.missions.models import SessionStatus
from coopnum.organisations.models import PricingMode, VatRegime
from coopnum.timesheets.services import hours
from tests import days, factories
from tests.billing import factories as bf

# The work billed: last month (bf.WORK_MONTH), wholly past whatever today is.
MONTH_START, MONTH_END = bf.WORK_MONTH, days.month_end(-1)
YEAR = days.TODAY.year  # the series of an invoice issued now


def work_day(weekday: int, n: int):
    """The n-th ``weekday`` of the work month (never one of its held Tuesdays unless asked)."""
    return days.nth_weekday(MONTH_START, weekday, n)


@pytest.fixture
def coord(users):
    return users["coordinator"]


def test_draft_from_work_bills_validated_held_sessions_with_links(session, users, coord, now):
    bf.company(session)
    conv, mission, held = bf.billable_convention(session, mediator=users["mediator"], unit_price_cents=4500)
    # held but the other mediator's month is not validated: held back
    other = factories.user(session)
    bf.held_session(session, mission=mission, start=days.at(work_day(days.FRIDAY, 3), 9), mediator=other)
    # planned, started, not confirmed: held back too
    factories.mission_session(session, mission=mission, start=days.at(work_day(days.SATURDAY, 3), 9),
                              end=days.at(work_day(days.SATURDAY, 3), 11))
    work = billable.billable_work(session, conv, MONTH_START, MONTH_END, now=now)
    assert work.unvalidated_sessions == 1 and work.unconfirmed_sessions == 1
    invoice = billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    [line] = invoice.lines
    assert line.quantity == Decimal("6.00") and line.unit == "hour" and line.unit_price_cents == 4500
    assert line.total_excl_cents == 27000
    assert invoice.total_vat_cents == 5400 and invoice.total_incl_cents == 32400
    assert f"{bf.work_tuesday(0):%d/%m} (3 h)" in line.detail and f"{bf.work_tuesday(1):%d/%m} (3 h)" in line.detail
    billed = {i.session_id for i in session.execute(select(BilledItem).where(BilledItem.line_id == line.id)).scalars()}
    assert billed == {s.id for s in held}
    assert invoice.chorus_buyer_siret == conv.chorus_buyer_siret
    assert invoice.period_start == MONTH_START and invoice.period_end == MONTH_END


def test_a_session_cannot_be_billed_twice(session, users, coord, now):
    conv, _mission, held = bf.billable_convention(session, mediator=users["mediator"])
    billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    with pytest.raises(DomainError, match="Rien à facturer.*déjà facturé"):
        billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    # even bypassing the service, the database refuses a second active link
    line_id = session.execute(select(BilledItem.line_id)).scalars().first()
    session.commit()
    session.add(BilledItem(line_id=line_id, session_id=held[0].id, convention_id=conv.id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_deleting_a_draft_or_its_line_frees_the_sessions(session, users, coord, now):
    conv, _mission, _held = bf.billable_convention(session, mediator=users["mediator"])
    draft = billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    invoices.delete_line(session, coord, draft, draft.lines[0], now=now)
    assert draft.total_incl_cents == 0
    again = billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    invoices.delete_draft(session, coord, again, now=now)
    assert session.execute(select(func.count()).select_from(BilledItem)).scalar() == 0
    assert billable.billable_work(session, conv, MONTH_START, MONTH_END, now=now).lines


def test_pricing_modes_per_session_and_monthly_flat(session, users, coord, now):
    conv, _m, _h = bf.billable_convention(session, mediator=users["mediator"], sessions=3,
                                          pricing_mode=PricingMode.PER_SESSION, unit_price_cents=12000)
    [line] = billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now).lines
    assert (line.quantity, line.unit, line.total_excl_cents) == (3, "session", 36000)

    flat = factories.convention(session, organisation=factories.organisation(session),
                                pricing_mode=PricingMode.MONTHLY_FLAT, monthly_fee_cents=150000,
                                start_date=days.month_start(-3).replace(day=15))
    draft = billable.draft_from_work(session, coord, flat, days.month_start(-3), MONTH_END, now=now)
    assert [ln.description.rsplit("— ", 1)[1] for ln in draft.lines] == [
        format_date(days.month_start(k), "MMMM y", locale="fr") for k in (-3, -2, -1)]
    assert draft.lines[0].period_start == days.month_start(-3).replace(day=15)  # the convention starts mid-month
    assert draft.total_excl_cents == 450000
    with pytest.raises(DomainError, match="déjà facturé"):
        billable.draft_from_work(session, coord, flat, days.month_start(-2), days.month_end(-2), now=now)


def test_issue_numbers_freezes_and_stores_documents(session, users, coord, now):
    bf.company(session)
    conv, _m, _h = bf.billable_convention(session, mediator=users["mediator"])
    draft = billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    invoice = issuing.issue(session, coord, draft, now=now, render=bf.fake_render)
    assert invoice.number == f"F{YEAR}-00001" and invoice.status == InvoiceStatus.ISSUED
    assert invoice.issue_date == days.TODAY and invoice.due_date == days.days(30)
    assert invoice.seller["siret"] == bf.COMPANY["company.siret"]
    docs = issuing.documents_of(session, invoice)
    import hashlib

    assert set(docs) == {"pdf", "facturx"}
    assert docs["pdf"].sha256 == hashlib.sha256(docs["pdf"].content).hexdigest()
    second = issuing.issue(session, coord, bf.draft_invoice(session, coord), now=now, render=bf.fake_render)
    assert second.number == f"F{YEAR}-00002"


def test_a_failed_issue_burns_no_number(session, users, coord, now):
    bf.company(session)
    first = bf.issued_invoice(session, coord)
    draft = bf.draft_invoice(session, coord)
    session.commit()

    def broken(_invoice):
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        issuing.issue(session, coord, draft, now=now, render=broken)
    session.rollback()
    draft = session.get(Invoice, draft.id)
    assert draft.status == InvoiceStatus.DRAFT and draft.number is None
    assert numbering.current_value(session, f"F{YEAR}") == 1
    again = issuing.issue(session, coord, draft, now=now, render=bf.fake_render)
    assert (first.number, again.number) == (f"F{YEAR}-00001", f"F{YEAR}-00002")


def test_issue_refuses_without_identity_or_training_declaration(session, coord, now):
    draft = bf.draft_invoice(session, coord)
    with pytest.raises(DomainError, match="identité de la coopérative"):
        issuing.issue(session, coord, draft, now=now, render=bf.fake_render)
    bf.company(session, training_declaration="")
    training = bf.draft_invoice(session, coord, vat_regime=VatRegime.TRAINING_EXEMPT)
    with pytest.raises(DomainError, match="déclaration d'activité"):
        issuing.issue(session, coord, training, now=now, render=bf.fake_render)
    assert numbering.current_value(session, f"F{YEAR}") == 0


def test_issued_invoice_is_immutable_whatever_the_path(session, coord, now):
    invoice = bf.issued_invoice(session, coord)
    session.commit()
    with pytest.raises(DomainError, match="émise"):
        invoices.add_line(session, coord, invoice, description="x", quantity=1, unit_price_cents=100, now=now)
    with pytest.raises(DomainError, match="émise"):
        invoices.update_line(session, coord, invoice, invoice.lines[0], description="x", quantity=1,
                             unit_price_cents=1, now=now)
    with pytest.raises(DomainError, match="émise"):
        invoices.delete_draft(session, coord, invoice, now=now)
    # straight through the ORM: refused by the flush hook
    changes = (lambda inv: setattr(inv, "total_incl_cents", 1), lambda inv: setattr(inv, "buyer_name", "X"),
               lambda inv: setattr(inv.lines[0], "unit_price_cents", 1), session.delete,
               lambda inv: session.delete(inv.lines[0]))
    for change in changes:
        change(invoice)
        with pytest.raises(DomainError):
            session.flush()
        session.rollback()
        invoice = session.get(Invoice, invoice.id)
    doc = session.execute(select(InvoiceDocument)).scalars().first()
    doc.content = b"tampered"
    with pytest.raises(DomainError):
        session.flush()
    session.rollback()
    # what may change: the settlement
    invoice = session.get(Invoice, invoice.id)
    invoice.paid_cents = 100
    session.flush()


def test_credit_notes_total_and_partial(session, users, coord, now):
    bf.company(session)
    conv, _m, held = bf.billable_convention(session, mediator=users["mediator"])
    invoice = issuing.issue(session, coord, billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now),
                             now=now, render=bf.fake_render)
    invoices.add_line  # noqa: B018 (the invoice has one line: 6 h)
    line = invoice.lines[0]
    partial = credit_notes.create_credit_note(session, coord, invoice, reason="Une heure de trop", lines={line.id: "1"},
                                          now=now, render=bf.fake_render)
    assert partial.number == f"A{YEAR}-00001" and partial.credit_of_id == invoice.id
    assert partial.total_incl_cents == 5400 and invoice.credited_cents == 5400
    assert invoice.balance_cents == 32400 - 5400
    # a partial credit keeps the sessions billed
    assert invoices.is_session_billed(session, held[0].id)
    with pytest.raises(DomainError, match="au plus restent"):
        credit_notes.create_credit_note(session, coord, invoice, reason="x", lines={line.id: "6"}, now=now,
                                    render=bf.fake_render)
    rest = credit_notes.create_credit_note(session, coord, invoice, reason="Tarif erroné", now=now,
                                       render=bf.fake_render)
    assert rest.number == f"A{YEAR}-00002" and rest.lines[0].quantity == Decimal("5")
    assert invoice.credited_cents == invoice.total_incl_cents
    assert invoice.payment_state(days.TODAY) == "credited"
    # fully credited: the sessions are released and can be billed again, at the right price this time
    assert not invoices.is_session_billed(session, held[0].id)
    again = billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    assert again.lines[0].quantity == Decimal("6.00")
    with pytest.raises(DomainError, match="Rien à créditer"):
        credit_notes.create_credit_note(session, coord, invoice, reason="encore", now=now, render=bf.fake_render)


def test_confirmation_of_a_billed_session_cannot_change(session, users, coord, now):
    conv, _m, held = bf.billable_convention(session, mediator=users["mediator"])
    billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now)
    with pytest.raises(DomainError, match="facturée"):
        hours.unconfirm_session(session, coord, held[0], now=now)


def test_rounding_per_line_then_per_vat_rate():
    class Line:
        def __init__(self, quantity, price, discount="0", rate=2000):
            self.quantity, self.unit_price_cents = Decimal(quantity), price
            self.discount_percent, self.vat_rate_bp = Decimal(discount), rate

    # 1.333 h × 45.00 € = 59.985 → 59.99 per line; VAT on the sum per rate: (59.99 + 59.99) × 20 % = 23.996 → 24.00
    lines = [Line("1.333", 4500), Line("1.333", 4500), Line("3", 1999, "12.5", 550)]
    totals = amounts.compute(lines)
    assert [ln.total_excl_cents for ln in lines] == [5999, 5999, 5247]  # 3 × 19.99 × 0.875 = 52.47375
    assert [(r.rate_bp, r.base_cents, r.vat_cents) for r in totals.vat_rows] == [(2000, 11998, 2400),
                                                                               (550, 5247, 289)]
    assert (totals.excl_cents, totals.vat_cents, totals.incl_cents) == (17245, 2689, 19934)


def test_draft_line_validation_messages(session, coord, now):
    draft = bf.draft_invoice(session, coord)
    for kwargs, field in (({"quantity": "0"}, "quantity"), ({"quantity": "abc"}, "quantity"),
                          ({"discount_percent": "120"}, "discount_percent"), ({"description": " "}, "description"),
                          ({"vat_rate_bp": 1900}, "vat_rate_bp")):
        args = {"description": "Atelier", "quantity": "1", "unit_price_cents": 1000, **kwargs}
        with pytest.raises(DomainError) as exc:
            invoices.add_line(session, coord, draft, now=now, **args)
        assert exc.value.field == field


def test_monthly_run_drafts_every_active_convention_once(session, users, coord, now):
    a, _m, _h = bf.billable_convention(session, mediator=users["mediator"])
    b, _m2, _h2 = bf.billable_convention(session, mediator=users["mediator"], pricing_mode=PricingMode.PER_SESSION)
    idle = factories.convention(session, organisation=factories.organisation(session))
    factories.convention(session, organisation=factories.organisation(session), status="draft")
    result = billable.monthly_run(session, coord, MONTH_START, now=now)
    assert sorted(i.convention_id for i in result.created) == sorted([a.id, b.id])
    assert [(c.id, why) for c, why in result.skipped] == [(idle.id, "rien à facturer")]
    again = billable.monthly_run(session, coord, MONTH_START.replace(day=15), now=now)  # any day of the month
    assert not again.created and {why for _c, why in again.skipped} >= {"un brouillon existe déjà pour ce mois"}
    with pytest.raises(DomainError, match="mois à venir"):
        billable.monthly_run(session, coord, days.month_start(1), now=now)


def test_not_held_sessions_are_not_billed(session, users, coord, now):
    conv, mission, _held = bf.billable_convention(session, mediator=users["mediator"], sessions=1)
    factories.mission_session(session, mission=mission, start=days.at(work_day(days.THURSDAY, 2), 9),
                              end=days.at(work_day(days.THURSDAY, 2), 12), status=SessionStatus.NOT_HELD)
    [line] = billable.draft_from_work(session, coord, conv, MONTH_START, MONTH_END, now=now).lines
    assert line.quantity == Decimal("3.00")
