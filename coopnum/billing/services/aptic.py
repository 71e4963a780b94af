"""APTIC cheques: the cheques received from beneficiaries (number, date, place, mediator, face value), gathered in
batches sent for reimbursement, and the reimbursement.

- A cheque's number is unique; it is recorded unbatched, then put in an open batch (``APTIC-2026-003``).
- Sending a batch drafts and issues an invoice to the APTIC organisation (setting ``billing.aptic_organisation_id``)
  with one line "Remise de N chèques APTIC (lot …)". A cheque's value includes VAT, so the invoice's total incl.
  VAT equals the sum of the face values: under the standard regime the line's amount excl. VAT is the one whose
  VAT (rounded) brings it back to that exact total.
- The reimbursement is the payment of that invoice (method ``aptic``): the batch becomes reimbursed, and that
  payment can no longer be cancelled.

Services take plain values, the acting user and ``now``; they flush, never commit."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from coopnum.billing import amounts
from coopnum.billing.models import (
    ApticBatch,
    ApticBatchStatus,
    ApticCheque,
    Invoice,
    LineUnit,
    Payment,
    PaymentMethod,
)
from coopnum.billing.services import invoices, issuing, payments
from coopnum.billing.services.payments import euros
from coopnum.core import audit, formats, settings
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import Role, User
from coopnum.core.validation import domain_text
from coopnum.organisations.models import Organisation, Place

REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
MAX_FACE_VALUE_CENTS = 100_00


def face_value_default(session: Session) -> int:
    return int(settings.get(session, "billing.aptic_face_value_cents") or 1000)


def aptic_organisation(session: Session) -> Organisation | None:
    org_id = settings.get(session, "billing.aptic_organisation_id")
    try:
        return session.get(Organisation, int(org_id)) if org_id else None
    except (TypeError, ValueError):
        return None


# --- cheques --------------------------------------------------------------------------------------------------------

def record_cheque(session: Session, actor: User | None, *, number: str, received_on: date,
                  face_value_cents: int | None = None, place_id: int | None = None,
                  mediator_id: int | None = None, notes: str = "", now: datetime) -> ApticCheque:
    number = re.sub(r"\s+", "", domain_text(number, field="number", label="Le numéro du chèque", multiline=True))
    if not number:
        raise DomainError("Indiquez le numéro du chèque.", field="number")
    if len(number) > 40:
        raise DomainError("Le numéro est limité à 40 caractères.", field="number")
    if session.execute(select(ApticCheque.id).where(ApticCheque.number == number)).first():
        raise DomainError(f"Le chèque n° {number} est déjà enregistré.", field="number")
    if received_on is None:
        raise DomainError("Indiquez la date de réception.", field="received_on")
    if received_on > paris_today(now):
        raise DomainError("La date de réception ne peut pas être dans le futur.", field="received_on")
    value = face_value_default(session) if face_value_cents is None else int(face_value_cents)
    if not 0 < value <= MAX_FACE_VALUE_CENTS:
        raise DomainError(f"La valeur faciale est comprise entre 0,01 € et {euros(MAX_FACE_VALUE_CENTS)}.",
                          field="face_value_cents")
    if place_id and session.get(Place, place_id) is None:
        raise DomainError("Lieu inconnu.", field="place_id")
    if mediator_id:
        mediator = session.get(User, mediator_id)
        if mediator is None or not mediator.has_role(Role.MEDIATOR, Role.COORDINATOR):
            raise DomainError("Médiateur·rice inconnu·e.", field="mediator_id")
    notes = domain_text(notes, field="notes", label="La note")
    if len(notes) > 300:
        raise DomainError("La note est limitée à 300 caractères.", field="notes")
    cheque = ApticCheque(number=number, received_on=received_on, face_value_cents=value, place_id=place_id or None,
                         mediator_id=mediator_id or None, notes=notes, created_at=now)
    session.add(cheque)
    session.flush()
    audit.record(session, actor, "create", cheque, summary=f"Chèque APTIC n° {number} reçu ({euros(value)})",
                 after=audit.snapshot(cheque), now=now)
    return cheque


def _batch(session: Session, batch_id: int | None) -> ApticBatch | None:
    return session.get(ApticBatch, batch_id) if batch_id else None


def delete_cheque(session: Session, actor: User | None, cheque: ApticCheque, *, now: datetime) -> None:
    """Remove a cheque recorded by mistake (not once its batch is sent)."""
    batch = _batch(session, cheque.batch_id)
    if batch is not None and batch.status != ApticBatchStatus.OPEN:
        raise DomainError(f"Le chèque n° {cheque.number} fait partie du lot {batch.reference}, déjà envoyé : il ne "
                          "peut plus être supprimé.")
    audit.record(session, actor, "delete", cheque, summary=f"Chèque APTIC n° {cheque.number} supprimé",
                 before=audit.snapshot(cheque), now=now)
    session.delete(cheque)
    session.flush()


def unbatched_stmt():
    return select(ApticCheque).where(ApticCheque.batch_id.is_(None)).order_by(ApticCheque.received_on,
                                                                              ApticCheque.number)


def unbatched_summary(session: Session) -> tuple[int, int]:
    """(number of cheques, total face value) not in a batch yet."""
    count, total = session.execute(select(func.count(ApticCheque.id), func.coalesce(func.sum(
        ApticCheque.face_value_cents), 0)).where(ApticCheque.batch_id.is_(None))).one()
    return int(count), int(total)


def cheque_rows_stmt(batch_id: int | None = None):
    """Cheques with the names of their place and mediator (one query): those of a batch, or the unbatched ones."""
    stmt = (select(ApticCheque, Place.name.label("place_name"), User.full_name.label("mediator_name"))
            .outerjoin(Place, Place.id == ApticCheque.place_id)
            .outerjoin(User, User.id == ApticCheque.mediator_id))
    stmt = stmt.where(ApticCheque.batch_id.is_(None) if batch_id is None else ApticCheque.batch_id == batch_id)
    return stmt.order_by(ApticCheque.received_on, ApticCheque.number)


def place_choices(session: Session) -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in session.execute(
        select(Place.id, Place.name).where(Place.archived.is_(False)).order_by(Place.name)).all()]


def mediator_choices(session: Session) -> list[tuple[int, str]]:
    from coopnum.core.models import UserRole

    stmt = (select(User.id, User.full_name).where(User.active.is_(True), User.id.in_(
        select(UserRole.user_id).where(UserRole.role == Role.MEDIATOR))).order_by(User.full_name))
    return [(r.id, r.full_name) for r in session.execute(stmt).all()]


def cheques_of(session: Session, batch: ApticBatch) -> list[ApticCheque]:
    return list(session.execute(select(ApticCheque).where(ApticCheque.batch_id == batch.id)
                                .order_by(ApticCheque.number)).scalars())


# --- batches --------------------------------------------------------------------------------------------------------

def next_reference(session: Session, year: int) -> str:
    prefix = f"APTIC-{year}-"
    refs = session.execute(select(ApticBatch.reference).where(ApticBatch.reference.like(f"{prefix}%"))).scalars()
    numbers = [int(r[len(prefix):]) for r in refs if r[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def create_batch(session: Session, actor: User | None, cheque_ids: Iterable[int], *, reference: str | None = None,
                 now: datetime) -> ApticBatch:
    ids = sorted({int(i) for i in cheque_ids})
    if not ids:
        raise DomainError("Choisissez au moins un chèque.", field="cheque_ids")
    cheques = list(session.execute(select(ApticCheque).where(ApticCheque.id.in_(ids))
                                   .with_for_update()).scalars())
    if len(cheques) != len(ids):
        raise DomainError("Un des chèques choisis n'existe plus.", field="cheque_ids")
    taken = [c.number for c in cheques if c.batch_id is not None]
    if taken:
        words = "chèques" if formats.is_plural(len(taken)) else "chèque"
        raise DomainError(f"Déjà dans un lot : {words} n° {', '.join(taken)}.", field="cheque_ids")
    reference = (reference or "").strip() or next_reference(session, paris_today(now).year)
    if not REFERENCE_RE.match(reference):
        raise DomainError("Référence invalide : lettres, chiffres et tirets, 40 caractères au plus.",
                          field="reference")
    if session.execute(select(ApticBatch.id).where(ApticBatch.reference == reference)).first():
        raise DomainError(f"Le lot {reference} existe déjà.", field="reference")
    batch = ApticBatch(reference=reference, created_by_id=actor.id if actor else None, created_at=now,
                       updated_at=now)
    session.add(batch)
    session.flush()
    for cheque in cheques:
        cheque.batch_id = batch.id
    session.flush()
    total = sum(c.face_value_cents for c in cheques)
    audit.record(session, actor, "create", batch,
                 summary=f"Lot APTIC {reference} : {formats.count(len(cheques), 'chèque', 'chèques')}, {euros(total)}",
                 now=now)
    return batch


def delete_batch(session: Session, actor: User | None, batch: ApticBatch, *, now: datetime) -> None:
    """Dissolve an open batch: its cheques become unbatched again."""
    if batch.status != ApticBatchStatus.OPEN:
        raise DomainError(f"Le lot {batch.reference} est envoyé : il ne peut plus être défait.")
    for cheque in cheques_of(session, batch):
        cheque.batch_id = None
    audit.record(session, actor, "delete", batch, summary=f"Lot APTIC {batch.reference} défait", now=now)
    session.delete(batch)
    session.flush()


def excl_for_incl(total_incl_cents: int, rate_bp: int) -> int:
    """The amount excl. VAT whose VAT at ``rate_bp`` (rounded to the cent) gives back exactly ``total_incl_cents``.
    DomainError when no such amount exists (some odd totals at 20 %, never a whole number of euros)."""
    if rate_bp == 0:
        return total_incl_cents
    guess = total_incl_cents * 10000 // (10000 + rate_bp)
    for excl in (guess, guess + 1, guess - 1, guess + 2, guess - 2):
        if excl + amounts.vat_cents(excl, rate_bp) == total_incl_cents:
            return excl
    raise DomainError(f"Aucun montant hors taxe ne donne exactement {euros(total_incl_cents)} TTC au taux de "
                      f"{amounts.format_rate(rate_bp)} % : vérifiez la valeur des chèques.")


def line_label(count: int, reference: str) -> str:
    return f"Remise de {count} chèque{'s' if count > 1 else ''} APTIC (lot {reference})"


def send_batch(session: Session, actor: User | None, batch: ApticBatch, *, now: datetime,
               render=None) -> Invoice:
    """Invoice the batch to the APTIC organisation (drafted and issued in this transaction)."""
    if batch.status != ApticBatchStatus.OPEN:
        raise DomainError(f"Le lot {batch.reference} est déjà envoyé.")
    cheques = cheques_of(session, batch)
    if not cheques:
        raise DomainError(f"Le lot {batch.reference} ne contient aucun chèque.")
    org = aptic_organisation(session)
    if org is None:
        raise DomainError("Choisissez d'abord la structure à qui facturer les chèques APTIC (paramètre "
                          "« Structure APTIC » dans Identité et facturation).")
    total = sum(c.face_value_cents for c in cheques)
    invoice = invoices.new_draft(session, actor, org, title=f"Remboursement des chèques APTIC — lot {batch.reference}",
                                 now=now)
    rate = amounts.rate_of(invoice.vat_regime)
    excl = excl_for_incl(total, rate)
    invoices.add_line(session, actor, invoice, description=line_label(len(cheques), batch.reference),
                      quantity=1, unit=LineUnit.FLAT, unit_price_cents=excl, vat_rate_bp=rate,
                      detail="Chèques n° " + ", ".join(c.number for c in cheques), now=now)
    issuing.issue(session, actor, invoice, now=now, render=render)
    if invoice.total_incl_cents != total:  # cannot happen: excl_for_incl checked it
        raise DomainError("Le total de la facture ne correspond pas à la valeur des chèques.")
    batch.status = ApticBatchStatus.SENT
    batch.sent_on = invoice.issue_date
    batch.invoice_id = invoice.id
    batch.updated_at = now
    session.flush()
    audit.record(session, actor, "send", batch,
                 summary=f"Lot APTIC {batch.reference} envoyé : facture {invoice.number}, {euros(total)}", now=now)
    return invoice


def mark_reimbursed(session: Session, actor: User | None, batch: ApticBatch, *, received_on: date,
                    reference: str = "", now: datetime) -> Payment:
    """Record the reimbursement of a sent batch: the payment of its invoice's balance (method ``aptic``)."""
    if batch.status == ApticBatchStatus.OPEN:
        raise DomainError(f"Le lot {batch.reference} n'est pas encore envoyé.")
    if batch.status == ApticBatchStatus.REIMBURSED:
        raise DomainError(f"Le remboursement du lot {batch.reference} est déjà enregistré.")
    invoice = session.get(Invoice, batch.invoice_id) if batch.invoice_id else None
    if invoice is None:
        raise DomainError(f"Le lot {batch.reference} n'a pas de facture.")
    if invoice.balance_cents <= 0:
        raise DomainError(f"La facture {invoice.number} du lot est déjà soldée.")
    payment = payments.record(session, actor, invoice, amount_cents=invoice.balance_cents, received_on=received_on,
                              method=PaymentMethod.APTIC, reference=reference or batch.reference,
                              notes=f"Remboursement du lot {batch.reference}", aptic_batch=batch, now=now)
    batch.updated_at = now
    session.flush()
    return payment


def batches_stmt(status: str | None = None):
    """Batches with their cheque count and total (one aggregate query), newest first."""
    count = func.count(ApticCheque.id).label("count")
    total = func.coalesce(func.sum(ApticCheque.face_value_cents), 0).label("total")
    stmt = (select(ApticBatch, count, total).outerjoin(ApticCheque, ApticCheque.batch_id == ApticBatch.id)
            .group_by(ApticBatch.id).order_by(ApticBatch.created_at.desc(), ApticBatch.id.desc()))
    if status:
        stmt = stmt.where(ApticBatch.status == status)
    return stmt
