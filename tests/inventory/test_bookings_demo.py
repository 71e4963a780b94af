"""The bookings demo: reservations for the coming workshop sessions, open loans, a returned loan and one overdue
loan to a person without an account; without the assets demo it does nothing (and never fails)."""

from types import SimpleNamespace

from sqlalchemy import func, select

from coopnum.inventory import demo_bookings
from coopnum.inventory.models import AssetCategory, BorrowerKind, Loan, LoanStatus, Reservation
from coopnum.inventory.services import bookings as svc
from coopnum.missions.models import MissionKind
from tests import days, factories
from tests.inventory import factories_inventory as fi


def test_without_assets_nothing_happens(session, users):
    demo_bookings.seed(session, SimpleNamespace(), days.NOW)
    assert session.execute(select(func.count()).select_from(Reservation)).scalar_one() == 0


def test_demo_bookings(session, users):
    mediators = [users["mediator"]] + [factories.user(session, roles=["mediator"]) for _ in range(6)]
    org = factories.organisation(session)
    mission = factories.mission(session, convention=factories.convention(session, organisation=org),
                                place=factories.place(session, organisation=org), kind=MissionKind.WORKSHOP_SERIES,
                                title="Atelier")
    for n in (2, 9, 16):
        ms = factories.mission_session(session, mission=mission, start=days.at(days.days(n), 14),
                                       end=days.at(days.days(n), 16))
        factories.assignment(session, mission_session=ms, user=mediators[n % 7])
    assets = ([fi.asset(session) for _ in range(12)]
              + [fi.asset(session, category=AssetCategory.LAPTOP) for _ in range(6)]
              + [fi.asset(session, category=AssetCategory.HOTSPOT) for _ in range(2)]
              + [fi.asset(session, category=AssetCategory.SMARTPHONE) for _ in range(3)])
    kit = fi.kit(session, assets=[fi.asset(session) for _ in range(4)])
    ctx = SimpleNamespace(assets=assets + list(kit.assets), kits=[kit], mediators=mediators,
                          coordinator=users["coordinator"])
    demo_bookings.seed(session, ctx, days.NOW)
    session_reservations = [r for r in ctx.reservations if r.session_id]
    assert len(session_reservations) == 3 and any(r.kit_id == kit.id for r in session_reservations)
    assert all(r.starts_at > days.NOW for r in ctx.reservations)
    overdue = svc.overdue_loans(session, days.NOW)
    assert [loan.borrower_kind for loan in overdue] == [BorrowerKind.PERSON]
    assert overdue[0].due_at == days.at(days.days(-5), 9)
    statuses = sorted(loan.status for loan in session.execute(select(Loan)).scalars())
    assert statuses.count(LoanStatus.OPEN) == 4 and statuses.count(LoanStatus.RETURNED) == 1
