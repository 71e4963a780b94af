"""API: reservations and loans of pooled equipment.

Coordinators (and admins) read and write everything; a mediator reads the reservations (its own in the lists),
reserves for itself and cancels its own reservations, reads the loans it is responsible for; loans are written by
the staff only. A reservation or a loan that would overlap another booking of the same asset is refused with a 409
naming the conflict: ``{"error": {"code": "conflict", "message": "TAB-0003 est déjà réservé par …", "field":
"assets", "conflict": {"asset_id", "asset_tag", "kind", "reservation_id", "loan_id", "user_id", "user_name",
"starts_at", "ends_at"}, "details": {"conflict": …}}}``."""

from datetime import datetime
from typing import Literal

from flask import g, jsonify
from pydantic import ConfigDict
from sqlalchemy import select
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.access import is_staff
from coopnum.core.api import Instant, Int, Line, Param, Text, commit_or_raise, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.errors import Conflict, DomainError, Forbidden, NotFound
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.inventory import access
from coopnum.inventory.models import (
    AssetCategory,
    BorrowerKind,
    Condition,
    Loan,
    LoanStatus,
    Reservation,
    ReservationStatus,
)
from coopnum.inventory.services import bookings as svc

TAG = "inventory"
USERS = (Role.COORDINATOR, Role.MEDIATOR)
STAFF = (Role.COORDINATOR,)


class BookedAsset(SQLModel):
    id: int
    tag: str
    model: str
    active: bool = Field(description="La réservation ou le prêt tient encore cet appareil")


class ReservationPublic(SQLModel):
    id: int
    user_id: int
    kit_id: int | None
    session_id: int | None
    mission_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="active, cancelled ou converted")
    notes: str
    loan_id: int | None
    cancelled_at: datetime | None
    assets: list[BookedAsset]


class ReservationCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    asset_id: Int | None = Field(default=None, description="Un appareil…")
    asset_ids: list[Int] | None = Field(default=None, max_length=svc.MAX_ASSETS, description="…ou plusieurs…")
    kit_id: Int | None = Field(default=None, description="…ou un kit (tous ses appareils)")
    start: Instant | None = Field(default=None, description="Par défaut, avec une séance : son début")
    end: Instant | None = Field(default=None, description="Par défaut, avec une séance : sa fin")
    session_id: Int | None = None
    mission_id: Int | None = None
    user_id: Int | None = Field(default=None, description="Pour qui (coordination seulement ; défaut : soi)")
    notes: Text = Field(default="", max_length=500)


class LoanPublic(SQLModel):
    id: int
    borrower_kind: str = Field(description="mediator, session, mission ou person")
    user_id: int | None = Field(description="Le médiateur emprunteur, ou le responsable du prêt")
    session_id: int | None
    mission_id: int | None
    kit_id: int | None
    borrower_name: str
    borrower_phone: str
    borrower_commune: str
    status: str = Field(description="open, returned ou lost")
    overdue: bool
    checked_out_at: datetime
    due_at: datetime
    returned_at: datetime | None
    condition_out: str
    condition_out_notes: str
    condition_in: str | None
    condition_in_notes: str
    signed: bool
    reminders_sent: int
    assets: list[BookedAsset]


class LoanCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    reservation_id: Int | None = Field(default=None, description="Transformer cette réservation en prêt (ses "
                                                                 "appareils, son médiateur, sa séance)")
    borrower_kind: Literal["mediator", "session", "mission", "person"] = "mediator"
    user_id: Int | None = None
    session_id: Int | None = None
    mission_id: Int | None = None
    borrower_name: Line = Field(default="", max_length=200)
    borrower_phone: Line = Field(default="", max_length=30)
    borrower_commune: Line = Field(default="", max_length=120)
    asset_id: Int | None = None
    asset_ids: list[Int] | None = Field(default=None, max_length=svc.MAX_ASSETS)
    kit_id: Int | None = None
    due_at: Instant | None = Field(default=None, description="Obligatoire, sauf pour une réservation (sa fin)")
    condition_out: Literal["new", "good", "worn", "damaged"] = "good"
    condition_out_notes: Text = Field(default="", max_length=500)
    notes: Text = Field(default="", max_length=500)
    signature: str | None = Field(default=None, max_length=500_000,
                                  description="PNG en URL de données (data:image/png;base64,…)")


