"""Reservations and loans of pooled equipment, without double booking.

Both hold their assets through ``AssetBooking`` rows (one per asset, for [starts_at, ends_at), half-open: a booking
ending at 12:00 and another starting at 12:00 do not overlap). Two *active* bookings of one asset never overlap:

- every operation first looks for an active booking of the same assets overlapping the period and refuses with a
  ``Conflict`` (409) whose message names it (« TAB-0003 est déjà réservé par Claire Martin du jeu. 10/12 09:00 au
  jeu. 10/12 12:00 ») and whose ``details["conflict"]`` gives its reservation or loan (the API shows it);
- on SQLite the writing request runs in ``BEGIN IMMEDIATE``: the check and the insert are serialised;
- on PostgreSQL two requests may both pass the check: the exclusion constraint ``ex_asset_bookings_no_overlap``
  refuses the second one at its flush (SQLSTATE 23P01; the open-loan unique index: 23505). The flush runs in a
  SAVEPOINT, so the loser looks the winner up again and gets the same named ``Conflict``.

Rules chosen here (documented for the pages and the API):
- a reservation lasts at most ``MAX_RESERVATION_DAYS`` (90 days) and may not start more than ``PAST_TOLERANCE``
  (15 minutes) in the past; reserving for a session that has already started holds the assets from now to its end;
- a loan is due at most ``MAX_LOAN_DAYS`` (365 days) after its checkout;
- a kit books its assets (those neither lost nor retired); an asset may be reserved when available, out or in
  maintenance (``RESERVABLE``: the reservation is for later) and lent only when available (``LENDABLE``);
- an open loan holds its assets until checkin, even past its due date (``uq_asset_bookings_open_loan``).

Services take plain values and ``now``, raise ``DomainError``/``Conflict``/``NotFound`` in French, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from coopnum.core import audit, formats, signature
from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.core.models import User
from coopnum.inventory.models import (
    LENDABLE,
    RESERVABLE,
    Asset,
    AssetBooking,
    AssetStatus,
    BorrowerKind,
    Condition,
    Kit,
    Loan,
    LoanStatus,
    Reservation,
    ReservationStatus,
)
from coopnum.inventory.services.conflicts import (
    guarded_flush,
    period_text,
    refuse_open_loans,
    refuse_overlaps,
    user_name,
    when,
)
from coopnum.inventory.services.status import refresh_status

MAX_RESERVATION_DAYS = 90
MAX_LOAN_DAYS = 365
PAST_TOLERANCE = timedelta(minutes=15)
MAX_ASSETS = 200  # assets in one reservation or loan
SIGNATURE_MAX_BYTES = signature.SIGNATURE_MAX_BYTES
PNG_MAGIC = signature.PNG_MAGIC


# --- checks shared by reservations and loans ---------------------------------------------------------------------

def _period(start: datetime | None, end: datetime | None, *, now: datetime, max_days: int,
            kept_start: datetime | None = None) -> None:
    """``kept_start``: the start of a reservation being changed, which may be past (an ongoing reservation)."""
    if start is None or end is None:
        raise DomainError("Indiquez le début et la fin.", field="starts_at" if start is None else "ends_at")
    if start.tzinfo is None or end.tzinfo is None:
        raise DomainError("Date et heure sans fuseau horaire.", field="starts_at")
    if end <= start:
        raise DomainError("La fin doit être après le début.", field="ends_at")
    if start < now - PAST_TOLERANCE and start != kept_start:
        raise DomainError("Le début est déjà passé : choisissez une période à venir.", field="starts_at")
    if end - start > timedelta(days=max_days):
        raise DomainError(f"Une réservation dure au plus {max_days} jours.", field="ends_at")


def _assets_for(session, asset_ids: Iterable[int], kit_id: int | None, *, allowed, verb: str) -> tuple[
        list[Asset], Kit | None]:
    """The assets named (ids) plus those of the kit, checked: they exist and their status allows ``verb``."""
    ids = sorted({int(i) for i in asset_ids or ()})
    if len(ids) > MAX_ASSETS:
        raise DomainError(f"Au plus {MAX_ASSETS} appareils à la fois.", field="assets")
    kit = None
    assets: dict[int, Asset] = {}
    if kit_id is not None:
        kit = session.get(Kit, kit_id)
        if kit is None or not kit.active:
            raise NotFound("Ce kit n'existe pas ou n'est plus en service.", field="kit_id")
        for a in kit.assets:
            if a.status not in (AssetStatus.LOST, AssetStatus.RETIRED):
                assets[a.id] = a
        if not assets:
            raise DomainError(f"Le kit {kit.code} ne contient aucun appareil en service.", field="kit_id")
    if ids:
        rows = session.execute(select(Asset).where(Asset.id.in_(ids))).scalars().all()
        missing = set(ids) - {a.id for a in rows}
        if missing:
            raise NotFound(f"Appareil introuvable (n° {min(missing)}).", field="assets")
        for a in rows:
            assets[a.id] = a
    if not assets:
        raise DomainError("Choisissez au moins un appareil ou un kit.", field="assets")
    ordered = sorted(assets.values(), key=lambda a: a.tag)
    for a in ordered:
        if a.status not in allowed:
            raise DomainError(f"{a.tag} ne peut pas être {verb} : {STATUS_WORDS.get(a.status, a.status)}.",
                              field="assets")
    return ordered, kit


STATUS_WORDS = {AssetStatus.AVAILABLE: "disponible", AssetStatus.DEPLOYED: "déjà prêté",
                AssetStatus.MAINTENANCE: "en maintenance", AssetStatus.LOST: "déclaré perdu",
                AssetStatus.RETIRED: "réformé"}


def _user(session, user_id: int | None, *, field: str = "user_id") -> User:
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        raise NotFound("Ce compte n'existe pas ou est désactivé.", field=field)
    return user


def _clean(text: str | None, limit: int) -> str:
    return (text or "").strip()[:limit]


# --- reservations ----------------------------------------------------------------------------------------------------

def reserve(session, *, actor, now: datetime, user_id: int, starts_at: datetime | None = None,
            ends_at: datetime | None = None, asset_ids: Iterable[int] = (), kit_id: int | None = None,
            session_id: int | None = None, mission_id: int | None = None, notes: str = "") -> Reservation:
    """Hold assets (or a kit) for a mediator over [starts_at, ends_at). With a session: the period defaults to the
    session's (from now if it has started) and the mission is the session's."""
    from coopnum.missions.models import Mission, MissionSession

    user = _user(session, user_id)
    if session_id is not None:
        ms = session.get(MissionSession, session_id)
        if ms is None:
            raise NotFound("Cette séance n'existe pas.", field="session_id")
        if ms.is_cancelled:
            raise DomainError("Cette séance est annulée.", field="session_id")
        if ms.end <= now:
            raise DomainError("Cette séance est déjà terminée.", field="session_id")
        if starts_at is None and ends_at is None:
            starts_at, ends_at = max(ms.start, now.replace(second=0, microsecond=0)), ms.end
        mission_id = ms.mission_id
    if mission_id is not None and session.get(Mission, mission_id) is None:
        raise NotFound("Cette mission n'existe pas.", field="mission_id")
    _period(starts_at, ends_at, now=now, max_days=MAX_RESERVATION_DAYS)
    assets, kit = _assets_for(session, asset_ids, kit_id, allowed=RESERVABLE, verb="réservé")
    ids = [a.id for a in assets]
    refuse_overlaps(session, ids, starts_at, ends_at)
    reservation = Reservation(user_id=user.id, kit_id=kit.id if kit else None, session_id=session_id,
                              mission_id=mission_id, starts_at=starts_at, ends_at=ends_at,
                              notes=_clean(notes, 500), created_by_id=getattr(actor, "id", None))
    session.add(reservation)
    session.flush()

    def book():
        for a in assets:
            session.add(AssetBooking(asset_id=a.id, reservation=reservation, starts_at=starts_at, ends_at=ends_at))

    guarded_flush(session, book, ids, starts_at, ends_at, ignore_reservation=reservation.id)
    audit.record(session, actor, "inventory.reserve", reservation,
                 summary=f"Réservation de {', '.join(a.tag for a in assets)} pour {user.full_name} "
                         f"{period_text(starts_at, ends_at)}", now=now)
    return reservation


def _require_active(reservation: Reservation) -> None:
    if reservation.status != ReservationStatus.ACTIVE:
        word = {ReservationStatus.CANCELLED: "annulée", ReservationStatus.CONVERTED: "déjà transformée en prêt"}
        raise Conflict(f"Cette réservation est {word.get(reservation.status, reservation.status)}.")


def cancel_reservation(session, reservation: Reservation, *, actor, now: datetime) -> Reservation:
    _require_active(reservation)
    reservation.status = ReservationStatus.CANCELLED
    reservation.cancelled_at = now
    for b in reservation.bookings:
        b.active = False
    session.flush()
    audit.record(session, actor, "inventory.reservation_cancel", reservation,
                 summary=f"Réservation n° {reservation.id} annulée", now=now)
    return reservation


def change_reservation(session, reservation: Reservation, *, actor, now: datetime, starts_at: datetime,
                       ends_at: datetime, asset_ids: Iterable[int] | None = None, notes: str | None = None,
                       ) -> Reservation:
    """Move a reservation and/or change its assets; the new period is checked again (its own bookings aside)."""
    _require_active(reservation)
    _period(starts_at, ends_at, now=now, max_days=MAX_RESERVATION_DAYS, kept_start=reservation.starts_at)
    current = {b.asset_id for b in reservation.bookings if b.active}
    if asset_ids is None:
        asset_ids = current
    elif set(asset_ids) != current:
        reservation.kit_id = None  # no longer the kit as a whole
    assets, _kit = _assets_for(session, asset_ids, None, allowed=RESERVABLE, verb="réservé")
    ids = [a.id for a in assets]
    refuse_overlaps(session, ids, starts_at, ends_at, ignore_reservation=reservation.id)
    before = {"starts_at": reservation.starts_at.isoformat(), "ends_at": reservation.ends_at.isoformat(),
              "assets": sorted(b.asset_id for b in reservation.bookings if b.active)}
    by_asset = {b.asset_id: b for b in reservation.bookings if b.active}

    def move():
        for asset_id, b in by_asset.items():
            if asset_id not in ids:
                b.active = False
        for asset_id in ids:
            b = by_asset.get(asset_id)
            if b is None:
                b = AssetBooking(asset_id=asset_id, reservation=reservation, starts_at=starts_at, ends_at=ends_at)
                session.add(b)
            b.starts_at, b.ends_at = starts_at, ends_at
        reservation.starts_at, reservation.ends_at = starts_at, ends_at
        if notes is not None:
            reservation.notes = _clean(notes, 500)

    guarded_flush(session, move, ids, starts_at, ends_at, ignore_reservation=reservation.id)
    session.refresh(reservation, ["bookings"])
    audit.record(session, actor, "inventory.reservation_change", reservation,
                 summary=f"Réservation n° {reservation.id} modifiée : {period_text(starts_at, ends_at)}",
                 before=before, after={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
                                       "assets": ids}, now=now)
    return reservation


# --- loans -----------------------------------------------------------------------------------------------------------

@dataclass
class Borrower:
    kind: str = BorrowerKind.MEDIATOR
    user_id: int | None = None  # the mediator borrower, or the one responsible (session, mission, person)
    session_id: int | None = None
    mission_id: int | None = None
    name: str = ""
    phone: str = ""
    commune: str = ""


def read_signature(data: str | bytes | None) -> bytes | None:
    """The PNG of an on-screen signature (``coopnum.core.signature.read_signature``)."""
    return signature.read_signature(data)


def _borrower(session, borrower: Borrower, *, actor) -> Borrower:
    from coopnum.missions.models import Mission, MissionSession

    kind = borrower.kind
    if kind not in {k.value for k in BorrowerKind}:
        raise DomainError("Type d'emprunteur inconnu.", field="borrower_kind")
    result = Borrower(kind=kind)
    if kind == BorrowerKind.MEDIATOR:
        result.user_id = _user(session, borrower.user_id).id
    elif kind == BorrowerKind.SESSION:
        ms = session.get(MissionSession, borrower.session_id) if borrower.session_id else None
        if ms is None:
            raise NotFound("Choisissez la séance.", field="session_id")
        result.session_id, result.mission_id = ms.id, ms.mission_id
        assigned = [a.user_id for a in ms.assignments]
        result.user_id = _user(session, borrower.user_id or (assigned[0] if assigned else actor.id)).id
    elif kind == BorrowerKind.MISSION:
        mission = session.get(Mission, borrower.mission_id) if borrower.mission_id else None
        if mission is None:
            raise NotFound("Choisissez la mission.", field="mission_id")
        result.mission_id = mission.id
        result.user_id = _user(session, borrower.user_id or actor.id).id
    else:
        name, phone, commune = (_clean(borrower.name, 200), _clean(borrower.phone, 30),
                                _clean(borrower.commune, 120))
        if not name:
            raise DomainError("Indiquez le nom de la personne.", field="borrower_name")
        if not phone:
            raise DomainError("Indiquez le téléphone de la personne.", field="borrower_phone")
        if not commune:
            raise DomainError("Indiquez la commune de la personne.", field="borrower_commune")
        result.name, result.phone, result.commune = name, phone, commune
        result.user_id = _user(session, borrower.user_id or getattr(actor, "id", None)).id
    return result


def _due(due_at: datetime | None, *, start: datetime) -> None:
    if due_at is None:
        raise DomainError("Indiquez la date de retour prévue.", field="due_at")
    if due_at.tzinfo is None:
        raise DomainError("Date et heure sans fuseau horaire.", field="due_at")
    if due_at <= start:
        raise DomainError("Le retour prévu doit être après le départ.", field="due_at")
    if due_at - start > timedelta(days=MAX_LOAN_DAYS):
        raise DomainError(f"Un prêt dure au plus {MAX_LOAN_DAYS} jours.", field="due_at")


def _condition(value: str | None, field: str) -> str:
    if value not in {c.value for c in Condition}:
        raise DomainError("Choisissez l'état du matériel.", field=field)
    return value


def checkout(session, *, actor, now: datetime, borrower: Borrower, due_at: datetime | None,
             asset_ids: Iterable[int] = (), kit_id: int | None = None, condition_out: str = Condition.GOOD,
             condition_out_notes: str = "", notes: str = "", signature: str | bytes | None = None,
             reservation: Reservation | None = None) -> Loan:
    """Lend assets (or a kit) from now to ``due_at``. The assets must be available and free of any other booking
    over the period (``reservation``: the one being turned into this loan, whose bookings were released)."""
    who = _borrower(session, borrower, actor=actor)
    _due(due_at, start=now)
    condition_out = _condition(condition_out, "condition_out")
    png = read_signature(signature)
    assets, kit = _assets_for(session, asset_ids, kit_id, allowed=LENDABLE + (AssetStatus.DEPLOYED,),
                              verb="prêté")
    ids = [a.id for a in assets]
    refuse_open_loans(session, ids)
    for a in assets:
        if a.status not in LENDABLE:
            raise DomainError(f"{a.tag} ne peut pas être prêté : {STATUS_WORDS.get(a.status, a.status)}.",
                              field="assets")
    ignore = {"ignore_reservation": reservation.id} if reservation is not None else {}
    refuse_overlaps(session, ids, now, due_at, **ignore)
    loan = Loan(borrower_kind=who.kind, user_id=who.user_id, session_id=who.session_id, mission_id=who.mission_id,
                borrower_name=who.name, borrower_phone=who.phone, borrower_commune=who.commune,
                kit_id=kit.id if kit else None, status=LoanStatus.OPEN, checked_out_at=now, due_at=due_at,
                condition_out=condition_out, condition_out_notes=_clean(condition_out_notes, 500),
                notes=_clean(notes, 500), signature_png=png, signed_at=now if png else None,
                checked_out_by_id=getattr(actor, "id", None))
    session.add(loan)
    session.flush()

    def lend():
        for a in assets:
            session.add(AssetBooking(asset_id=a.id, loan=loan, starts_at=now, ends_at=due_at, active=True,
                                     open_loan=True))

    guarded_flush(session, lend, ids, now, due_at, ignore_loan=loan.id, **ignore)
    for a in assets:
        refresh_status(session, a)
    audit.record(session, actor, "inventory.checkout", loan,
                 summary=f"Prêt de {', '.join(a.tag for a in assets)} ({BORROWER_WORDS[who.kind]}, responsable "
                         f"{user_name(session, who.user_id)}) jusqu'au {when(due_at)}", now=now)
    return loan


BORROWER_WORDS = {BorrowerKind.MEDIATOR: "médiateur·rice", BorrowerKind.SESSION: "séance",
                  BorrowerKind.MISSION: "mission", BorrowerKind.PERSON: "personne sans compte"}


def checkout_reservation(session, reservation: Reservation, *, actor, now: datetime, due_at: datetime | None = None,
                         condition_out: str = Condition.GOOD, condition_out_notes: str = "", notes: str = "",
                         signature: str | bytes | None = None) -> Loan:
    """"Transformer en prêt" in one click: the reservation's assets are lent to its mediator (for its session, if
    any) from now until the reservation's end (or ``due_at``); the reservation becomes ``converted``."""
    _require_active(reservation)
    due_at = due_at or reservation.ends_at
    if due_at <= now:
        raise DomainError("La réservation est terminée : indiquez une nouvelle date de retour.", field="due_at")
    asset_ids = [b.asset_id for b in reservation.bookings if b.active]
    for b in reservation.bookings:
        b.active = False
    session.flush()
    borrower = Borrower(kind=BorrowerKind.SESSION if reservation.session_id else BorrowerKind.MEDIATOR,
                        user_id=reservation.user_id, session_id=reservation.session_id)
    loan = checkout(session, actor=actor, now=now, borrower=borrower, due_at=due_at, asset_ids=asset_ids,
                    condition_out=condition_out, condition_out_notes=condition_out_notes,
                    notes=notes or reservation.notes, signature=signature, reservation=reservation)
    loan.kit_id = reservation.kit_id
    if reservation.mission_id and not loan.mission_id:
        loan.mission_id = reservation.mission_id
    reservation.status = ReservationStatus.CONVERTED
    reservation.loan_id = loan.id
    session.flush()
    audit.record(session, actor, "inventory.reservation_convert", reservation,
                 summary=f"Réservation n° {reservation.id} transformée en prêt n° {loan.id}", now=now)
    return loan


