"""Payments of issued invoices: full or partial, by transfer, cheque, APTIC cheques or cash; refunds of what was
overpaid; the list of payments. (The ageing of receivables is in ``accounting``.)

- A payment is recorded on an issued invoice (never a draft, never a credit note). A positive amount never exceeds
  the balance (overpayment refused); a refund (method ``refund``) is negative and gives back at most what was
  overpaid or credited after payment. The date is neither in the future nor before the invoice's issue.
- ``Invoice.paid_cents`` is the sum of the invoice's payments; it is updated under a row lock of the invoice
  (``FOR UPDATE`` on PostgreSQL; SQLite writing transactions are ``BEGIN IMMEDIATE``) so two payments recorded at
  the same time cannot overpay it.
- A mistaken payment is cancelled (deleted, audited), except the reimbursement of an APTIC batch.

Services take plain values, the acting user and ``now``; they flush, never commit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlmodel import Session

from coopnum.billing.models import (
    ApticBatch,
    ApticBatchStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)
from coopnum.core import audit, formats
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.core.validation import domain_text

MAX_AMOUNT_CENTS = 100_000_000_00


def euros(cents: int) -> str:
    """12345 → '123,45 €' (French, for messages: core.formats.money)."""
    return formats.money(int(cents), "fr")


def overpaid_cents(invoice: Invoice) -> int:
    """What the buyer paid beyond what it owes (after credit notes): the most that can be refunded."""
    return max(0, min(invoice.paid_cents, -invoice.balance_cents))


def lock_invoice(session: Session, invoice: Invoice) -> Invoice:
    """Lock the invoice row for the rest of the transaction and reload its settlement columns."""
    return session.execute(
        select(Invoice).where(Invoice.id == invoice.id).with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    ).unique().scalar_one()


def _check_invoice(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.ISSUED:
        raise DomainError("Un brouillon ne se règle pas : émettez d'abord la facture.")
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise DomainError("Un avoir ne se règle pas : enregistrez le règlement sur la facture, ou un "
                          "remboursement si l'avoir a été payé.")


def _check_date(invoice: Invoice, received_on: date | None, today: date) -> None:
    if received_on is None:
        raise DomainError("Indiquez la date de réception du règlement.", field="received_on")
    if received_on > today:
        raise DomainError("La date du règlement ne peut pas être dans le futur.", field="received_on")
    if invoice.issue_date and received_on < invoice.issue_date:
        raise DomainError(f"La date du règlement précède l'émission de la facture "
                          f"({invoice.issue_date.strftime('%d/%m/%Y')}).", field="received_on")


def _check_amount(invoice: Invoice, amount_cents: int, method: str) -> None:
    if amount_cents == 0:
        raise DomainError("Le montant ne peut pas être nul.", field="amount_cents")
    if abs(amount_cents) >= MAX_AMOUNT_CENTS:
        raise DomainError("Montant trop élevé.", field="amount_cents")
    if method == PaymentMethod.REFUND:
        if amount_cents > 0:
            raise DomainError("Un remboursement est un montant négatif (l'argent rendu au client).",
                              field="amount_cents")
        refundable = overpaid_cents(invoice)
        if refundable == 0:
            raise DomainError("Rien à rembourser : la facture n'a pas été payée au-delà de son solde.",
                              field="amount_cents")
        if -amount_cents > refundable:
            raise DomainError(f"Le remboursement ne peut pas dépasser le trop-perçu ({euros(refundable)}).",
                              field="amount_cents")
        return
    if amount_cents < 0:
        raise DomainError("Le montant d'un règlement est positif ; pour rendre de l'argent, choisissez "
                          "« Remboursement ».", field="amount_cents")
    balance = invoice.balance_cents
    if balance <= 0:
        raise DomainError(f"La facture {invoice.number} est déjà soldée : aucun règlement n'est attendu.",
                          field="amount_cents")
    if amount_cents > balance:
        raise DomainError(f"Le montant ({euros(amount_cents)}) dépasse le solde restant dû de la facture "
                          f"{invoice.number} : {euros(balance)}. Un trop-perçu n'est pas enregistré.",
                          field="amount_cents")


def _batch_of_invoice(session: Session, invoice_id: int) -> ApticBatch | None:
    return session.execute(select(ApticBatch).where(ApticBatch.invoice_id == invoice_id)).scalar_one_or_none()


def record(session: Session, actor: User | None, invoice: Invoice, *, amount_cents: int, received_on: date,
           method: str, reference: str = "", notes: str = "", aptic_batch: ApticBatch | None = None,
           now: datetime) -> Payment:
    """Record money received for an issued invoice (or given back: ``method="refund"``, negative amount)."""
    _check_invoice(invoice)
    if method not in {m.value for m in PaymentMethod}:
        raise DomainError("Mode de règlement inconnu.", field="method")
    try:
        amount_cents = int(amount_cents)
    except (TypeError, ValueError) as exc:
        raise DomainError("Montant invalide.", field="amount_cents") from exc
    reference = domain_text(reference, field="reference", label="La référence")
    notes = domain_text(notes, field="notes", label="La note")
    if len(reference) > 100:
        raise DomainError("La référence est limitée à 100 caractères.", field="reference")
    if len(notes) > 500:
        raise DomainError("La note est limitée à 500 caractères.", field="notes")
    invoice = lock_invoice(session, invoice)
    _check_date(invoice, received_on, paris_today(now))
    _check_amount(invoice, amount_cents, method)
    batch = aptic_batch or (_batch_of_invoice(session, invoice.id) if method == PaymentMethod.APTIC else None)
    if batch is not None and batch.invoice_id != invoice.id:
        raise DomainError("Ce lot de chèques APTIC n'est pas facturé par cette facture.")
    payment = Payment(invoice_id=invoice.id, received_on=received_on, amount_cents=amount_cents, method=method,
                      reference=reference, notes=notes, aptic_batch_id=batch.id if batch else None, created_at=now,
                      created_by_id=actor.id if actor else None)
    payment.invoice = invoice
    session.add(payment)
    invoice.paid_cents += amount_cents
    if batch is not None and batch.status == ApticBatchStatus.SENT and invoice.balance_cents <= 0:
        batch.status = ApticBatchStatus.REIMBURSED
        batch.reimbursed_on = received_on
    session.flush()
    what = "Remboursement" if amount_cents < 0 else "Règlement"
    audit.record(session, actor, "create", payment,
                 summary=f"{what} de {euros(abs(amount_cents))} ({method}) sur la facture {invoice.number}, "
                         f"reçu le {received_on.strftime('%d/%m/%Y')}",
                 after=audit.snapshot(payment), now=now)
    return payment


def cancel(session: Session, actor: User | None, payment: Payment, *, reason: str = "", now: datetime) -> None:
    """Delete a mistaken payment (audited) and give its amount back to the invoice's balance."""
    if payment.aptic_batch_id is not None:
        batch = session.get(ApticBatch, payment.aptic_batch_id)
        if batch is not None and batch.status == ApticBatchStatus.REIMBURSED:
            raise DomainError(f"Ce règlement est le remboursement du lot APTIC {batch.reference} : il ne peut pas "
                              "être annulé.")
    invoice = lock_invoice(session, payment.invoice or session.get(Invoice, payment.invoice_id))
    if invoice.paid_cents - payment.amount_cents < 0:
        raise DomainError("Annulez d'abord le remboursement enregistré sur cette facture : sans ce règlement, "
                          "il rendrait plus que ce qui a été payé.")
    before = audit.snapshot(payment)
    invoice.paid_cents -= payment.amount_cents
    summary = (f"Règlement de {euros(payment.amount_cents)} du {payment.received_on.strftime('%d/%m/%Y')} annulé "
               f"sur la facture {invoice.number}")
    if reason.strip():
        summary += f" : {reason.strip()}"
    audit.record(session, actor, "delete", payment, summary=summary, before=before, now=now)
    session.delete(payment)
    session.flush()


def payments_of(session: Session, invoice: Invoice) -> list[Payment]:
    """The payments of an invoice, oldest first (for the invoice page)."""
    return list(session.execute(select(Payment).where(Payment.invoice_id == invoice.id)
                                .order_by(Payment.received_on, Payment.id)).unique().scalars())


def load_payment(session: Session, payment_id: int) -> Payment | None:
    return session.execute(select(Payment).where(Payment.id == payment_id)
                           .options(joinedload(Payment.invoice))).unique().scalar_one_or_none()
