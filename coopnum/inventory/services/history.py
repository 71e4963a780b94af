"""The full history of an asset, newest first: its creation, reservations, loans (out and back, with the
conditions), maintenance cases, audit sightings and the changes recorded in the audit log (status, retirement,
found, edits). Read-only: a fixed number of queries (one per kind of event), whatever the length of the history.

A loan to a person without an account names that person only to whoever may see the loan
(``access.can_see_loan``): others read « une personne sans compte ». Likewise the audit log's entries of other
areas (whose summaries may name a borrower) are shown to the staff only; everyone sees the asset's own changes
(creation, edits, retirement, found, photo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased, lazyload
from sqlmodel import Session

from coopnum.core import clock
from coopnum.core.models import AuditLog, User
from coopnum.inventory import access
from coopnum.inventory.models import (
    Asset,
    AssetBooking,
    Audit,
    AuditSighting,
    BorrowerKind,
    Condition,
    Loan,
    MaintenanceCase,
    Reservation,
    ReservationStatus,
)

CONDITION_WORDS = {Condition.NEW: "neuf", Condition.GOOD: "bon état", Condition.WORN: "usé",
                   Condition.DAMAGED: "endommagé"}
RESERVATION_WORDS = {ReservationStatus.ACTIVE: "active", ReservationStatus.CANCELLED: "annulée",
                     ReservationStatus.CONVERTED: "transformée en prêt"}
# Audit log actions shown by their own rows (maintenance cases) or as the creation.
_SHOWN_ELSEWHERE = {"inventory.maintenance_open", "inventory.maintenance_close"}


@dataclass
class Event:
    at: datetime  # the instant, for the order (a day's events: its midnight in Paris)
    kind: str  # created, reservation, loan_out, loan_in, maintenance_open, maintenance_close, sighting, log
    title: str
    detail: str = ""
    by: str = ""
    day_only: bool = False  # show the date, not the time
    loan_id: int | None = None
    reservation_id: int | None = None


def _day(on: date) -> datetime:
    return clock.paris_midnight(on)


def _name(user: User | None) -> str:
    return user.full_name if user is not None else ""


def _borrower(loan: Loan, mediator: User | None, viewer) -> str:
    if loan.borrower_kind == BorrowerKind.PERSON:
        if loan.borrower_name and access.can_see_loan(viewer, loan):
            return loan.borrower_name + (f" ({loan.borrower_commune})" if loan.borrower_commune else "")
        return "une personne sans compte"
    if loan.borrower_kind == BorrowerKind.SESSION:
        return f"la séance n° {loan.session_id}" if loan.session_id else "une séance"
    if loan.borrower_kind == BorrowerKind.MISSION:
        return f"la mission n° {loan.mission_id}" if loan.mission_id else "une mission"
    return _name(mediator) or "un médiateur"


def asset_history(session: Session, asset: Asset, viewer=None) -> list[Event]:
    events: list[Event] = []
    events += _log_events(session, asset, viewer)
    events += _booking_events(session, asset, viewer)
    events += _maintenance_events(session, asset)
    events += _sighting_events(session, asset)
    order = {"created": 0}
    events.sort(key=lambda e: (e.at, -order.get(e.kind, 1)), reverse=True)
    return events


@dataclass
class Current:
    """What holds an asset now and next: its open loan (if any) and its coming reservations."""

    loan: Loan | None
    borrower: str
    reservations: list[tuple[Reservation, str]]  # (reservation, for whom)


def current_bookings(session: Session, asset: Asset, now: datetime, viewer=None, limit: int = 5) -> Current:
    mediator = aliased(User)
    row = session.execute(
        select(Loan, mediator).join(AssetBooking, AssetBooking.loan_id == Loan.id)
        .outerjoin(mediator, mediator.id == Loan.user_id)
        .where(AssetBooking.asset_id == asset.id, AssetBooking.open_loan)
        .options(lazyload(Loan.bookings))).unique().first()
    loan, borrower = (row[0], _borrower(row[0], row[1], viewer)) if row else (None, "")
    holder = aliased(User)
    reservations = [(r, _name(u)) for r, u in session.execute(
        select(Reservation, holder).join(AssetBooking, AssetBooking.reservation_id == Reservation.id)
        .outerjoin(holder, holder.id == Reservation.user_id)
        .where(AssetBooking.asset_id == asset.id, AssetBooking.active, AssetBooking.ends_at > now,
               Reservation.status == ReservationStatus.ACTIVE)
        .order_by(Reservation.starts_at).limit(limit).options(lazyload(Reservation.bookings))).unique().all()]
    return Current(loan=loan, borrower=borrower, reservations=reservations)


def _log_events(session: Session, asset: Asset, viewer) -> list[Event]:
    """Its entry in the inventory, then the audit log's lines about it (the staff's lines for the staff only)."""
    events: list[Event] = []
    logs = list(session.execute(
        select(AuditLog).where(AuditLog.object_type == "Asset", AuditLog.object_id == str(asset.id))
        .order_by(AuditLog.at)).scalars().unique())
    creation = next((e for e in logs if e.action == "inventory.asset_create"), None)
    events.append(Event(at=creation.at if creation else asset.created_at, kind="created",
                        title="Entrée dans l'inventaire", detail=creation.summary if creation else "",
                        by=creation.actor_label if creation else ""))
    staff = access.can_manage_assets(viewer)
    for entry in logs:
        if entry is creation or entry.action in _SHOWN_ELSEWHERE:
            continue
        if not staff and not entry.action.startswith("inventory.asset_"):
            continue  # another area's summary may name a borrower: the staff read it, in the audit log too
        events.append(Event(at=entry.at, kind="log", title=entry.summary or entry.action, by=entry.actor_label))
    return events


def _booking_events(session: Session, asset: Asset, viewer) -> list[Event]:
    """Reservations and loans, through the asset's bookings (one query, the people joined)."""
    events: list[Event] = []
    holder, lender, returner = aliased(User), aliased(User), aliased(User)
    rows = session.execute(
        select(AssetBooking, Reservation, Loan, holder, lender, returner)
        .outerjoin(Reservation, Reservation.id == AssetBooking.reservation_id)
        .outerjoin(Loan, Loan.id == AssetBooking.loan_id)
        .outerjoin(holder, holder.id == Reservation.user_id)
        .outerjoin(lender, lender.id == Loan.user_id)
        .outerjoin(returner, returner.id == Loan.checked_in_by_id)
        .where(AssetBooking.asset_id == asset.id)
        .options(lazyload(AssetBooking.asset), lazyload(Reservation.bookings), lazyload(Loan.bookings))).unique().all()
    for _booking, reservation, loan, reserver, mediator, checker in rows:
        if reservation is not None:
            start, end = clock.to_paris(reservation.starts_at), clock.to_paris(reservation.ends_at)
            what = f"du {start:%d/%m/%Y %H:%M} au {end:%d/%m/%Y %H:%M}"
            if reservation.session_id:
                what += f", pour la séance n° {reservation.session_id}"
            if reservation.kit_id:
                what += " (avec son kit)"
            events.append(Event(at=reservation.created_at, kind="reservation",
                                title=f"Réservation n° {reservation.id} pour {_name(reserver) or '—'}",
                                detail=f"{what} — {RESERVATION_WORDS.get(reservation.status, reservation.status)}",
                                reservation_id=reservation.id))
        if loan is not None:
            out = f"état au départ : {CONDITION_WORDS.get(loan.condition_out, loan.condition_out)}"
            if loan.condition_out_notes:
                out += f" ({loan.condition_out_notes})"
            out += f" ; retour prévu le {clock.to_paris(loan.due_at):%d/%m/%Y %H:%M}"
            events.append(Event(at=loan.checked_out_at, kind="loan_out",
                                title=f"Prêt n° {loan.id} à {_borrower(loan, mediator, viewer)}", detail=out,
                                loan_id=loan.id))
            if loan.returned_at is not None:
                back = f"état au retour : {CONDITION_WORDS.get(loan.condition_in, loan.condition_in or '—')}"
                if loan.condition_in_notes:
                    back += f" ({loan.condition_in_notes})"
                if loan.returned_at > loan.due_at:
                    back += " — rendu en retard"
                events.append(Event(at=loan.returned_at, kind="loan_in", title=f"Retour du prêt n° {loan.id}",
                                    detail=back, by=_name(checker), loan_id=loan.id))
            elif loan.status == "lost":
                events.append(Event(at=loan.updated_at, kind="loan_in", title=f"Prêt n° {loan.id} : déclaré perdu",
                                    loan_id=loan.id))
    return events


