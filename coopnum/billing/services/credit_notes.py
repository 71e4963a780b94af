"""Credit notes: their own series, they refer to the invoice, credit all or part of its lines, and (at issue)
release the sessions/months of fully credited lines so that they can be billed again."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from coopnum.billing import amounts
from coopnum.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    LineKind,
)
from coopnum.billing.services.invoices import (
    credited_quantities,
    parse_quantity,
)
from coopnum.billing.services.issuing import Renderer, issue
from coopnum.core import audit
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.core.validation import domain_text


def create_credit_note(session: Session, actor: User | None, invoice: Invoice, *, reason: str,
                       lines: dict[int, object] | None = None, now: datetime, issue_now: bool = True,
                       render: Renderer | None = None) -> Invoice:
    """A credit note for the whole remaining invoice (``lines=None``) or for the given quantities per line id."""
    if invoice.is_draft:
        raise DomainError("Un brouillon se modifie ou se supprime : pas d'avoir sur un brouillon.")
    if invoice.is_credit_note:
        raise DomainError("On ne fait pas d'avoir sur un avoir.")
    reason = domain_text(reason, field="reason", label="Le motif de l'avoir", max_length=150)
    if not reason:
        raise DomainError("Indiquez le motif de l'avoir.", field="reason")
    by_id = {ln.id: ln for ln in invoice.lines}
    wanted = _wanted(invoice, lines, credited_quantities(session, invoice))
    note = _note_of(invoice, actor, reason)
    session.add(note)
    session.flush()
    for position, (line_id, quantity) in enumerate(wanted.items(), start=1):
        src = by_id[line_id]
        note.lines.append(InvoiceLine(
            invoice_id=note.id, position=position, kind=LineKind.CREDIT, description=src.description,
            detail=src.detail, quantity=quantity, unit=src.unit, unit_price_cents=src.unit_price_cents,
            discount_percent=src.discount_percent, vat_rate_bp=src.vat_rate_bp, period_start=src.period_start,
            period_end=src.period_end, service_id=src.service_id, credited_line_id=src.id))
    amounts.apply(note)
    remaining_incl = invoice.total_incl_cents - invoice.credited_cents
    if note.total_incl_cents > remaining_incl:
        raise DomainError("L'avoir dépasserait le montant restant de la facture.", field="lines")
    session.flush()
    audit.record(session, actor, "create", note, summary=f"Avoir sur {invoice.number} : {reason}", now=now)
    if issue_now:
        issue(session, actor, note, now=now, render=render)
    return note


def _wanted(invoice: Invoice, lines: dict[int, object] | None, already: dict[int, Decimal]) -> dict[int, Decimal]:
    """The quantity to credit per line id: what remains of every line (``lines=None``) or the quantities given,
    each at most what remains to credit."""
    by_id = {ln.id: ln for ln in invoice.lines}
    wanted: dict[int, Decimal] = {}
    if lines is None:
        wanted = {ln.id: ln.quantity - already.get(ln.id, Decimal(0)) for ln in invoice.lines}
        wanted = {k: v for k, v in wanted.items() if v > 0}
    else:
        for line_id, quantity in lines.items():
            line = by_id.get(int(line_id))
            if line is None:
                raise DomainError("Cette ligne n'appartient pas à la facture.", field="lines")
            q = Decimal(0) if quantity in (None, "", 0, "0") else parse_quantity(quantity)
            if q == 0:
                continue
            remaining = line.quantity - already.get(line.id, Decimal(0))
            if q > remaining:
                raise DomainError(f"« {line.description[:60]} » : {remaining.normalize():f} au plus restent à "
                                  "créditer.", field="lines")
            wanted[line.id] = q
    if not wanted:
        raise DomainError("Rien à créditer : la facture est déjà entièrement créditée, ou aucune quantité "
                          "n'est indiquée.", field="lines")
    return wanted


def _note_of(invoice: Invoice, actor: User | None, reason: str) -> Invoice:
    """A new credit note of the invoice (not added yet): its client, convention, period, regime and buyer."""
    note = Invoice(kind=InvoiceKind.CREDIT_NOTE, organisation_id=invoice.organisation_id,
                   convention_id=invoice.convention_id, credit_of_id=invoice.id,
                   title=f"Avoir sur la facture {invoice.number} — {reason}"[:200], notes=reason,
                   period_start=invoice.period_start, period_end=invoice.period_end,
                   payment_terms_days=0, vat_regime=invoice.vat_regime,
                   chorus_buyer_siret=invoice.chorus_buyer_siret, chorus_service_code=invoice.chorus_service_code,
                   chorus_engagement_number=invoice.chorus_engagement_number, created_by_id=actor.id if actor else None)
    for name in ("buyer_name", "buyer_address", "buyer_address_complement", "buyer_postal_code", "buyer_city",
                 "buyer_siret", "buyer_vat_number", "buyer_email"):
        setattr(note, name, getattr(invoice, name))
    return note


def credit_notes_of(session: Session, invoice: Invoice) -> list[Invoice]:
    return list(session.execute(select(Invoice).where(Invoice.credit_of_id == invoice.id)
                                .order_by(Invoice.id)).unique().scalars())
