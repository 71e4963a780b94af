"""The share-capital ledger: subscription (¼ paid at least, the rest due within 5 years), payment, transfer,
reimbursement (the floor rule), cancellation, the public bodies' 50 % (SCIC), the derived values (balance, total,
history, voting members), gapless line numbers and the audit log."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.core import clock, settings
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog
from coopnum.members.models import CapitalOperation, CapitalOperationKind, Member, MemberStatus
from coopnum.members.services import capital, registry
from tests import days
from tests.members import factories_registry as mf

NOMINAL = 5000


@pytest.fixture
def cols(session):
    return mf.colleges(session)


def _numbers(session):
    return list(session.execute(select(CapitalOperation.number).order_by(CapitalOperation.number)).scalars())


def test_a_subscription_asks_a_quarter_paid_and_the_rest_within_five_years(session, cols):
    m = mf.member(session, cols[0], shares=0)
    on = days.days(-30)
    with pytest.raises(DomainError) as exc:
        capital.subscribe(session, None, m, 4, on=on, paid_cents=4999, now=clock.now())
    assert exc.value.field == "paid_cents" and "50,00" in exc.value.message  # ¼ of 4 × 50 € = 50 €
    line = capital.subscribe(session, None, m, 4, on=on, paid_cents=5000, now=clock.now())
    assert line.kind == CapitalOperationKind.SUBSCRIPTION and line.amount_cents == 4 * NOMINAL
    assert line.due_on == on.replace(year=on.year + 5) or (on.month, on.day) == (2, 29)
    b = capital.balance(session, m.id)
    assert (b.shares, b.subscribed_cents, b.paid_cents, b.unpaid_cents) == (4, 20000, 5000, 15000)
    # the payment at subscription is a line of its own, linked to the subscription
    payment = session.execute(select(CapitalOperation).where(CapitalOperation.kind == "payment")).scalar_one()
    assert payment.related_id == line.id and payment.amount_cents == 5000


def test_a_subscription_paid_in_full_has_no_due_date_and_cannot_be_overpaid(session, cols):
    m = mf.member(session, cols[0], shares=0)
    line = capital.subscribe(session, None, m, 2, on=days.days(-3), paid_cents=10000, now=clock.now())
    assert line.due_on is None
    with pytest.raises(DomainError, match="dépasse"):
        capital.subscribe(session, None, m, 1, on=days.days(-3), paid_cents=5001, now=clock.now())


def test_the_settings_set_the_nominal_and_the_quarter(session, cols):
    settings.set_value(session, None, "members.share_nominal_cents", 2000, now=clock.now())
    settings.set_value(session, None, "members.min_paid_at_subscription", "1/2", now=clock.now())
    m = mf.member(session, cols[0], shares=0)
    with pytest.raises(DomainError, match="30,00"):  # ½ of 3 × 20 €
        capital.subscribe(session, None, m, 3, on=days.days(-1), paid_cents=2999, now=clock.now())
    capital.subscribe(session, None, m, 3, on=days.days(-1), paid_cents=3000, now=clock.now())
    assert capital.balance(session, m.id).subscribed_cents == 6000


def test_no_subscription_in_the_future_nor_for_a_member_gone(session, cols):
    m = mf.member(session, cols[0], shares=1)
    with pytest.raises(DomainError, match="futur"):
        capital.subscribe(session, None, m, 1, on=days.days(1), paid_cents=NOMINAL, now=clock.now())
    registry.leave(session, None, m, status=MemberStatus.RESIGNED, on=days.days(-1), body="member", now=clock.now())
    with pytest.raises(DomainError, match="n'est plus sociétaire"):
        capital.subscribe(session, None, m, 1, on=days.days(-1), paid_cents=NOMINAL, now=clock.now())


def test_a_payment_never_exceeds_what_is_unpaid(session, cols):
    m = mf.member(session, cols[0], shares=4, paid_cents=5000)
    with pytest.raises(DomainError) as exc:
        capital.pay(session, None, m, 15001, on=days.days(-1), now=clock.now())
    assert "150,00" in exc.value.message
    capital.pay(session, None, m, 15000, on=days.days(-1), now=clock.now())
    assert capital.balance(session, m.id).unpaid_cents == 0
    with pytest.raises(DomainError, match="entièrement libérées"):
        capital.pay(session, None, m, 100, on=days.days(-1), now=clock.now())


def test_a_transfer_is_two_linked_lines_of_paid_up_shares(session, cols):
    giver = mf.member(session, cols[0], name="Cédante", shares=3)
    receiver = mf.member(session, cols[1], name="Cessionnaire", shares=1)
    out, into = capital.transfer(session, None, giver, receiver, 2, on=days.days(-2), now=clock.now())
    assert (out.shares, into.shares) == (-2, 2)
    assert out.related_id == into.id and into.related_id == out.id
    assert out.counterpart_member_id == receiver.id and into.counterpart_member_id == giver.id
    assert capital.balance(session, giver.id).shares == 1 and capital.balance(session, receiver.id).shares == 3
    assert capital.balance(session, receiver.id).paid_cents == 3 * NOMINAL
    assert capital.total_capital(session) == 4 * NOMINAL  # a transfer changes no capital
    with pytest.raises(DomainError, match="garde au moins une part"):
        capital.transfer(session, None, giver, receiver, 1, on=days.days(-1), now=clock.now())


def test_only_paid_up_shares_are_transferred(session, cols):
    giver = mf.member(session, cols[0], name="Cédante", shares=4, paid_cents=5000)
    receiver = mf.member(session, cols[1], name="Cessionnaire", shares=1)
    with pytest.raises(DomainError, match="libérées se cèdent"):
        capital.transfer(session, None, giver, receiver, 2, on=days.days(-1), now=clock.now())


def test_a_reimbursement_under_the_floor_is_refused_with_the_figures(session, cols):
    # highest capital ever: 40 shares (2 000 €) → floor 500 €
    big = mf.member(session, cols[0], name="Grande Sociétaire", shares=36, on=days.days(-800))
    small = mf.member(session, cols[1], name="Petit Sociétaire", shares=4, on=days.days(-700))
    registry.leave(session, None, big, status=MemberStatus.RESIGNED, on=days.days(-10), body="member",
                   now=clock.now())
    capital.reimburse(session, None, big, 20, on=days.days(-5), now=clock.now())  # 2 000 → 1 000 €
    assert capital.total_capital(session) == 20 * NOMINAL
    with pytest.raises(DomainError) as exc:
        capital.reimburse(session, None, big, 16, on=days.days(-1), now=clock.now())  # 1 000 → 200 € < 500 €
    message = exc.value.message
    assert "plancher" in message and "500,00" in message and "200,00" in message and "2\u202f000,00" in message
    capital.reimburse(session, None, big, 10, on=days.days(-1), now=clock.now())  # 1 000 → 500 €: at the floor
    assert capital.total_capital(session) == 10 * NOMINAL
    assert capital.capital_floor(session) == 500_00 and capital.highest_capital(session) == 2000_00
    assert capital.balance(session, small.id).shares == 4


def test_the_statutory_minimum_is_a_floor_too(session, cols):
    settings.set_value(session, None, "members.minimum_capital_cents", 180_00, now=clock.now())
    a = mf.member(session, cols[0], name="A", shares=2)
    b = mf.member(session, cols[1], name="B", shares=2)
    registry.leave(session, None, b, status=MemberStatus.RESIGNED, on=days.days(-3), body="member", now=clock.now())
    with pytest.raises(DomainError, match="180,00"):
        capital.reimburse(session, None, b, 2, on=days.days(-1), now=clock.now())  # 200 → 100 € < 180 €
    assert capital.balance(session, b.id).shares == 2 and capital.balance(session, a.id).shares == 2


def test_a_reimbursement_may_be_less_than_nominal_and_leaves_an_admitted_member_a_share(session, cols):
    mf.member(session, cols[0], name="Autre", shares=10)
    m = mf.member(session, cols[1], shares=3)
    with pytest.raises(DomainError, match="garde au moins une part"):
        capital.reimburse(session, None, m, 3, on=days.days(-1), now=clock.now())
    with pytest.raises(DomainError, match="compris entre 0"):
        capital.reimburse(session, None, m, 2, on=days.days(-1), amount_cents=2 * NOMINAL + 1, now=clock.now())
    line = capital.reimburse(session, None, m, 2, on=days.days(-1), amount_cents=9000, now=clock.now())
    assert line.amount_cents == -9000 and line.shares == -2
    b = capital.balance(session, m.id)
    assert (b.shares, b.subscribed_cents, b.paid_cents) == (1, NOMINAL, NOMINAL)


def test_only_unpaid_shares_are_cancelled(session, cols):
    mf.member(session, cols[0], name="Autre", shares=10)
    m = mf.member(session, cols[1], shares=4, paid_cents=10000)  # 2 shares paid, 100 € unpaid
    with pytest.raises(DomainError, match="non libérées s'annulent"):
        capital.cancel(session, None, m, 3, on=days.days(-1), now=clock.now())
    line = capital.cancel(session, None, m, 2, on=days.days(-1), now=clock.now())
    assert (line.kind, line.shares, line.amount_cents) == ("cancellation", -2, 0)
    b = capital.balance(session, m.id)
    assert (b.shares, b.subscribed_cents, b.paid_cents, b.unpaid_cents) == (2, 2 * NOMINAL, 2 * NOMINAL, 0)


def test_public_bodies_hold_at_most_half_of_the_capital(session, cols):
    mf.member(session, cols[0], name="Salariée", shares=10)
    town = mf.member(session, cols[1], name="Commune de Loudun", kind="organisation", public_body=True, shares=10)
    with pytest.raises(DomainError) as exc:
        capital.subscribe(session, None, town, 1, on=days.days(-1), paid_cents=NOMINAL, now=clock.now())
    message = exc.value.message
    assert "550,00" in message and "1\u202f050,00" in message and "52,4" in message and "50" in message
    assert capital.public_bodies_capital(session) == 10 * NOMINAL
    # a second public body cannot get round it by a transfer
    agglo = mf.member(session, cols[1], name="Communauté d'agglomération", kind="organisation", public_body=True,
                      shares=0)
    supporter = mf.member(session, cols[3], name="Soutien", shares=3)
    with pytest.raises(DomainError, match="collectivités"):  # 12 shares of 23
        capital.transfer(session, None, supporter, agglo, 2, on=days.days(-1), now=clock.now())
    capital.transfer(session, None, supporter, agglo, 1, on=days.days(-1), now=clock.now())  # 11 of 23: allowed
    # nor by the reimbursement of a private member that would leave them above half (11 of 19)
    employee = session.execute(select(Member).where(Member.name == "Salariée")).unique().scalar_one()
    with pytest.raises(DomainError, match="collectivités"):
        capital.reimburse(session, None, employee, 4, on=days.days(-1), now=clock.now())
    capital.reimburse(session, None, employee, 1, on=days.days(-1), now=clock.now())  # 11 of 22: exactly half


def test_a_public_body_cannot_be_the_first_to_subscribe(session, cols):
    with pytest.raises(DomainError, match="100\u00a0%"):
        mf.member(session, cols[1], name="Département", kind="organisation", public_body=True, shares=1)


def test_the_ledger_is_numbered_without_gaps_even_after_a_refusal(session, cols):
    a = mf.member(session, cols[0], name="A", shares=2, paid_cents=5000)  # subscription + payment: 1, 2
    b = mf.member(session, cols[1], name="B", shares=1)  # 3, 4
    session.commit()
    with pytest.raises(DomainError):
        capital.pay(session, None, a, 10**6, on=days.days(-1), now=clock.now())
    session.rollback()
    capital.pay(session, None, a, 100, on=days.days(-1), now=clock.now())
    assert _numbers(session) == [1, 2, 3, 4, 5]
    assert capital.last_number(session) == 5 and capital.balance(session, b.id).shares == 1


def test_every_operation_writes_the_audit_log(session, cols):
    a = mf.member(session, cols[0], name="Alice", shares=3)
    b = mf.member(session, cols[1], name="Bruno", shares=1)
    capital.transfer(session, None, a, b, 1, on=days.days(-1), now=clock.now())
    summaries = list(session.execute(select(AuditLog.summary).where(AuditLog.object_type == "CapitalOperation")
                                     .order_by(AuditLog.id)).scalars())
    assert any("souscription de 3 parts" in s and "Alice" in s for s in summaries)
    assert sum("cession de 1 part d'Alice à Bruno" in s for s in summaries) == 2


def test_history_total_and_voting_members(session, cols):
    early = mf.member(session, cols[0], name="Ancienne", shares=2, on=days.days(-400))
    late = mf.member(session, cols[1], name="Récente", shares=1, on=days.days(-10))
    candidate = mf.member(session, cols[2], name="Candidate", shares=0)
    capital.subscribe(session, None, candidate, 1, on=days.days(-5), paid_cents=NOMINAL, now=clock.now())
    gone = mf.member(session, cols[3], name="Partie", shares=1, on=days.days(-300))
    registry.leave(session, None, gone, status=MemberStatus.EXCLUDED, on=days.days(-20), body="board",
                   now=clock.now())
    assert capital.total_capital(session) == 5 * NOMINAL
    assert capital.total_capital(session, on=days.days(-11)) == 3 * NOMINAL
    points = capital.history(session)
    assert [p.on for p in points] == sorted(p.on for p in points)
    assert points[-1].subscribed_cents == 5 * NOMINAL and points[0].subscribed_cents == 2 * NOMINAL
    assert [m.name for m in capital.voting_members(session, days.TODAY)] == ["Ancienne", "Récente"]
    assert {m.name for m in capital.voting_members(session, days.days(-100))} == {"Ancienne", "Partie"}
    assert capital.voting_members(session, days.days(-500)) == []
    several = [days.TODAY, days.days(-100), days.days(-500), days.TODAY]  # a day asked twice is answered once
    assert capital.voting_members_on(session, several) == {d: capital.voting_members(session, d) for d in several}
    assert capital.voting_members_on(session, []) == {}
    assert early.status == MemberStatus.ADMITTED and late.number == 2
    assert capital.balance(session, early.id, on=days.days(-500)).shares == 0


def test_due_dates_passed_are_listed(session, cols):
    mf.member(session, cols[0], name="Autre", shares=10)
    m = mf.member(session, cols[1], name="En retard", shares=4, paid_cents=5000, on=days.TODAY - timedelta(days=6 * 366))
    found = capital.overdue(session, days.TODAY)
    assert [(x.name, unpaid) for x, unpaid, _due in found] == [("En retard", 15000)]
    capital.pay(session, None, m, 15000, on=days.days(-1), now=clock.now())
    assert capital.overdue(session, days.TODAY) == []