def _maintenance_events(session: Session, asset: Asset) -> list[Event]:
    events: list[Event] = []
    opener, closer = aliased(User), aliased(User)
    for case, who_opened, who_closed in session.execute(
            select(MaintenanceCase, opener, closer)
            .outerjoin(opener, opener.id == MaintenanceCase.opened_by_id)
            .outerjoin(closer, closer.id == MaintenanceCase.closed_by_id)
            .where(MaintenanceCase.asset_id == asset.id).options(lazyload(MaintenanceCase.asset))).unique().all():
        events.append(Event(at=_day(case.opened_on), kind="maintenance_open", day_only=True,
                            title="Maintenance ouverte", detail=case.issue
                            + (f" — fournisseur : {case.supplier}" if case.supplier and not case.closed_on else ""),
                            by=_name(who_opened)))
        if case.closed_on is not None:
            detail = case.repair or "clos"
            if case.cost_cents is not None:
                detail += f" — coût : {case.cost_cents // 100},{case.cost_cents % 100:02d} €"
            if case.supplier:
                detail += f" — fournisseur : {case.supplier}"
            events.append(Event(at=_day(case.closed_on), kind="maintenance_close", day_only=True,
                                title="Maintenance close", detail=detail, by=_name(who_closed)))
    return events


def _sighting_events(session: Session, asset: Asset) -> list[Event]:
    from coopnum.organisations.models import Place

    events: list[Event] = []
    seer = aliased(User)
    for sighting, place_name, who in session.execute(
            select(AuditSighting, Place.name, seer)
            .join(Audit, Audit.id == AuditSighting.audit_id)
            .outerjoin(Place, Place.id == Audit.place_id)
            .outerjoin(seer, seer.id == AuditSighting.seen_by_id)
            .where(AuditSighting.asset_id == asset.id)).unique().all():
        events.append(Event(at=sighting.seen_at, kind="sighting",
                            title=f"Vu lors de l'inventaire{' de ' + place_name if place_name else ''}",
                            detail="étiquette scannée" if sighting.scanned else "coché dans la liste",
                            by=_name(who)))
    return events