class LoanReturn(SQLModel):
    model_config = ConfigDict(extra="forbid")

    condition_in: Literal["new", "good", "worn", "damaged"] = "good"
    notes: Text = Field(default="", max_length=500)
    damaged_asset_ids: list[Int] | None = Field(default=None, max_length=svc.MAX_ASSETS)


def _assets(bookings) -> list[dict]:
    """The booked assets, by tag (each booking comes with its asset: ``AssetBooking.asset`` is joined)."""
    return [{"id": b.asset_id, "tag": b.asset.tag, "model": b.asset.model, "active": bool(b.active)}
            for b in sorted(bookings, key=lambda b: b.asset.tag)]


def _reservation(r: Reservation) -> dict:
    data = {c: getattr(r, c) for c in ("id", "user_id", "kit_id", "session_id", "mission_id", "starts_at", "ends_at",
                                        "status", "notes", "loan_id", "cancelled_at")}
    return ReservationPublic(**data, assets=_assets(r.bookings)).model_dump(mode="json")


def _loan(loan: Loan, now: datetime) -> dict:
    data = {c: getattr(loan, c) for c in (
        "id", "borrower_kind", "user_id", "session_id", "mission_id", "kit_id", "borrower_name", "borrower_phone",
        "borrower_commune", "status", "checked_out_at", "due_at", "returned_at", "condition_out",
        "condition_out_notes", "condition_in", "condition_in_notes", "reminders_sent")}
    return LoanPublic(**data, overdue=svc.is_overdue(loan, now), signed=loan.signature_png is not None,
                      assets=_assets(loan.bookings)).model_dump(mode="json")


def _write(action):
    """Run and commit; a Conflict answers 409 with the conflicting booking under ``error.conflict`` too."""
    try:
        return commit_or_raise(action), None
    except Conflict as exc:
        conflict = exc.details.get("conflict")
        return None, json_error(409, exc.message, "conflict", field=exc.field, conflict=conflict,
                                details=exc.details)


def _get(model, object_id: int, message: str):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(message)
    return obj


# --- reservations ----------------------------------------------------------------------------------------------------

@endpoint("/reservations", summary="Les réservations de matériel (un médiateur : les siennes)", roles=USERS, tag=TAG,
          params=[Param("status", "active, cancelled ou converted", enum=tuple(s.value for s in ReservationStatus)),
                  Param("user_id", "Les réservations de ce médiateur", type="integer", minimum=1),
                  Param("session_id", "Les réservations pour cette séance", type="integer", minimum=1)],
          response=[ReservationPublic], paginated=True)
def list_reservations():
    from flask import request

    stmt = select(Reservation).order_by(Reservation.starts_at.desc(), Reservation.id.desc())
    status = request.args.get("status") or None
    if status is not None:
        if status not in {s.value for s in ReservationStatus}:
            raise DomainError("« status » : active, cancelled ou converted.", field="status")
        stmt = stmt.where(Reservation.status == status)
    if not is_staff(g.api_user):
        stmt = stmt.where(Reservation.user_id == g.api_user.id)
    elif request.args.get("user_id"):
        stmt = stmt.where(Reservation.user_id == int(request.args["user_id"]))
    if request.args.get("session_id"):
        stmt = stmt.where(Reservation.session_id == int(request.args["session_id"]))
    page = paginate(db.session, stmt, *page_args(50))
    return jsonify({"items": [_reservation(r) for r in page.items], "page": page.page, "per_page": page.per_page,
                    "total": page.total, "pages": page.pages})


