"""Double booking, named: the active bookings of assets overlapping a period, the French sentence naming the one in
the way (« TAB-0003 est déjà réservé par Claire Martin du jeu. 10/12 09:00 au jeu. 10/12 12:00 ») and the
``Conflict`` carrying it, and the guarded flush that turns PostgreSQL's exclusion constraint (or the open-loan unique
index) into that same Conflict when a concurrent request won. Used by the reservations and loans
(``services.bookings``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from coopnum.core import clock, formats
from coopnum.core.errors import Conflict
from coopnum.core.models import User
from coopnum.inventory.models import Asset, AssetBooking, BorrowerKind, Loan, Reservation

WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
EXCLUSION_SQLSTATE = "23P01"
UNIQUE_SQLSTATE = "23505"


# --- formatting ------------------------------------------------------------------------------------------------------

def when(moment: datetime) -> str:
    """« jeu. 10/12 09:00 » (Paris time), as the conflict messages name a period."""
    local = clock.to_paris(moment)
    return f"{WEEKDAYS[local.weekday()]} {local:%d/%m %H:%M}"


def period_text(start: datetime, end: datetime) -> str:
    return f"du {when(start)} au {when(end)}"


def user_name(session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.full_name if user is not None else "un·e médiateur·rice"


# --- conflicts -------------------------------------------------------------------------------------------------------

def overlapping(session, asset_ids: Iterable[int], start: datetime, end: datetime, *,
                 ignore_reservation: int | None = None, ignore_loan: int | None = None) -> list[AssetBooking]:
    """The active bookings of these assets overlapping [start, end) (half-open), earliest first."""
    ids = list(asset_ids)
    if not ids:
        return []
    stmt = (select(AssetBooking).where(AssetBooking.asset_id.in_(ids), AssetBooking.active,
                                       AssetBooking.starts_at < end, AssetBooking.ends_at > start)
            .order_by(AssetBooking.starts_at, AssetBooking.id))
    if ignore_reservation is not None:
        stmt = stmt.where(or_(AssetBooking.reservation_id.is_(None), AssetBooking.reservation_id != ignore_reservation))
    if ignore_loan is not None:
        stmt = stmt.where(or_(AssetBooking.loan_id.is_(None), AssetBooking.loan_id != ignore_loan))
    return list(session.execute(stmt).unique().scalars())


def open_loan_bookings(session, asset_ids: Iterable[int], *, ignore_loan: int | None = None) -> list[AssetBooking]:
    ids = list(asset_ids)
    if not ids:
        return []
    stmt = select(AssetBooking).where(AssetBooking.asset_id.in_(ids), AssetBooking.open_loan)
    if ignore_loan is not None:
        stmt = stmt.where(AssetBooking.loan_id != ignore_loan)
    return list(session.execute(stmt.order_by(AssetBooking.id)).unique().scalars())


def busy_during(session, asset_ids: Iterable[int], start: datetime, end: datetime) -> dict[int, str]:
    """For the reservation form: the assets among ``asset_ids`` already booked over [start, end), each with the
    sentence naming its (first) booking."""
    busy: dict[int, str] = {}
    for booking in overlapping(session, asset_ids, start, end):
        if booking.asset_id not in busy:
            busy[booking.asset_id] = describe(session, booking)[0]
    return busy


def describe(session, booking: AssetBooking) -> tuple[str, dict]:
    """The French sentence naming a booking that is in the way, and its details for the API."""
    asset = booking.asset or session.get(Asset, booking.asset_id)
    tag = asset.tag if asset is not None else f"n° {booking.asset_id}"
    details = {"asset_id": booking.asset_id, "asset_tag": tag, "starts_at": booking.starts_at.isoformat(),
               "ends_at": booking.ends_at.isoformat(), "reservation_id": booking.reservation_id,
               "loan_id": booking.loan_id}
    if booking.loan_id is not None:
        loan = booking.loan or session.get(Loan, booking.loan_id)
        who = user_name(session, loan.user_id)
        details.update(kind="loan", user_id=loan.user_id, user_name=who)
        if loan.borrower_kind == BorrowerKind.PERSON:
            who = f"une personne accompagnée (responsable : {who})"
        return (f"{tag} est déjà prêté à {who} {period_text(booking.starts_at, booking.ends_at)} "
                f"(prêt n° {loan.id})."), details
    reservation = booking.reservation or session.get(Reservation, booking.reservation_id)
    who = user_name(session, reservation.user_id)
    details.update(kind="reservation", user_id=reservation.user_id, user_name=who)
    return f"{tag} est déjà réservé par {who} {period_text(booking.starts_at, booking.ends_at)}.", details


def conflict(session, booking: AssetBooking, *, extra: int = 0) -> Conflict:
    message, details = describe(session, booking)
    if extra:
        message += f" ({formats.count(extra, 'autre conflit', 'autres conflits')} sur cette période.)"
    return Conflict(message, field="assets", details={"conflict": details})


def refuse_overlaps(session, asset_ids, start, end, **ignore) -> None:
    found = overlapping(session, asset_ids, start, end, **ignore)
    if found:
        raise conflict(session, found[0], extra=len(found) - 1)


def refuse_open_loans(session, asset_ids, *, ignore_loan: int | None = None) -> None:
    found = open_loan_bookings(session, asset_ids, ignore_loan=ignore_loan)
    if found:
        booking = found[0]
        loan = booking.loan or session.get(Loan, booking.loan_id)
        tag = booking.asset.tag if booking.asset else f"n° {booking.asset_id}"
        message = (f"{tag} est encore prêté à {user_name(session, loan.user_id)} (prêt n° {loan.id}, retour prévu "
                   f"le {when(loan.due_at)}) : enregistrez d'abord son retour.")
        _message, details = describe(session, booking)
        raise Conflict(message, field="assets", details={"conflict": details})


def guarded_flush(session, apply, asset_ids, start, end, **ignore) -> None:
    """Write the new or moved bookings (``apply()``) and flush them in a SAVEPOINT. On PostgreSQL a concurrent
    request that passed the same check and committed first makes the exclusion constraint (or the open-loan unique
    index) refuse ours: roll the SAVEPOINT back and raise the Conflict naming the winner, as the check would have.
    (``begin_nested`` flushes what is pending first: the changes are made inside the SAVEPOINT.)"""
    session.flush()
    try:
        with session.begin_nested():
            apply()
            session.flush()
    except IntegrityError as exc:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        text = str(exc.orig)
        if sqlstate not in (EXCLUSION_SQLSTATE, UNIQUE_SQLSTATE) and "UNIQUE constraint failed" not in text:
            raise
        found = overlapping(session, asset_ids, start, end, **ignore)
        if found:
            raise conflict(session, found[0], extra=len(found) - 1) from exc
        refuse_open_loans(session, asset_ids, ignore_loan=ignore.get("ignore_loan"))
        raise Conflict("Ce matériel vient d'être réservé ou prêté par une autre personne, en même temps que vous : "
                       "rechargez la page.", field="assets") from exc