def _require_open(loan: Loan) -> None:
    if loan.status != LoanStatus.OPEN:
        raise Conflict("Ce prêt est déjà clos." if loan.status == LoanStatus.RETURNED
                       else "Ce prêt est clos : son matériel a été déclaré perdu.")


def checkin(session, loan: Loan, *, actor, now: datetime, condition_in: str, notes: str = "",
            damaged_asset_ids: Iterable[int] | None = None) -> Loan:
    """Record the return: the bookings end now, the assets are free again. Returned damaged: a maintenance case is
    opened for each damaged asset (all of them unless ``damaged_asset_ids`` names some)."""
    from coopnum.inventory.services import maintenance

    _require_open(loan)
    condition_in = _condition(condition_in, "condition_in")
    notes = _clean(notes, 500)
    open_bookings = [b for b in loan.bookings if b.open_loan]
    damaged = set(damaged_asset_ids or ())
    if condition_in == Condition.DAMAGED and not damaged:
        damaged = {b.asset_id for b in open_bookings}
    unknown = damaged - {b.asset_id for b in open_bookings}
    if unknown:
        raise DomainError("Un appareil signalé endommagé ne fait pas partie de ce prêt.", field="damaged")
    for b in open_bookings:
        b.active, b.open_loan, b.ends_at = False, False, max(now, b.starts_at)
    loan.status, loan.returned_at, loan.checked_in_by_id = LoanStatus.RETURNED, now, getattr(actor, "id", None)
    loan.condition_in, loan.condition_in_notes = condition_in, notes
    session.flush()
    for b in open_bookings:
        asset = session.get(Asset, b.asset_id)
        if asset.id in damaged:
            maintenance.open_case(session, asset, actor=actor, now=now, loan_id=loan.id,
                                  issue=f"Rendu endommagé (prêt n° {loan.id})" + (f" : {notes}" if notes else ""))
        refresh_status(session, asset)
    audit.record(session, actor, "inventory.checkin", loan,
                 summary=f"Retour du prêt n° {loan.id} ({CONDITION_WORDS[condition_in]})", now=now)
    return loan


