"""The volume's equipment: assets up to ``ASSETS`` (the demo's models, prices and fundings, bought over the years,
homed at the places, a few retired), each lent again and again since its purchase: loans of a day to two weeks to
the working mediators (some to people without an account), returned; a third of them reserved first (the
reservation converted into the loan), and now and then a reservation cancelled. Every loan and reservation books
its asset (``AssetBooking``, inactive once returned, converted or cancelled), one after the other: an asset is
never booked twice at once. The demo's assets keep the demo's bookings around today."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from coopnum.inventory.demo_assets import CATALOGUE, FUNDINGS
from coopnum.inventory.models import (
    Asset,
    AssetBooking,
    AssetStatus,
    BorrowerKind,
    Condition,
    Loan,
    LoanStatus,
    Reservation,
    ReservationStatus,
)
from coopnum.volume.bulk import Bulk, Period, paris

ASSETS = 300
PEOPLE = [("Yvette Lemoine", "Loudun"), ("Gérard Piton", "Chauvigny"), ("Malika Saïdi", "Poitiers"),
          ("René Chartier", "Civray"), ("Odile Marais", "Montmorillon")]


def generate(bulk: Bulk, period: Period, ctx, working: list) -> None:
    session = bulk.session
    have = session.execute(select(func.count()).select_from(Asset)).scalar_one()
    if have >= ASSETS or not working:
        return
    assets = _assets(bulk, period, ctx, ASSETS - have)
    bulk.insert(Asset, assets)
    loans, reservations, bookings = [], [], []
    for asset in assets:
        if asset["status"] == AssetStatus.AVAILABLE:
            _lend(bulk, period, ctx, working, asset, loans, reservations, bookings)
    bulk.insert(Loan, loans)
    bulk.insert(Reservation, reservations)
    bulk.insert(AssetBooking, bookings)


def _assets(bulk: Bulk, period: Period, ctx, wanted: int) -> list[dict]:
    rng, rows = ctx.rng, []
    first = period.first_month - timedelta(days=365)
    span = max((period.today - timedelta(days=60) - first).days, 1)
    kinds = [(category, prefix, models) for category, prefix, _count, models in CATALOGUE]
    for n in range(wanted):
        category, prefix, models = kinds[n % len(kinds)] if n % 3 else kinds[0]  # a tablet in three
        model, price, serial_prefix = models[n % len(models)]
        bought = first + timedelta(days=rng.randrange(span))
        retired = bought + timedelta(days=rng.randrange(900, 2500)) if n % 20 == 7 else None
        retired = retired if retired and retired < period.today else None
        created = paris(bought + timedelta(days=3), time(10))
        rows.append({
            "id": bulk.next_id(Asset), "tag": f"{prefix}-{1000 + n:04d}", "category": category, "model": model,
            "serial": f"{serial_prefix}{rng.randrange(10**7):07d}" if serial_prefix else "", "purchase_date": bought,
            "purchase_price_cents": price - rng.choice((0, 0, 500, 1000)), "funding": rng.choice(FUNDINGS),
            "status": AssetStatus.RETIRED if retired else AssetStatus.AVAILABLE,
            "place_id": rng.choice(ctx.places).id if ctx.places else None, "kit_id": None,
            "notes": "Reconditionné, garantie 1 an." if model.startswith("Reconditionné") else "",
            "retired_on": retired, "created_by_id": ctx.coordinator.id, "created_at": created,
            "updated_at": paris(retired, time(10)) if retired else created})
    return rows


def _lend(bulk: Bulk, period: Period, ctx, working: list, asset: dict, loans: list, reservations: list,
          bookings: list) -> None:
    """The asset's loans since its purchase (or the period's start), until a month ago."""
    rng = ctx.rng
    day = max(asset["purchase_date"], period.first_month) + timedelta(days=rng.randrange(5, 40))
    stop = period.today - timedelta(days=30)
    while day < stop:
        mediator = rng.choice(working)
        out = paris(day, time(9))
        due = out + timedelta(days=rng.randint(1, 14))
        back = due + timedelta(hours=rng.choice((-24, 0, 0, 0, 3, 48))) if due - out > timedelta(days=1) else due
        if rng.random() < 0.08:
            reservations.append(_reservation(bulk, mediator, out - timedelta(days=20), due - timedelta(days=20),
                                             None, ReservationStatus.CANCELLED, asset, bookings))
        loan = _loan(bulk, rng, ctx, mediator, asset, out, due, back)
        loans.append(loan)
        bookings.append(_booking(asset, out, back, loan_id=loan["id"]))
        if rng.random() < 0.35:
            reservations.append(_reservation(bulk, mediator, out, due, loan["id"], ReservationStatus.CONVERTED,
                                             asset, bookings))
        day = back.astimezone(out.tzinfo).date() + timedelta(days=rng.randrange(10, 60))


def _loan(bulk: Bulk, rng, ctx, mediator, asset: dict, out: datetime, due: datetime, back: datetime) -> dict:
    person = rng.random() < 0.15 and asset["category"] in ("tablet", "smartphone", "laptop")
    name, commune = rng.choice(PEOPLE) if person else ("", "")
    condition = Condition.WORN if rng.random() < 0.1 else Condition.GOOD
    return {"id": bulk.next_id(Loan), "borrower_kind": BorrowerKind.PERSON if person else BorrowerKind.MEDIATOR,
            "user_id": mediator.id, "session_id": None, "mission_id": None, "borrower_name": name,
            "borrower_phone": f"06 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
                              f"{rng.randrange(10, 99)}" if person else "", "borrower_commune": commune,
            "kit_id": None, "status": LoanStatus.RETURNED, "checked_out_at": out, "due_at": due, "returned_at": back,
            "condition_out": Condition.GOOD, "condition_out_notes": "", "condition_in": condition,
            "condition_in_notes": "Traces d'usage" if condition == Condition.WORN else "", "signature_png": None,
            "signed_at": None, "notes": "", "reminders_sent": 1 if back > due + timedelta(hours=12) else 0,
            "last_reminded_at": due + timedelta(hours=12) if back > due + timedelta(hours=12) else None,
            "anonymised_at": None, "checked_out_by_id": ctx.coordinator.id, "checked_in_by_id": ctx.coordinator.id,
            "created_at": out, "updated_at": back}


def _reservation(bulk: Bulk, mediator, start: datetime, end: datetime, loan_id: int | None, status: str,
                 asset: dict, bookings: list) -> dict:
    made = start - timedelta(days=7)
    cancelled = start - timedelta(days=2) if status == ReservationStatus.CANCELLED else None
    row = {"id": bulk.next_id(Reservation), "user_id": mediator.id, "kit_id": None, "session_id": None,
           "mission_id": None, "starts_at": start, "ends_at": end, "status": status, "notes": "", "loan_id": loan_id,
           "cancelled_at": cancelled, "created_by_id": mediator.id, "created_at": made,
           "updated_at": cancelled or start}
    bookings.append(_booking(asset, start, end, reservation_id=row["id"]))
    return row


def _booking(asset: dict, start: datetime, end: datetime, *, loan_id: int | None = None,
             reservation_id: int | None = None) -> dict:
    return {"asset_id": asset["id"], "reservation_id": reservation_id, "loan_id": loan_id, "starts_at": start,
            "ends_at": end, "active": False, "open_loan": False}
