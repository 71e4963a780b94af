"""Inventory objects for tests, written as rows (the services are tested on their own): assets, a kit, a
reservation of the mediator and one of another mediator, an open loan to the mediator, a closed loan to a person
without an account, a maintenance case, an open audit. ``inventory_world`` feeds the access test."""

from datetime import timedelta
from itertools import count

from coopnum.inventory.models import (
    Asset,
    AssetBooking,
    AssetCategory,
    AssetStatus,
    Audit,
    BorrowerKind,
    Kit,
    Loan,
    LoanStatus,
    MaintenanceCase,
    Reservation,
)
from tests import days

_seq = count(1)


def asset(session, *, category=AssetCategory.TABLET, tag=None, status=AssetStatus.AVAILABLE, place_id=None,
          kit=None, model="Samsung Galaxy Tab A9", **kwargs) -> Asset:
    row = Asset(tag=tag or f"T-{next(_seq):04d}", category=category, model=model, status=status, place_id=place_id,
                kit_id=kit.id if kit else None, **kwargs)
    session.add(row)
    session.flush()
    return row


def kit(session, *, code=None, name="Kit atelier", assets=(), place_id=None) -> Kit:
    row = Kit(code=code or f"KIT-{next(_seq):03d}", name=name, place_id=place_id)
    session.add(row)
    session.flush()
    for a in assets:
        a.kit_id = row.id
    session.flush()
    return row


def reservation(session, *, user, assets, starts_at, ends_at, session_id=None, kit_id=None) -> Reservation:
    row = Reservation(user_id=user.id, starts_at=starts_at, ends_at=ends_at, session_id=session_id, kit_id=kit_id,
                      created_by_id=user.id)
    session.add(row)
    session.flush()
    for a in assets:
        session.add(AssetBooking(asset_id=a.id, reservation_id=row.id, starts_at=starts_at, ends_at=ends_at))
    session.flush()
    return row


def loan(session, *, assets, checked_out_at, due_at, user=None, kind=BorrowerKind.MEDIATOR, returned_at=None,
         **kwargs) -> Loan:
    row = Loan(borrower_kind=kind, user_id=user.id if user else None, checked_out_at=checked_out_at, due_at=due_at,
               returned_at=returned_at, status=LoanStatus.RETURNED if returned_at else LoanStatus.OPEN, **kwargs)
    session.add(row)
    session.flush()
    for a in assets:
        session.add(AssetBooking(asset_id=a.id, loan_id=row.id, starts_at=checked_out_at,
                                 ends_at=returned_at or due_at, active=returned_at is None,
                                 open_loan=returned_at is None))
        if returned_at is None:
            a.status = AssetStatus.DEPLOYED
    session.flush()
    return row


def inventory_world(session, users, world: dict) -> dict:
    """One object of each kind, tied to the access test's users and world (its ``own_place``); each area may add
    its own objects in its function below."""
    ids = _base_world(session, users, world)
    ids.update(_assets_world(session, users, world, ids))
    ids.update(_bookings_world(session, users, world, ids))
    ids.update(_care_world(session, users, world, ids))
    return ids


def _assets_world(session, users, world, ids) -> dict:
    """A lost asset (to mark found), an asset with a photo, a second kit."""
    from coopnum.inventory.models import AssetPhoto

    place_id = world["own_place"]
    lost = asset(session, category=AssetCategory.SMARTPHONE, model="Samsung Galaxy A15", place_id=place_id,
                 status=AssetStatus.LOST, tag="TEL-LOST-1")
    pictured = asset(session, category=AssetCategory.HOTSPOT, model="Huawei E5576", place_id=place_id)
    session.add(AssetPhoto(asset_id=pictured.id, content_type="image/png", data=tiny_png()))
    spare = kit(session, code="KIT-SPARE", name="Kit de réserve", place_id=place_id)
    session.flush()
    return {"lost_asset": lost.id, "photo_asset": pictured.id, "spare_kit": spare.id}