CONDITION_WORDS = {Condition.NEW: "neuf", Condition.GOOD: "bon état", Condition.WORN: "usé",
                   Condition.DAMAGED: "endommagé"}


def extend(session, loan: Loan, *, actor, now: datetime, due_at: datetime | None) -> Loan:
    """Move the due date (later or earlier); the assets must be free over the new period."""
    _require_open(loan)
    _due(due_at, start=loan.checked_out_at)
    if due_at <= now:
        raise DomainError("La nouvelle date de retour doit être à venir.", field="due_at")
    open_bookings = [b for b in loan.bookings if b.open_loan]
    ids = [b.asset_id for b in open_bookings]
    refuse_overlaps(session, ids, loan.checked_out_at, due_at, ignore_loan=loan.id)
    before = loan.due_at

    def move():
        for b in open_bookings:
            b.ends_at = due_at
        loan.due_at = due_at
        loan.reminders_sent, loan.last_reminded_at = 0, None

    guarded_flush(session, move, ids, loan.checked_out_at, due_at, ignore_loan=loan.id)
    audit.record(session, actor, "inventory.loan_extend", loan,
                 summary=f"Prêt n° {loan.id} : retour prévu le {when(due_at)} (au lieu du {when(before)})",
                 before={"due_at": before.isoformat()}, after={"due_at": due_at.isoformat()}, now=now)
    return loan


