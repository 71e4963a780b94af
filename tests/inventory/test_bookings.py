"""Reservations and loans through the services: no overlap (named), back-to-back allowed, kits, cancel, convert to a
loan, checkin (conditions, damaged → maintenance), lost, extend, availability, calendar, retention."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.core.models import AuditLog
from coopnum.inventory.models import (
    AssetBooking,
    AssetCategory,
    AssetStatus,
    BorrowerKind,
    Condition,
    LoanStatus,
    MaintenanceCase,
    ReservationStatus,
)
from coopnum.inventory.services import bookings as svc
from coopnum.inventory.services import conflicts
from coopnum.inventory.services.bookings import Borrower
from tests import days, factories
from tests.inventory import factories_inventory as fi

START = days.at(days.days(3), 9)
END = days.at(days.days(3), 12)


@pytest.fixture
def people(session, users):
    claire = factories.user(session, roles=["mediator"], full_name="Claire Martin")
    paul = factories.user(session, roles=["mediator"], full_name="Paul Durand")
    return {"claire": claire, "paul": paul, "coord": users["coordinator"]}


def _reserve(session, who, assets, start=START, end=END, **kw):
    return svc.reserve(session, actor=who, now=days.NOW, user_id=who.id, starts_at=start, ends_at=end,
                       asset_ids=[a.id for a in assets], **kw)


def test_reserve_books_each_asset_and_audits(session, people):
    t1, t2 = fi.asset(session, tag="TAB-0001"), fi.asset(session, tag="TAB-0002")
    r = _reserve(session, people["claire"], [t1, t2])
    assert r.status == ReservationStatus.ACTIVE and r.user_id == people["claire"].id
    assert sorted(b.asset_id for b in r.bookings) == [t1.id, t2.id]
    assert all(b.active and b.starts_at == START and b.ends_at == END for b in r.bookings)
    assert session.scalar(select(AuditLog.summary).where(AuditLog.action == "inventory.reserve")).startswith(
        "Réservation de TAB-0001, TAB-0002 pour Claire Martin")


def test_overlap_is_refused_and_names_the_conflict(session, people):
    tab = fi.asset(session, tag="TAB-0003")
    first = _reserve(session, people["claire"], [tab])
    with pytest.raises(Conflict) as exc:
        _reserve(session, people["paul"], [tab], START + timedelta(hours=1), END + timedelta(hours=1))
    message = exc.value.message
    assert message.startswith("TAB-0003 est déjà réservé par Claire Martin du ")
    assert conflicts.when(START) in message and conflicts.when(END) in message
    assert exc.value.status == 409
    assert exc.value.details["conflict"]["reservation_id"] == first.id
    assert exc.value.details["conflict"]["asset_tag"] == "TAB-0003"
    assert session.scalar(select(AssetBooking.id).where(AssetBooking.reservation_id != first.id)) is None


def test_when_is_french_and_in_paris_time():
    moment = days.at(days.weekday_on_or_after(days.TODAY, days.THURSDAY), 9)
    assert conflicts.when(moment) == f"jeu. {moment.astimezone(clock.PARIS):%d/%m} 09:00"


def test_back_to_back_is_allowed(session, people):
    tab = fi.asset(session)
    _reserve(session, people["claire"], [tab])
    after = _reserve(session, people["paul"], [tab], END, END + timedelta(hours=2))
    before = _reserve(session, people["paul"], [tab], START - timedelta(hours=2), START)
    assert after.id and before.id


def test_kit_books_all_its_assets_and_conflicts_on_one(session, people):
    a, b = fi.asset(session, tag="KT-1"), fi.asset(session, tag="KT-2")
    lost = fi.asset(session, tag="KT-3", status=AssetStatus.LOST)
    box = fi.kit(session, assets=[a, b, lost])
    r = svc.reserve(session, actor=people["claire"], now=days.NOW, user_id=people["claire"].id, starts_at=START,
                    ends_at=END, kit_id=box.id)
    assert r.kit_id == box.id
    assert sorted(x.asset_id for x in r.bookings) == [a.id, b.id]  # the lost one is not booked
    with pytest.raises(Conflict, match="KT-2 est déjà réservé par Claire Martin"):
        _reserve(session, people["paul"], [b])


def test_reservation_checks(session, people):
    tab = fi.asset(session)
    retired = fi.asset(session, status=AssetStatus.RETIRED, tag="OLD-1")
    claire = people["claire"]
    with pytest.raises(DomainError, match="La fin doit être après le début"):
        _reserve(session, claire, [tab], END, START)
    with pytest.raises(DomainError, match="déjà passé"):
        _reserve(session, claire, [tab], days.NOW - timedelta(hours=2), days.NOW + timedelta(hours=1))
    with pytest.raises(DomainError, match="au plus 90 jours"):
        _reserve(session, claire, [tab], START, START + timedelta(days=91))
    with pytest.raises(DomainError, match="OLD-1 ne peut pas être réservé : réformé"):
        _reserve(session, claire, [retired])
    with pytest.raises(DomainError, match="au moins un appareil"):
        _reserve(session, claire, [])
    with pytest.raises(NotFound):
        svc.reserve(session, actor=claire, now=days.NOW, user_id=claire.id, starts_at=START, ends_at=END,
                    asset_ids=[999999])
    # out today, or in maintenance: it may still be reserved for later
    out = fi.asset(session, status=AssetStatus.MAINTENANCE)
    assert _reserve(session, claire, [out]).id


def test_session_gives_period_and_mission(session, people):
    org = factories.organisation(session)
    mission = factories.mission(session, convention=factories.convention(session, organisation=org),
                                place=factories.place(session, organisation=org))
    ms = factories.mission_session(session, mission=mission, start=START, end=END)
    tab = fi.asset(session)
    r = svc.reserve(session, actor=people["claire"], now=days.NOW, user_id=people["claire"].id,
                    asset_ids=[tab.id], session_id=ms.id)
    assert (r.starts_at, r.ends_at, r.mission_id, r.session_id) == (START, END, mission.id, ms.id)
    assert svc.reservations_of_session(session, ms.id) == [r]
    with pytest.raises(DomainError, match="déjà terminée"):
        svc.reserve(session, actor=people["claire"], now=END, user_id=people["claire"].id, asset_ids=[tab.id],
                    session_id=ms.id)


def test_cancelled_reservation_frees_the_assets(session, people):
    tab = fi.asset(session)
    r = _reserve(session, people["claire"], [tab])
    svc.cancel_reservation(session, r, actor=people["claire"], now=days.NOW)
    assert r.status == ReservationStatus.CANCELLED and r.cancelled_at == days.NOW
    assert not any(b.active for b in r.bookings)
    assert _reserve(session, people["paul"], [tab]).id
    with pytest.raises(Conflict, match="annulée"):
        svc.cancel_reservation(session, r, actor=people["claire"], now=days.NOW)


def test_change_reservation_rechecks(session, people):
    t1, t2 = fi.asset(session, tag="CH-1"), fi.asset(session, tag="CH-2")
    mine = _reserve(session, people["claire"], [t1])
    _reserve(session, people["paul"], [t2], END, END + timedelta(hours=3))
    # moving onto itself (a longer period of the same asset) is fine: its own bookings do not conflict
    svc.change_reservation(session, mine, actor=people["claire"], now=days.NOW, starts_at=START,
                           ends_at=END + timedelta(hours=1))
    assert {b.ends_at for b in mine.bookings} == {END + timedelta(hours=1)}
    with pytest.raises(Conflict, match="CH-2 est déjà réservé par Paul Durand"):
        svc.change_reservation(session, mine, actor=people["claire"], now=days.NOW, starts_at=START,
                               ends_at=END + timedelta(hours=1), asset_ids=[t1.id, t2.id])
    svc.change_reservation(session, mine, actor=people["claire"], now=days.NOW, starts_at=START, ends_at=END,
                           asset_ids=[t2.id])
    assert [b.asset_id for b in mine.bookings if b.active] == [t2.id]
    # an ongoing reservation keeps its (past) start when its end moves; a new start may not be past
    later = START + timedelta(hours=2)
    svc.change_reservation(session, mine, actor=people["claire"], now=later, starts_at=START, ends_at=later +
                           timedelta(minutes=30))
    with pytest.raises(DomainError, match="déjà passé"):
        svc.change_reservation(session, mine, actor=people["claire"], now=later, starts_at=START + timedelta(
            hours=1), ends_at=later + timedelta(minutes=30))


def _person():
    return Borrower(kind=BorrowerKind.PERSON, name="Jeanne Usagère", phone="06 11 22 33 44", commune="Loudun")


def test_checkout_reservation_in_one_click(session, people):
    t1, t2 = fi.asset(session), fi.asset(session)
    r = _reserve(session, people["claire"], [t1, t2], days.NOW + timedelta(minutes=5), END)
    loan = svc.checkout_reservation(session, r, actor=people["coord"], now=days.NOW)
    assert r.status == ReservationStatus.CONVERTED and r.loan_id == loan.id
    assert not any(b.active for b in r.bookings)
    assert loan.status == LoanStatus.OPEN and loan.user_id == people["claire"].id
    assert (loan.checked_out_at, loan.due_at) == (days.NOW, END)
    assert all(b.open_loan and b.active for b in loan.bookings) and len(loan.bookings) == 2
    assert t1.status == t2.status == AssetStatus.DEPLOYED
    with pytest.raises(Conflict):
        svc.checkout_reservation(session, r, actor=people["coord"], now=days.NOW)


def test_checkout_refuses_an_asset_already_out_or_booked(session, people):
    tab = fi.asset(session, tag="OUT-1")
    coord = people["coord"]
    svc.checkout(session, actor=coord, now=days.NOW, borrower=Borrower(user_id=people["paul"].id),
                 due_at=days.NOW + timedelta(days=1), asset_ids=[tab.id])
    with pytest.raises(Conflict, match="OUT-1 est encore prêté à Paul Durand"):
        svc.checkout(session, actor=coord, now=days.NOW, borrower=_person(), due_at=days.NOW + timedelta(days=1),
                     asset_ids=[tab.id])
    other = fi.asset(session, tag="RES-1")
    _reserve(session, people["claire"], [other])
    with pytest.raises(Conflict, match="RES-1 est déjà réservé par Claire Martin"):
        svc.checkout(session, actor=coord, now=days.NOW, borrower=_person(), due_at=END + timedelta(days=1),
                     asset_ids=[other.id])


def test_checkout_to_a_person_requires_their_data_and_a_png(session, people):
    tab = fi.asset(session)
    coord = people["coord"]
    due = days.NOW + timedelta(days=7)
    with pytest.raises(DomainError, match="téléphone") as exc:
        svc.checkout(session, actor=coord, now=days.NOW, due_at=due, asset_ids=[tab.id],
                     borrower=Borrower(kind=BorrowerKind.PERSON, name="X", commune="Y"))
    assert exc.value.field == "borrower_phone"
    with pytest.raises(DomainError, match="PNG"):
        svc.checkout(session, actor=coord, now=days.NOW, due_at=due, asset_ids=[tab.id], borrower=_person(),
                     signature="data:image/jpeg;base64,AAAA")
    with pytest.raises(DomainError, match="PNG"):
        svc.checkout(session, actor=coord, now=days.NOW, due_at=due, asset_ids=[tab.id], borrower=_person(),
                     signature=b"GIF89a" + b"0" * 100)
    with pytest.raises(DomainError, match="trop lourde"):
        svc.checkout(session, actor=coord, now=days.NOW, due_at=due, asset_ids=[tab.id], borrower=_person(),
                     signature=svc.PNG_MAGIC + b"0" * svc.SIGNATURE_MAX_BYTES)
    png = svc.PNG_MAGIC + b"\x00" * 80
    import base64

    loan = svc.checkout(session, actor=coord, now=days.NOW, due_at=due, asset_ids=[tab.id], borrower=_person(),
                        signature="data:image/png;base64," + base64.b64encode(png).decode(),
                        condition_out=Condition.WORN, condition_out_notes="Rayure")
    assert loan.signature_png == png and loan.signed_at == days.NOW
    assert (loan.borrower_name, loan.user_id, loan.condition_out) == ("Jeanne Usagère", coord.id, "worn")


def test_checkin_frees_and_records_conditions(session, people):
    tab = fi.asset(session)
    coord = people["coord"]
    loan = svc.checkout(session, actor=coord, now=days.NOW - timedelta(days=2), borrower=Borrower(
        user_id=people["paul"].id), due_at=days.NOW + timedelta(days=3), asset_ids=[tab.id])
    svc.checkin(session, loan, actor=coord, now=days.NOW, condition_in=Condition.WORN, notes="Coque fendue")
    assert (loan.status, loan.returned_at, loan.condition_in, loan.condition_in_notes) == (
        LoanStatus.RETURNED, days.NOW, "worn", "Coque fendue")
    assert loan.checked_in_by_id == coord.id
    b = loan.bookings[0]
    assert (b.active, b.open_loan, b.ends_at) == (False, False, days.NOW)
    assert tab.status == AssetStatus.AVAILABLE
    assert svc.checkout(session, actor=coord, now=days.NOW, borrower=_person(), due_at=days.NOW + timedelta(days=1),
                        asset_ids=[tab.id]).id
    with pytest.raises(Conflict, match="déjà clos"):
        svc.checkin(session, loan, actor=coord, now=days.NOW, condition_in=Condition.GOOD)


def test_damaged_return_opens_a_maintenance_case(session, people):
    t1, t2 = fi.asset(session), fi.asset(session)
    coord = people["coord"]
    loan = svc.checkout(session, actor=coord, now=days.NOW, borrower=_person(), due_at=days.NOW + timedelta(days=3),
                        asset_ids=[t1.id, t2.id])
    svc.checkin(session, loan, actor=coord, now=days.NOW + timedelta(hours=1), condition_in=Condition.DAMAGED,
                notes="Écran cassé", damaged_asset_ids=[t2.id])
    cases = session.execute(select(MaintenanceCase)).scalars().all()
    assert [(c.asset_id, c.loan_id) for c in cases] == [(t2.id, loan.id)]
    assert "Écran cassé" in cases[0].issue
    assert (t1.status, t2.status) == (AssetStatus.AVAILABLE, AssetStatus.MAINTENANCE)


def test_declare_lost(session, people):
    t1, t2 = fi.asset(session), fi.asset(session)
    coord = people["coord"]
    loan = svc.checkout(session, actor=coord, now=days.NOW, borrower=_person(), due_at=days.NOW + timedelta(days=3),
                        asset_ids=[t1.id, t2.id])
    svc.declare_lost(session, loan, actor=coord, now=days.NOW, asset_ids=[t1.id])
    assert t1.status == AssetStatus.LOST and loan.status == LoanStatus.OPEN
    with pytest.raises(DomainError):
        svc.declare_lost(session, loan, actor=coord, now=days.NOW, asset_ids=[t1.id])
    svc.declare_lost(session, loan, actor=coord, now=days.NOW)
    assert t2.status == AssetStatus.LOST and loan.status == LoanStatus.LOST
    assert not any(b.active or b.open_loan for b in loan.bookings)


def test_extend_rechecks_later_reservations(session, people):
    tab = fi.asset(session, tag="EXT-1")
    coord = people["coord"]
    loan = svc.checkout(session, actor=coord, now=days.NOW, borrower=Borrower(user_id=people["paul"].id),
                        due_at=START - timedelta(hours=1), asset_ids=[tab.id])
    _reserve(session, people["claire"], [tab])
    with pytest.raises(Conflict, match="EXT-1 est déjà réservé par Claire Martin"):
        svc.extend(session, loan, actor=coord, now=days.NOW, due_at=START + timedelta(hours=1))
    svc.extend(session, loan, actor=coord, now=days.NOW, due_at=START)  # back to back with the reservation
    assert loan.due_at == START and loan.bookings[0].ends_at == START


def test_availability_search(session, people):
    free = fi.asset(session, tag="AV-1")
    busy = fi.asset(session, tag="AV-2")
    fi.asset(session, tag="AV-3", status=AssetStatus.LOST)
    laptop = fi.asset(session, tag="AV-4", category=AssetCategory.LAPTOP)
    _reserve(session, people["claire"], [busy])
    tablets = svc.availability(session, category=AssetCategory.TABLET, starts_at=START + timedelta(hours=1),
                               ends_at=END)
    assert [a.tag for a in tablets] == ["AV-1"]
    later = svc.availability(session, category=AssetCategory.TABLET, starts_at=END, ends_at=END + timedelta(hours=2))
    assert {a.tag for a in later} == {"AV-1", "AV-2"}
    assert laptop in svc.availability(session, starts_at=START, ends_at=END) and free.id


def test_calendar_of_asset_and_kit(session, people):
    a, b = fi.asset(session), fi.asset(session)
    box = fi.kit(session, assets=[a, b])
    r1 = _reserve(session, people["claire"], [a])
    r2 = _reserve(session, people["paul"], [b], END, END + timedelta(hours=1))
    window = dict(starts_at=days.at(days.TODAY, 0), ends_at=days.at(days.days(7), 0))
    assert [x.reservation_id for x in svc.calendar(session, asset_id=a.id, **window)] == [r1.id]
    assert [x.reservation_id for x in svc.calendar(session, kit_id=box.id, **window)] == [r1.id, r2.id]


def test_overdue_loans_and_retention(session, people):
    coord = people["coord"]
    tab, old = fi.asset(session), fi.asset(session)
    late = svc.checkout(session, actor=coord, now=days.NOW - timedelta(days=10), borrower=_person(),
                        due_at=days.NOW - timedelta(days=2), asset_ids=[tab.id])
    assert svc.overdue_loans(session, days.NOW) == [late]
    closed = svc.checkout(session, actor=coord, now=days.NOW - timedelta(days=200), borrower=_person(),
                          due_at=days.NOW - timedelta(days=190), asset_ids=[old.id],
                          signature=svc.PNG_MAGIC + b"\x00" * 80)
    svc.checkin(session, closed, actor=coord, now=days.NOW - timedelta(days=91), condition_in=Condition.GOOD)
    assert svc.erase_borrowers(session, now=days.NOW) == 1
    assert (closed.borrower_name, closed.borrower_phone, closed.borrower_commune, closed.signature_png) == (
        svc.ANONYMOUS_BORROWER, "", "", None)
    assert closed.anonymised_at == days.NOW
    assert late.borrower_name == "Jeanne Usagère"  # open: kept
    assert svc.erase_borrowers(session, now=days.NOW) == 0