@endpoint("/reservations", "POST", summary="Réserver du matériel (un appareil, plusieurs ou un kit) pour une période "
          "ou une séance ; 409 nommant la réservation ou le prêt en conflit", roles=USERS, tag=TAG,
          body=ReservationCreate, response=ReservationPublic, status=201, errors=(404,))
def create_reservation():
    body = parse_body(ReservationCreate)
    user = g.api_user
    user_id = body.user_id or user.id
    if not access.can_reserve_for(user, user_id):
        raise Forbidden("Un·e médiateur·rice ne réserve que pour soi.", field="user_id")
    asset_ids = list(body.asset_ids or []) + ([body.asset_id] if body.asset_id is not None else [])
    reservation, refused = _write(lambda: svc.reserve(
        db.session, actor=user, now=clock.now(), user_id=user_id, starts_at=body.start, ends_at=body.end,
        asset_ids=asset_ids, kit_id=body.kit_id, session_id=body.session_id, mission_id=body.mission_id,
        notes=body.notes))
    if refused is not None:
        return refused
    return jsonify(_reservation(reservation)), 201


@endpoint("/reservations/<id:reservation_id>", summary="Une réservation", roles=USERS, tag=TAG,
          response=ReservationPublic)
def get_reservation(reservation_id: int):
    r = _get(Reservation, reservation_id, "Réservation introuvable.")
    if not access.can_see_reservation(g.api_user, r):
        raise Forbidden("Cette réservation ne vous est pas accessible.")
    return jsonify(_reservation(r))


def _cancel(reservation_id: int):
    r = _get(Reservation, reservation_id, "Réservation introuvable.")
    if not access.can_change_reservation(g.api_user, r):
        raise Forbidden("Seuls la coordination et le médiateur de la réservation peuvent l'annuler.")
    result, refused = _write(lambda: svc.cancel_reservation(db.session, r, actor=g.api_user, now=clock.now()))
    return refused if refused is not None else jsonify(_reservation(result))


@endpoint("/reservations/<id:reservation_id>", "DELETE", summary="Annuler une réservation (le matériel redevient "
          "libre ; la réservation reste, annulée)", roles=USERS, tag=TAG, response=ReservationPublic)
def delete_reservation(reservation_id: int):
    return _cancel(reservation_id)


@endpoint("/reservations/<id:reservation_id>/cancel", "POST", summary="Annuler une réservation (comme DELETE)",
          roles=USERS, tag=TAG, response=ReservationPublic)
def cancel_reservation(reservation_id: int):
    return _cancel(reservation_id)


class FreeAsset(SQLModel):
    id: int
    tag: str
    category: str
    model: str
    status: str
    place_id: int | None
    kit_id: int | None


def _instant_param(name: str) -> datetime:
    from flask import request

    from coopnum.core.validation import date_in_range

    raw = (request.args.get(name) or "").strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or not date_in_range(value):
        raise DomainError(f"« {name} » : date et heure avec leur fuseau horaire attendues (par exemple "
                          "2026-12-10T09:00:00+01:00).", field=name)
    return value


@endpoint("/availability", summary="Le matériel libre sur toute une période (« quelles tablettes sont libres jeudi "
          "matin ? »)", roles=USERS, tag=TAG,
          params=[Param("start", "Début (ISO 8601 avec fuseau)", required=True, max_length=40),
                  Param("end", "Fin (ISO 8601 avec fuseau)", required=True, max_length=40),
                  Param("category", "laptop, tablet, smartphone, hotspot, projector ou accessory",
                        enum=tuple(c.value for c in AssetCategory)),
                  Param("place_id", "Les appareils de ce lieu", type="integer", minimum=1)],
          response=[FreeAsset])
def availability():
    from flask import request

    start, end = _instant_param("start"), _instant_param("end")
    category = request.args.get("category") or None
    if category is not None and category not in {c.value for c in AssetCategory}:
        raise DomainError("« category » : laptop, tablet, smartphone, hotspot, projector ou accessory.",
                          field="category")
    place_id = int(request.args["place_id"]) if request.args.get("place_id") else None
    free = svc.availability(db.session, category=category, starts_at=start, ends_at=end, place_id=place_id)
    return jsonify([FreeAsset.model_validate(a, from_attributes=True).model_dump(mode="json") for a in free])