def declare_lost(session, loan: Loan, *, actor, now: datetime, asset_ids: Iterable[int] | None = None) -> Loan:
    """Some (default: all) assets of an open loan are lost: they become ``lost`` and their bookings end; when no
    asset of the loan is still out, the loan is closed as ``lost`` (``returned_at``: the closing time)."""
    _require_open(loan)
    open_bookings = {b.asset_id: b for b in loan.bookings if b.open_loan}
    ids = set(asset_ids) if asset_ids else set(open_bookings)
    if not ids:
        raise DomainError("Choisissez le matériel perdu.", field="assets")
    if ids - set(open_bookings):
        raise DomainError("Cet appareil ne fait pas partie de ce prêt (ou il est déjà rendu).", field="assets")
    tags = []
    for asset_id in sorted(ids):
        b = open_bookings[asset_id]
        b.active, b.open_loan, b.ends_at = False, False, max(now, b.starts_at)
        asset = session.get(Asset, asset_id)
        asset.status = AssetStatus.LOST
        tags.append(asset.tag)
        audit.record(session, actor, "inventory.asset_lost", asset, summary=f"{asset.tag} perdu (prêt n° {loan.id})",
                     now=now)
    if not any(b.open_loan for b in loan.bookings):
        loan.status, loan.returned_at, loan.checked_in_by_id = LoanStatus.LOST, now, getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor, "inventory.loan_lost", loan,
                 summary=f"Prêt n° {loan.id} : {', '.join(tags)} "
                         f"{'déclarés perdus' if formats.is_plural(len(tags)) else 'déclaré perdu'}", now=now)
    return loan


