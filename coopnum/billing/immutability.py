"""Issued invoices and credit notes are legal records: their frozen columns, their lines, the sessions their lines
bill and their stored documents never change and are never deleted. Enforced for every session of the app by a
``before_flush`` hook, whatever the code path (service, view, API, shell), so a bug cannot edit an issued invoice.

What may still change on an issued invoice is its settlement (payments, credit notes, reminders, sending), listed
in ``MUTABLE_AFTER_ISSUE``; a credit note releases the billed items of the lines it credits (``released_at``)."""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession

from coopnum.billing.models import BilledItem, Invoice, InvoiceDocument, InvoiceLine, InvoiceStatus
from coopnum.core.errors import DomainError

MUTABLE_AFTER_ISSUE = frozenset({"paid_cents", "credited_cents", "dunning_level", "sent_at", "updated_at"})
BILLED_ITEM_MUTABLE = frozenset({"released_at", "released_by_id"})


class ImmutableInvoiceError(DomainError):
    pass


def _was_issued(obj: Invoice) -> bool:
    """Issued before this flush (a draft being issued in this flush may still change)."""
    history = inspect(obj).attrs.status.history
    before = history.deleted[0] if history.deleted else obj.status
    return before == InvoiceStatus.ISSUED


def _changed(obj, allowed: frozenset[str]) -> list[str]:
    state = inspect(obj)
    return [attr.key for attr in state.attrs if attr.key not in allowed and attr.history.has_changes()
            and attr.key in state.mapper.columns]


def _invoice_of_line(session, line: InvoiceLine) -> Invoice | None:
    return line.invoice if line.invoice is not None else session.get(Invoice, line.invoice_id)


def _refuse(number: str | None) -> None:
    raise ImmutableInvoiceError(
        f"La facture {number or ''} est émise : elle ne peut plus être modifiée ni supprimée. "
        "Corrigez-la par un avoir.".replace("  ", " "))


def _check(session, _flush_context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        deleted = obj in session.deleted
        if isinstance(obj, Invoice):
            if _was_issued(obj) and (deleted or _changed(obj, MUTABLE_AFTER_ISSUE)):
                _refuse(obj.number)
        elif isinstance(obj, InvoiceLine):
            invoice = _invoice_of_line(session, obj)
            if invoice is not None and _was_issued(invoice) and (deleted or _changed(obj, frozenset())):
                _refuse(invoice.number)
        elif isinstance(obj, InvoiceDocument):
            if deleted or _changed(obj, frozenset()):
                raise ImmutableInvoiceError("Un document émis ne peut être ni modifié ni supprimé.")
        elif isinstance(obj, BilledItem):
            line = session.get(InvoiceLine, obj.line_id)
            invoice = _invoice_of_line(session, line) if line is not None else None
            if invoice is not None and _was_issued(invoice) and (deleted or _changed(obj, BILLED_ITEM_MUTABLE)):
                _refuse(invoice.number)
    for obj in session.new:
        if isinstance(obj, InvoiceLine):
            invoice = _invoice_of_line(session, obj)
            if invoice is not None and invoice not in session.new and _was_issued(invoice):
                _refuse(invoice.number)


def install() -> None:
    """Register the hook on every ORM session (idempotent)."""
    if not event.contains(OrmSession, "before_flush", _check):
        event.listen(OrmSession, "before_flush", _check)