# --- loans -----------------------------------------------------------------------------------------------------------

@endpoint("/loans", summary="Les prêts de matériel (un médiateur : ceux dont il est responsable)", roles=USERS,
          tag=TAG, params=[Param("status", "open, overdue, returned ou lost",
                                 enum=("open", "overdue", "returned", "lost"))],
          response=[LoanPublic], paginated=True)
def list_loans():
    from flask import request

    now = clock.now()
    stmt = select(Loan).order_by(Loan.checked_out_at.desc(), Loan.id.desc())
    status = request.args.get("status") or None
    if status == "overdue":
        stmt = stmt.where(Loan.status == LoanStatus.OPEN, Loan.due_at < now)
    elif status in {s.value for s in LoanStatus}:
        stmt = stmt.where(Loan.status == status)
    elif status is not None:
        raise DomainError("« status » : open, overdue, returned ou lost.", field="status")
    if not is_staff(g.api_user):
        stmt = stmt.where(Loan.user_id == g.api_user.id)
    page = paginate(db.session, stmt, *page_args(50))
    return jsonify({"items": [_loan(loan, now) for loan in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@endpoint("/loans", "POST", summary="Prêter du matériel (ou transformer une réservation en prêt) ; 409 nommant le "
          "conflit", roles=STAFF, tag=TAG, body=LoanCreate, response=LoanPublic, status=201, errors=(404,))
def create_loan():
    body = parse_body(LoanCreate)
    user = g.api_user
    now = clock.now()
    if body.reservation_id is not None:
        r = _get(Reservation, body.reservation_id, "Réservation introuvable.")
        loan, refused = _write(lambda: svc.checkout_reservation(
            db.session, r, actor=user, now=now, due_at=body.due_at, condition_out=body.condition_out,
            condition_out_notes=body.condition_out_notes, notes=body.notes, signature=body.signature))
    else:
        borrower = svc.Borrower(kind=BorrowerKind(body.borrower_kind), user_id=body.user_id,
                                session_id=body.session_id, mission_id=body.mission_id, name=body.borrower_name,
                                phone=body.borrower_phone, commune=body.borrower_commune)
        asset_ids = list(body.asset_ids or []) + ([body.asset_id] if body.asset_id is not None else [])
        loan, refused = _write(lambda: svc.checkout(
            db.session, actor=user, now=now, borrower=borrower, due_at=body.due_at, asset_ids=asset_ids,
            kit_id=body.kit_id, condition_out=Condition(body.condition_out),
            condition_out_notes=body.condition_out_notes, notes=body.notes, signature=body.signature))
    if refused is not None:
        return refused
    return jsonify(_loan(loan, now)), 201


@endpoint("/loans/<id:loan_id>", summary="Un prêt", roles=USERS, tag=TAG, response=LoanPublic)
def get_loan(loan_id: int):
    loan = _get(Loan, loan_id, "Prêt introuvable.")
    if not access.can_see_loan(g.api_user, loan):
        raise Forbidden("Ce prêt ne vous est pas accessible.")
    return jsonify(_loan(loan, clock.now()))


@endpoint("/loans/<id:loan_id>/return", "POST", summary="Enregistrer le retour d'un prêt (état ; « damaged » ouvre "
          "un dossier de maintenance)", roles=STAFF, tag=TAG, body=LoanReturn, response=LoanPublic)
def return_loan(loan_id: int):
    loan = _get(Loan, loan_id, "Prêt introuvable.")
    body = parse_body(LoanReturn)
    now = clock.now()
    result, refused = _write(lambda: svc.checkin(db.session, loan, actor=g.api_user, now=now,
                                                 condition_in=body.condition_in, notes=body.notes,
                                                 damaged_asset_ids=body.damaged_asset_ids))
    return refused if refused is not None else jsonify(_loan(result, now))