# --- reading ---------------------------------------------------------------------------------------------------------

def availability(session, *, category: str | None = None, starts_at: datetime, ends_at: datetime,
                 place_id: int | None = None) -> list[Asset]:
    """The assets that may be reserved for the whole of [starts_at, ends_at): reservable status, no active booking
    overlapping the period (tag order)."""
    if ends_at <= starts_at:
        raise DomainError("La fin doit être après le début.", field="ends_at")
    busy = exists().where(AssetBooking.asset_id == Asset.id, AssetBooking.active,
                          AssetBooking.starts_at < ends_at, AssetBooking.ends_at > starts_at)
    stmt = select(Asset).where(Asset.status.in_(RESERVABLE), ~busy).order_by(Asset.category, Asset.tag)
    if category:
        stmt = stmt.where(Asset.category == category)
    if place_id:
        stmt = stmt.where(Asset.place_id == place_id)
    return list(session.execute(stmt).scalars())


def calendar(session, *, asset_id: int | None = None, kit_id: int | None = None, starts_at: datetime,
             ends_at: datetime) -> list[AssetBooking]:
    """The active bookings of an asset (or of a kit's assets) overlapping [starts_at, ends_at), with the bookings
    of open loans still out past their due date, earliest first."""
    if kit_id is not None:
        ids = select(Asset.id).where(Asset.kit_id == kit_id).scalar_subquery()
        cond = AssetBooking.asset_id.in_(ids)
    else:
        cond = AssetBooking.asset_id == asset_id
    stmt = (select(AssetBooking).where(cond, AssetBooking.active, or_(
        and_(AssetBooking.starts_at < ends_at, AssetBooking.ends_at > starts_at),
        and_(AssetBooking.open_loan, AssetBooking.starts_at < ends_at)))
        .options(selectinload(AssetBooking.reservation), selectinload(AssetBooking.loan))
        .order_by(AssetBooking.starts_at, AssetBooking.id))
    return list(session.execute(stmt).unique().scalars())


