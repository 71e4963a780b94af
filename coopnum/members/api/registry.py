"""API: colleges, members, capital operations.

Coordinator (and admin) tokens read and write everything; a member token may read only its own member record
(``GET /members/{id}``, and ``GET /members`` lists only itself); other tokens get 403."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from flask import g, jsonify, request
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.access import is_staff
from coopnum.core.api import Amount, Day, Int, Line, Param, Text, commit_or_raise, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.members import access
from coopnum.members.models import CapitalOperation, CapitalOperationKind, College, Member, MemberStatus
from coopnum.members.services import capital, registry

TAG = "members"
STAFF = (Role.COORDINATOR,)
READERS = (Role.COORDINATOR, Role.MEMBER)


# --- colleges -------------------------------------------------------------------------------------------------------

class CollegePublic(SQLModel):
    id: int
    name: str
    weight_percent: Decimal
    description: str
    position: int
    active: bool


class CollegeCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=100)
    weight_percent: Amount(max_digits=5, decimal_places=2, gt=0, le=100)
    description: Text = Field(default="", max_length=500)


class CollegesPublic(SQLModel):
    items: list[CollegePublic]
    valid: bool = Field(description="Le jeu de collèges actifs est-il valide (au moins 3, 10–50 %, 100 % au total) ?")
    problems: list[str]


def _college(c: College) -> dict:
    return CollegePublic.model_validate(c, from_attributes=True).model_dump(mode="json")


@endpoint("/colleges", summary="Les collèges de vote et la validité de leur ensemble", roles=STAFF, tag=TAG,
          response=CollegesPublic)
def list_colleges():
    problems = registry.college_problems(db.session)
    return jsonify({"items": [_college(c) for c in registry.colleges(db.session)], "valid": not problems,
                    "problems": problems})


@endpoint("/colleges", "POST", summary="Créer un collège de vote (l'ensemble est vérifié à la convocation d'une "
          "assemblée ou à l'ouverture d'un vote)", roles=STAFF, tag=TAG, body=CollegeCreate, response=CollegePublic,
          status=201)
def create_college():
    body = parse_body(CollegeCreate)
    college = commit_or_raise(lambda: registry.create_college(db.session, g.api_user, name=body.name,
                                                     weight_percent=body.weight_percent,
                                                     description=body.description, now=clock.now()))
    return jsonify(_college(college)), 201


# --- members --------------------------------------------------------------------------------------------------------

class MemberPublic(SQLModel):
    id: int
    number: int | None = Field(description="Numéro au registre (donné à l'admission, jamais réutilisé)")
    name: str
    kind: str = Field(description="person ou organisation")
    status: str = Field(description="candidate, admitted, resigned, excluded ou deceased")
    email: str | None
    phone: str | None
    public_body: bool
    college_id: int | None
    user_id: int | None
    applied_on: date | None
    admitted_on: date | None
    left_on: date | None
    shares: int
    subscribed_cents: int
    paid_cents: int
    unpaid_cents: int


class MemberCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    kind: Literal["person", "organisation"] = "person"
    email: Line | None = Field(default=None, max_length=254)
    phone: Line | None = Field(default=None, max_length=30)
    address: Line = Field(default="", max_length=300)
    postal_code: Line = Field(default="", max_length=10)
    city: Line = Field(default="", max_length=120)
    public_body: bool = False
    college_id: Int
    shares: Int = Field(ge=1, le=1_000_000, description="Parts souscrites à l'admission (au moins une)")
    paid_cents: Int | None = Field(default=None, ge=0, description="Versé à la souscription (défaut : le minimum, "
                                                                   "le quart)")
    admitted_on: Day
    reference: Line = Field(default="", max_length=200, description="Décision d'admission (CA du…)")


def _member(m: Member, held: capital.Balance | None = None) -> dict:
    held = held or capital.balance(db.session, m.id)
    return MemberPublic(
        id=m.id, number=m.number, name=m.name, kind=m.kind, status=m.status, email=m.email, phone=m.phone,
        public_body=m.public_body, college_id=m.college_id, user_id=m.user_id, applied_on=m.applied_on,
        admitted_on=m.admitted_on, left_on=m.left_on, shares=held.shares, subscribed_cents=held.subscribed_cents,
        paid_cents=held.paid_cents, unpaid_cents=held.unpaid_cents).model_dump(mode="json")


@endpoint("/members", summary="Le registre des sociétaires (un jeton « sociétaire » : lui-même)", roles=READERS,
          tag=TAG, response=[MemberPublic], paginated=True, params=[
              Param("q", "Nom, courriel, ville ou numéro"),
              Param("college_id", "Collège", type="integer", minimum=1),
              Param("status", "candidate, admitted, resigned, excluded ou deceased", enum=tuple(MemberStatus)),
          ])
def list_members():
    status = request.args.get("status") or None
    if status is not None and status not in set(MemberStatus):
        return json_error(422, "État inconnu : candidate, admitted, resigned, excluded ou deceased.", "invalid",
                          field="status")
    stmt = registry.search_stmt(request.args.get("q", ""), college_id=request.args.get("college_id", type=int),
                                status=status)
    if not is_staff(g.api_user):
        stmt = stmt.where(Member.user_id == g.api_user.id)
    page = paginate(db.session, stmt, *page_args())
    held = capital.balances(db.session, [m.id for m in page.items])
    return jsonify({"items": [_member(m, held[m.id]) for m in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@endpoint("/members/<id:member_id>", summary="Un sociétaire (un jeton « sociétaire » : lui-même seulement)",
          roles=READERS, tag=TAG, response=MemberPublic)
def get_member(member_id: int):
    member = db.session.get(Member, member_id)
    if member is None:
        return json_error(404, "Sociétaire introuvable.", "not_found")
    if not access.can_see_member(g.api_user, member):
        return json_error(403, "Ce jeton ne donne pas accès à ce sociétaire.", "forbidden")
    return jsonify(_member(member))


@endpoint("/members", "POST", summary="Admettre un sociétaire (sa souscription initiale est inscrite au registre "
          "des mouvements)", roles=STAFF, tag=TAG, body=MemberCreate, response=MemberPublic, status=201)
def create_member():
    body = parse_body(MemberCreate)
    details = registry.ContactDetails(
        name=body.name, kind=body.kind, email=body.email or "", phone=body.phone or "", address=body.address,
        postal_code=body.postal_code, city=body.city, public_body=body.public_body)
    member = commit_or_raise(lambda: registry.create_member(
        db.session, g.api_user, details, college_id=body.college_id, shares=body.shares,
        admitted_on=body.admitted_on, paid_cents=body.paid_cents, reference=body.reference, now=clock.now()))
    return jsonify(_member(member)), 201


# --- capital operations ---------------------------------------------------------------------------------------------

class OperationPublic(SQLModel):
    id: int
    number: int = Field(description="Numéro de ligne du registre des mouvements (sans trou)")
    member_id: int
    kind: str = Field(description="subscription, payment, transfer, reimbursement ou cancellation")
    on: date
    shares: int = Field(description="Signé : négatif pour une sortie de parts")
    amount_cents: int = Field(description="Souscription : valeur des parts ; versement : montant ; "
                                          "remboursement : montant rendu (négatif)")
    nominal_cents: int
    counterpart_member_id: int | None
    related_id: int | None
    due_on: date | None
    reference: str
    created_at: datetime


class OperationCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    kind: CapitalOperationKind
    member_id: Int
    on: Day
    shares: Int | None = Field(default=None, ge=1, le=1_000_000,
                               description="subscription, transfer, reimbursement, cancellation")
    amount_cents: Int | None = Field(default=None, ge=0, description="payment : le montant versé ; "
                                     "reimbursement : le montant rendu (défaut : la valeur nominale)")
    paid_cents: Int | None = Field(default=None, ge=0, description="subscription : versé à la souscription")
    counterpart_member_id: Int | None = Field(default=None, description="transfer : le cessionnaire")
    reference: Line = Field(default="", max_length=200)
    notes: Text = Field(default="", max_length=500)


def _operation(line: CapitalOperation) -> dict:
    return OperationPublic.model_validate(line, from_attributes=True).model_dump(mode="json")


def _need(value, field: str, what: str):
    if value is None:
        raise DomainError(f"« {field} » : champ obligatoire pour {what}.", field=field)
    return value


def _load_member(member_id: int, field: str) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise DomainError("Sociétaire introuvable.", field=field)
    return member


@endpoint("/capital/operations", summary="Le registre des mouvements de capital, du plus récent au plus ancien",
          roles=STAFF, tag=TAG, response=[OperationPublic], paginated=True, params=[
              Param("member_id", "Sociétaire", type="integer", minimum=1),
              Param("kind", "subscription, payment, transfer, reimbursement ou cancellation",
                    enum=tuple(CapitalOperationKind)),
          ])
def list_operations():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in set(CapitalOperationKind):
        return json_error(422, "Opération inconnue : subscription, payment, transfer, reimbursement ou "
                               "cancellation.", "invalid", field="kind")
    stmt = capital.operations_stmt(request.args.get("member_id", type=int), kind)
    page = paginate(db.session, stmt, *page_args())
    return jsonify({"items": [_operation(o) for o in page.items], "page": page.page, "per_page": page.per_page,
                    "total": page.total, "pages": page.pages})


@endpoint("/capital/operations", "POST", summary="Inscrire un mouvement de capital (une cession inscrit deux lignes : "
          "la réponse est celle du cédant)", roles=STAFF, tag=TAG, body=OperationCreate, response=OperationPublic,
          status=201)
def create_operation():
    body = parse_body(OperationCreate)
    actor, now = g.api_user, clock.now()

    def run():
        member = _load_member(body.member_id, "member_id")
        kind = body.kind
        if kind == CapitalOperationKind.SUBSCRIPTION:
            return capital.subscribe(db.session, actor, member, _need(body.shares, "shares", "une souscription"),
                                     on=body.on, paid_cents=_need(body.paid_cents, "paid_cents", "une souscription"),
                                     reference=body.reference, notes=body.notes, now=now)
        if kind == CapitalOperationKind.PAYMENT:
            return capital.pay(db.session, actor, member, _need(body.amount_cents, "amount_cents", "un versement"),
                               on=body.on, reference=body.reference, notes=body.notes, now=now)
        if kind == CapitalOperationKind.TRANSFER:
            receiver = _load_member(_need(body.counterpart_member_id, "counterpart_member_id", "une cession"),
                                    "counterpart_member_id")
            return capital.transfer(db.session, actor, member, receiver, _need(body.shares, "shares", "une cession"),
                                    on=body.on, reference=body.reference, notes=body.notes, now=now)[0]
        if kind == CapitalOperationKind.REIMBURSEMENT:
            return capital.reimburse(db.session, actor, member, _need(body.shares, "shares", "un remboursement"),
                                     on=body.on, amount_cents=body.amount_cents, reference=body.reference,
                                     notes=body.notes, now=now)
        return capital.cancel(db.session, actor, member, _need(body.shares, "shares", "une annulation"), on=body.on,
                              reference=body.reference, notes=body.notes, now=now)

    line = commit_or_raise(run)
    return jsonify(_operation(line)), 201
