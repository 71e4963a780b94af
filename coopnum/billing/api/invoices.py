"""JSON API of the billing domain: invoices and credit notes.

Staff (coordination) read every invoice, draft one from the work of a convention over a period, issue it, download
its stored documents and make credit notes. An authority token reads its own organisation's *issued* invoices and
credit notes only (another organisation's, or a draft, is 404); mediators and members have no access (403)."""

from datetime import date, datetime
from decimal import Decimal

from flask import g, jsonify, make_response, request
from pydantic import ConfigDict
from sqlalchemy.orm import lazyload
from sqlmodel import Field, SQLModel

from coopnum.billing import queries
from coopnum.billing.models import (
    DocumentKind,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from coopnum.billing.services import billable, credit_notes, issuing
from coopnum.core import clock
from coopnum.core.access import is_staff
from coopnum.core.api import Amount, Day, Int, Line, Param, commit_or_raise, endpoint, parse_body
from coopnum.core.clock import paris_today
from coopnum.core.db import db
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import MAX_YEAR, MIN_YEAR
from coopnum.organisations.models import Convention

TAG = "billing"
READERS = (Role.COORDINATOR, Role.AUTHORITY)
STAFF = (Role.COORDINATOR,)
STATES = ("open", "overdue", "paid")


# --- schemas --------------------------------------------------------------------------------------------------------

class InvoiceLinePublic(SQLModel):
    id: int
    position: int
    kind: str = Field(description="hours, sessions, workshops, flat, free ou credit (ligne d'avoir)")
    description: str
    detail: str
    quantity: Decimal
    unit: str
    unit_price_cents: int = Field(description="HT, en centimes")
    discount_percent: Decimal
    vat_rate_bp: int = Field(description="Taux de TVA en centièmes de pour cent (2000 = 20 %)")
    total_excl_cents: int
    period_start: date | None
    period_end: date | None
    service_id: int | None
    credited_line_id: int | None = Field(description="Avoir : la ligne de facture créditée")
    session_ids: list[int] = Field(description="Les séances facturées par la ligne (même libérées depuis par un avoir)")
    months: list[date] = Field(description="Forfait : les mois facturés (premier jour du mois)")


class InvoiceDocumentPublic(SQLModel):
    kind: str = Field(description="facturx ou pdf")
    filename: str
    sha256: str
    size: int
    url: str


class InvoicePublic(SQLModel):
    id: int
    kind: str = Field(description="invoice ou credit_note")
    status: str = Field(description="draft ou issued")
    number: str | None
    organisation_id: int
    convention_id: int | None
    credit_of_id: int | None = Field(description="Avoir : la facture qu'il corrige")
    title: str
    period_start: date | None
    period_end: date | None
    issue_date: date | None
    due_date: date | None
    payment_terms_days: int
    vat_regime: str
    buyer_name: str
    buyer_siret: str | None
    chorus_buyer_siret: str | None
    chorus_service_code: str | None
    chorus_engagement_number: str | None
    notes: str
    total_excl_cents: int
    total_vat_cents: int
    total_incl_cents: int
    vat_breakdown: list[dict]
    paid_cents: int
    credited_cents: int
    balance_cents: int = Field(description="Reste dû TTC (factures émises)")
    state: str = Field(description="draft, unpaid, partial, paid, overdue ou credited")
    issued_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: list[InvoiceLinePublic]
    documents: list[InvoiceDocumentPublic]


class InvoiceCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    convention_id: Int
    period_start: Day
    period_end: Day


class CreditLineIn(SQLModel):
    model_config = ConfigDict(extra="forbid")

    line_id: Int
    quantity: Amount(max_digits=12, decimal_places=3, gt=0)


class CreditNoteCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    reason: Line = Field(min_length=1, max_length=200)
    lines: list[CreditLineIn] | None = Field(default=None, max_length=500,
                                             description="Vide : tout ce qui reste à créditer.")


# --- helpers --------------------------------------------------------------------------------------------------------

def _billed(invoices: list[Invoice]) -> dict[int, list]:
    return queries.billed_items(db.session, [line.id for inv in invoices for line in inv.lines])


def _documents(invoices: list[Invoice]) -> dict[int, list[tuple]]:
    return queries.document_rows(db.session, [inv.id for inv in invoices])


def _dump_all(invoices: list[Invoice]) -> list[dict]:
    """JSON of several invoices, with their lines, billed sessions and documents (three queries in all)."""
    billed, docs, today = _billed(invoices), _documents(invoices), paris_today(clock.now())
    result = []
    for inv in invoices:
        lines = []
        for line in inv.lines:
            items = billed.get(line.id, [])
            lines.append(InvoiceLinePublic.model_validate(line, from_attributes=True, update={
                "session_ids": [i.session_id for i in items if i.session_id is not None],
                "months": [i.month for i in items if i.month is not None]}))
        documents = [InvoiceDocumentPublic(kind=kind, filename=filename, sha256=sha, size=size,
                                           url=f"/api/v1/invoices/{inv.id}/pdf?kind={kind}")
                     for kind, filename, sha, size in docs.get(inv.id, [])]
        result.append(InvoicePublic.model_validate(inv, from_attributes=True, update={
            "balance_cents": inv.balance_cents, "state": inv.payment_state(today), "lines": lines,
            "documents": documents, "notes": inv.notes or "", "title": inv.title or ""}).model_dump(mode="json"))
    return result


def _dump(invoice: Invoice) -> dict:
    return _dump_all([invoice])[0]


def _readable(invoice_id: int) -> Invoice | None:
    """The invoice if the token may read it: staff any; an authority its organisation's issued ones."""
    invoice = db.session.get(Invoice, invoice_id)
    user = g.api_user
    if invoice is None or is_staff(user):
        return invoice
    if invoice.status != InvoiceStatus.ISSUED or not user.organisation_id \
            or invoice.organisation_id != user.organisation_id:
        return None
    return invoice


def _not_found():
    return json_error(404, "Facture introuvable.", "not_found")


def _empty_page():
    return jsonify({"items": [], "page": 1, "per_page": page_args()[1], "total": 0, "pages": 1})


# --- endpoints ------------------------------------------------------------------------------------------------------

@endpoint("/invoices", summary="Liste des factures et avoirs (un jeton « collectivité » : ceux de sa structure, émis)",
          roles=READERS, tag=TAG, response=[InvoicePublic], paginated=True, params=[
              Param("status", "draft ou issued", enum=tuple(InvoiceStatus)),
              Param("kind", "invoice ou credit_note", enum=tuple(InvoiceKind)),
              Param("organisation_id", "Structure facturée", type="integer"),
              Param("convention_id", "Convention", type="integer"),
              Param("state", "Factures émises : open (non soldées), overdue (en retard) ou paid (soldées)",
                    enum=STATES),
              Param("year", "Année d'émission", type="integer", minimum=MIN_YEAR, maximum=MAX_YEAR),
          ])
def list_invoices():
    status, kind, state = (request.args.get(k) or None for k in ("status", "kind", "state"))
    if status is not None and status not in set(InvoiceStatus):
        return json_error(422, "Statut inconnu : draft ou issued.", "invalid", field="status")
    if kind is not None and kind not in set(InvoiceKind):
        return json_error(422, "Type inconnu : invoice ou credit_note.", "invalid", field="kind")
    if state is not None and state not in STATES:
        return json_error(422, "État inconnu : open, overdue ou paid.", "invalid", field="state")
    filters = queries.InvoiceFilters(status=status, kind=kind, state=state,
                                     organisation_id=request.args.get("organisation_id", type=int),
                                     convention_id=request.args.get("convention_id", type=int),
                                     year=request.args.get("year", type=int))
    user = g.api_user
    if not is_staff(user):
        if status == InvoiceStatus.DRAFT or not user.organisation_id or (
                filters.organisation_id is not None and filters.organisation_id != user.organisation_id):
            return _empty_page()
        filters.status, filters.organisation_id = InvoiceStatus.ISSUED, user.organisation_id
    # the JSON holds the ids of the client and the convention, not their rows
    stmt = queries.invoices_stmt(filters, today=paris_today(clock.now())).options(
        lazyload(Invoice.organisation), lazyload(Invoice.convention))
    page = paginate(db.session, stmt, *page_args())
    return jsonify({"items": _dump_all(page.items), "page": page.page, "per_page": page.per_page,
                    "total": page.total, "pages": page.pages})


@endpoint("/invoices", "POST", summary="Brouillon de facture d'une convention pour une période, à partir du travail "
          "réalisé (séances tenues aux heures validées, forfaits non encore facturés)", roles=STAFF, tag=TAG,
          body=InvoiceCreate, response=InvoicePublic, status=201)
def create_invoice():
    body = parse_body(InvoiceCreate)
    convention = db.session.get(Convention, body.convention_id)
    if convention is None:
        return json_error(422, "Convention introuvable.", "invalid", field="convention_id")
    invoice = commit_or_raise(lambda: billable.draft_from_work(
        db.session, g.api_user, convention, body.period_start, body.period_end, now=clock.now()))
    return jsonify(_dump(invoice)), 201


@endpoint("/invoices/<id:invoice_id>", summary="Une facture ou un avoir, avec ses lignes (et les séances qu'elles "
          "facturent) et ses documents", roles=READERS, tag=TAG, response=InvoicePublic)
def get_invoice(invoice_id: int):
    invoice = _readable(invoice_id)
    if invoice is None:
        return _not_found()
    return jsonify(_dump(invoice))


@endpoint("/invoices/<id:invoice_id>/issue", "POST", summary="Émettre un brouillon : numéro de la série de l'année, "
          "gel des données, documents PDF et Factur-X", roles=STAFF, tag=TAG, response=InvoicePublic)
def issue_invoice(invoice_id: int):
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        return _not_found()
    if not invoice.is_draft:
        return json_error(409, f"La facture {invoice.number} est déjà émise.", "conflict")
    invoice = commit_or_raise(lambda: issuing.issue(db.session, g.api_user, invoice, now=clock.now()))
    return jsonify(_dump(invoice))


@endpoint("/invoices/<id:invoice_id>/pdf", summary="Le document émis : le fichier Factur-X (par défaut) ou le PDF "
          "simple (kind=pdf), tel qu'enregistré à l'émission", roles=READERS, tag=TAG,
          params=[Param("kind", "facturx (par défaut) ou pdf", enum=tuple(DocumentKind))], response=bytes,
          content_type="application/pdf", errors=(409,))
def invoice_pdf(invoice_id: int):
    invoice = _readable(invoice_id)
    if invoice is None:
        return _not_found()
    kind = request.args.get("kind") or DocumentKind.FACTURX
    if kind not in set(DocumentKind):
        return json_error(422, "Document inconnu : facturx ou pdf.", "invalid", field="kind")
    if invoice.is_draft:
        return json_error(409, "Ce brouillon n'a pas encore de document : émettez-le d'abord.", "conflict")
    document = issuing.document(db.session, invoice, kind)
    if document is None:
        return json_error(404, "Document introuvable.", "not_found")
    response = make_response(document.content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response.headers["X-Content-SHA256"] = document.sha256
    return response


@endpoint("/invoices/<id:invoice_id>/credit-notes", "POST", summary="Avoir (émis) sur une facture émise : total, "
          "ou partiel avec les quantités à créditer par ligne", roles=STAFF, tag=TAG, body=CreditNoteCreate,
          response=InvoicePublic, status=201)
def create_credit_note(invoice_id: int):
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        return _not_found()
    body = parse_body(CreditNoteCreate)
    if invoice.is_draft:
        return json_error(409, "Un brouillon se modifie ou se supprime : pas d'avoir sur un brouillon.", "conflict")
    if invoice.is_credit_note:
        return json_error(409, "On ne fait pas d'avoir sur un avoir.", "conflict")
    lines = None if body.lines is None else {line.line_id: line.quantity for line in body.lines}
    note = commit_or_raise(lambda: credit_notes.create_credit_note(
        db.session, g.api_user, invoice, reason=body.reason, lines=lines, now=clock.now()))
    return jsonify(_dump(note)), 201