def tiny_png(size=(4, 4), color=(200, 30, 30)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def _bookings_world(session, users, world, ids) -> dict:
    """A returned loan of another mediator with the borrower's signature (the signature is shown to the staff and
    the responsible mediator only)."""
    from coopnum.core.models import User
    from coopnum.inventory.services.bookings import PNG_MAGIC

    other = session.get(User, world["other_mediator"])
    phone = asset(session, category=AssetCategory.SMARTPHONE, model="Fairphone 4", place_id=world["own_place"])
    signed = loan(session, assets=[phone], kind=BorrowerKind.PERSON, user=other,
                  checked_out_at=days.NOW - timedelta(days=6), due_at=days.NOW - timedelta(days=3),
                  returned_at=days.NOW - timedelta(days=3), borrower_name="Marc Usager", borrower_phone="07 00 00 00 00",
                  borrower_commune="Chinon", signature_png=PNG_MAGIC + bytes(80),
                  signed_at=days.NOW - timedelta(days=6))
    return {"signed_loan": signed.id}


def _care_world(session, users, world, ids) -> dict:
    """A closed maintenance case (with a cost) and a closed audit of the own place with one missing asset."""
    place_id = world["own_place"]
    fixed = asset(session, category=AssetCategory.SMARTPHONE, model="Fairphone 4", place_id=place_id)
    closed_case = MaintenanceCase(asset_id=fixed.id, opened_on=days.TODAY - timedelta(days=30), issue="Écran fissuré",
                                  repair="Écran remplacé", cost_cents=8900, supplier="Répar'Tout",
                                  closed_on=days.TODAY - timedelta(days=20), opened_by_id=users["coordinator"].id)
    gone = asset(session, category=AssetCategory.HOTSPOT, model="Huawei E5576", place_id=place_id)
    gone.created_at = days.NOW - timedelta(days=30)
    closed_audit = Audit(place_id=place_id, started_at=days.NOW - timedelta(days=10, hours=1),
                         closed_at=days.NOW - timedelta(days=10), missing_count=1,
                         started_by_id=users["coordinator"].id)
    session.add_all([closed_case, closed_audit])
    session.flush()
    return {"closed_maintenance": closed_case.id, "closed_audit": closed_audit.id, "missing_asset": gone.id}


def _base_world(session, users, world: dict) -> dict:
    from coopnum.core.models import User

    place_id = world["own_place"]
    mediator = users["mediator"]
    other = session.get(User, world["other_mediator"])
    tablets = [asset(session, place_id=place_id) for _ in range(3)]
    box = kit(session, assets=tablets[1:], place_id=place_id)
    lent = asset(session, category=AssetCategory.LAPTOP, model="Lenovo ThinkPad E14", place_id=place_id)
    broken = asset(session, category=AssetCategory.PROJECTOR, model="Epson EB-W06", place_id=place_id,
                   status=AssetStatus.MAINTENANCE)
    start = days.at(days.days(3), 9)
    own = reservation(session, user=mediator, assets=[tablets[0]], starts_at=start, ends_at=start + timedelta(hours=3),
                      session_id=world["assigned_session"])
    others = reservation(session, user=other, assets=[tablets[0]], starts_at=start + timedelta(days=1),
                         ends_at=start + timedelta(days=1, hours=3))
    open_loan = loan(session, assets=[lent], user=mediator, checked_out_at=days.NOW - timedelta(days=2),
                     due_at=days.NOW + timedelta(days=5))
    person_loan = loan(session, assets=[tablets[2]], kind=BorrowerKind.PERSON, user=other,
                       checked_out_at=days.NOW - timedelta(days=20), due_at=days.NOW - timedelta(days=10),
                       returned_at=days.NOW - timedelta(days=9), borrower_name="Jeanne Usagère",
                       borrower_phone="06 12 34 56 78", borrower_commune="Loudun")
    case = MaintenanceCase(asset_id=broken.id, opened_on=days.TODAY - timedelta(days=4), issue="Lampe faible",
                           opened_by_id=users["coordinator"].id)
    audit = Audit(place_id=place_id, started_at=days.NOW - timedelta(hours=1), started_by_id=users["coordinator"].id)
    session.add_all([case, audit])
    session.flush()
    return {"asset": tablets[0].id, "asset_tag": tablets[0].tag, "lent_asset": lent.id, "kit": box.id,
            "own_reservation": own.id, "other_reservation": others.id, "open_loan": open_loan.id,
            "person_loan": person_loan.id, "maintenance": case.id, "audit": audit.id}
