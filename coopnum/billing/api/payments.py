"""JSON API of the billing domain: payments of issued invoices.

Staff list every payment and record new ones (full or partial, refunds); an authority token lists the payments of
its own organisation's invoices (without the internal notes); mediators and members have no access (403)."""

from datetime import date, datetime

from flask import g, jsonify, request
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from coopnum.billing import queries
from coopnum.billing.models import Invoice, Payment, PaymentMethod
from coopnum.billing.services import payments as services
from coopnum.core import clock
from coopnum.core.access import is_staff
from coopnum.core.api import Day, Int, Line, Param, Text, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate

TAG = "billing"
READERS = (Role.COORDINATOR, Role.AUTHORITY)
STAFF = (Role.COORDINATOR,)


class PaymentPublic(SQLModel):
    id: int
    invoice_id: int
    invoice_number: str | None
    organisation_id: int
    received_on: date
    amount_cents: int = Field(description="En centimes ; négatif pour un remboursement")
    method: str = Field(description="transfer, cheque, aptic, cash ou refund")
    reference: str
    notes: str = Field(description="Notes internes (vides pour un jeton « collectivité »)")
    aptic_batch_id: int | None
    created_at: datetime


class PaymentCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    invoice_id: Int
    amount_cents: Int = Field(description="En centimes ; négatif avec method=refund")
    received_on: Day
    method: PaymentMethod = PaymentMethod.TRANSFER
    reference: Line = Field(default="", max_length=100)
    notes: Text = Field(default="", max_length=500)


def _dump(payment: Payment, *, staff: bool) -> dict:
    invoice = payment.invoice or db.session.get(Invoice, payment.invoice_id)
    return PaymentPublic(
        id=payment.id, invoice_id=payment.invoice_id, invoice_number=invoice.number,
        organisation_id=invoice.organisation_id, received_on=payment.received_on, amount_cents=payment.amount_cents,
        method=payment.method, reference=payment.reference or "", notes=(payment.notes or "") if staff else "",
        aptic_batch_id=payment.aptic_batch_id, created_at=payment.created_at,
    ).model_dump(mode="json")


def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError("Date invalide : utilisez le format AAAA-MM-JJ.", field=name) from None


@endpoint("/payments", summary="Liste des règlements (un jeton « collectivité » : ceux des factures de sa structure)",
          roles=READERS, tag=TAG, response=[PaymentPublic], paginated=True, params=[
              Param("invoice_id", "Facture", type="integer"),
              Param("organisation_id", "Structure", type="integer"),
              Param("method", "transfer, cheque, aptic, cash ou refund", enum=tuple(PaymentMethod)),
              Param("date_from", "Reçus depuis le (AAAA-MM-JJ)", format="date"),
              Param("date_to", "Reçus jusqu'au (AAAA-MM-JJ)", format="date"),
          ])
def list_payments():
    method = request.args.get("method") or None
    if method is not None and method not in set(PaymentMethod):
        return json_error(422, "Mode de règlement inconnu : transfer, cheque, aptic, cash ou refund.", "invalid",
                          field="method")
    filters = queries.PaymentFilters(date_from=_day("date_from"), date_to=_day("date_to"), method=method,
                                      organisation_id=request.args.get("organisation_id", type=int))
    user = g.api_user
    staff = is_staff(user)
    if not staff:
        if not user.organisation_id or (filters.organisation_id is not None
                                        and filters.organisation_id != user.organisation_id):
            return jsonify({"items": [], "page": 1, "per_page": page_args()[1], "total": 0, "pages": 1})
        filters.organisation_id = user.organisation_id
    stmt = queries.payments_stmt(filters)
    invoice_id = request.args.get("invoice_id", type=int)
    if invoice_id:
        stmt = stmt.where(Payment.invoice_id == invoice_id)
    page = paginate(db.session, stmt, *page_args())
    return jsonify({"items": [_dump(p, staff=staff) for p in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@endpoint("/payments", "POST", summary="Enregistrer un règlement (ou un remboursement) d'une facture émise",
          roles=STAFF, tag=TAG, body=PaymentCreate, response=PaymentPublic, status=201)
def create_payment():
    body = parse_body(PaymentCreate)
    invoice = db.session.get(Invoice, body.invoice_id)
    if invoice is None:
        return json_error(422, "Facture introuvable.", "invalid", field="invoice_id")
    try:
        payment = services.record(db.session, g.api_user, invoice, amount_cents=body.amount_cents,
                                  received_on=body.received_on, method=body.method.value, reference=body.reference,
                                  notes=body.notes, now=clock.now())
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(_dump(payment, staff=True)), 201