def overdue_loans(session, now: datetime, *, user_id: int | None = None) -> list[Loan]:
    """Open loans past their due date, most late first (``user_id``: those a mediator is responsible for)."""
    stmt = select(Loan).where(Loan.status == LoanStatus.OPEN, Loan.due_at < now).order_by(Loan.due_at, Loan.id)
    if user_id is not None:
        stmt = stmt.where(Loan.user_id == user_id)
    return list(session.execute(stmt).scalars())


def is_overdue(loan: Loan, now: datetime) -> bool:
    return loan.status == LoanStatus.OPEN and loan.due_at < now


def reservations_of_session(session, session_id: int) -> list[Reservation]:
    return list(session.execute(select(Reservation).where(
        Reservation.session_id == session_id, Reservation.status != ReservationStatus.CANCELLED)
        .order_by(Reservation.starts_at, Reservation.id)).scalars())


def loans_of_session(session, session_id: int) -> list[Loan]:
    return list(session.execute(select(Loan).where(Loan.session_id == session_id)
                                .order_by(Loan.checked_out_at, Loan.id)).scalars())


def assets_of(session, bookings: Iterable[AssetBooking]) -> list[Asset]:
    ids = sorted({b.asset_id for b in bookings})
    if not ids:
        return []
    return list(session.execute(select(Asset).where(Asset.id.in_(ids)).order_by(Asset.tag)).scalars())


def retention_days(session) -> int:
    from coopnum.core import settings

    return int(settings.get(session, "inventory.borrower_retention_days"))


ANONYMOUS_BORROWER = "Personne (données effacées)"


def erase_borrowers(session, *, now: datetime, actor=None) -> int:
    """GDPR: the name, phone, commune and signature of a person without an account are kept while the loan is open
    and ``inventory.borrower_retention_days`` after it closed; then they are erased (``anonymised_at``)."""
    limit = now - timedelta(days=retention_days(session))
    loans = session.execute(select(Loan).where(
        Loan.borrower_kind == BorrowerKind.PERSON, Loan.status != LoanStatus.OPEN, Loan.anonymised_at.is_(None),
        Loan.returned_at.is_not(None), Loan.returned_at < limit)).scalars().all()
    for loan in loans:
        loan.borrower_name, loan.borrower_phone, loan.borrower_commune = ANONYMOUS_BORROWER, "", ""
        loan.signature_png, loan.anonymised_at = None, now
        audit.record(session, actor, "inventory.borrower_erased", loan,
                     summary=f"Prêt n° {loan.id} : données de l'emprunteur effacées (durée de conservation)", now=now)
    session.flush()
    return len(loans)
