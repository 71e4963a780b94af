"""Issue of an invoice or a credit note: the number of the year's series is given inside the transaction that
freezes the invoice (seller identity and terms, buyer, totals) and stores its rendered documents with their
SHA-256; if anything fails, the whole transaction rolls back and the number is not burnt. Issued documents are
immutable (``coopnum.billing.immutability``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from coopnum.billing import amounts, company, numbering
from coopnum.billing.document_inputs import buyer_category, contract_rate_bp, frozen_terms
from coopnum.billing.models import (
    BilledItem,
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
)
from coopnum.billing.services.invoices import (
    apply_chorus_references,
    chorus_references,
    credited_quantities,
    ensure_draft,
    lock_invoice,
)
from coopnum.core import audit, formats, settings
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.organisations.models import VatRegime


def issue_blockers(invoice: Invoice, seller: dict) -> list[str]:
    """Everything that stops the invoice from being issued (empty: it can be issued)."""
    blockers = []
    if gaps := company.missing(seller):
        blockers.append("Complétez l'identité de la coopérative (Administration → Identité et facturation) "
                        f"avant d'émettre : {', '.join(gaps)}.")
    if not invoice.lines:
        blockers.append("La facture n'a aucune ligne.")
    missing = [label for label, value in (("nom", invoice.buyer_name), ("adresse", invoice.buyer_address),
                                          ("code postal", invoice.buyer_postal_code), ("ville", invoice.buyer_city))
               if not (value or "").strip()]
    if missing:
        blockers.append(f"Complétez la structure facturée ({', '.join(missing)}), puis recréez le brouillon.")
    if not (invoice.buyer_siret or invoice.chorus_buyer_siret):
        blockers.append("Le SIRET de la structure facturée est obligatoire (mention légale et Chorus Pro).")
    org = invoice.organisation
    if org is not None and org.chorus_engagement_required and not chorus_references(invoice)[1]:
        blockers.append(f"{org.name} exige un numéro d'engagement (Chorus Pro rejetterait la facture) : "
                        "indiquez-le dans l'en-tête de la facture, sur la convention ou sur la structure.")
    if invoice.vat_regime == VatRegime.TRAINING_EXEMPT and not seller.get("training_declaration"):
        blockers.append("L'exonération de TVA de la formation exige le numéro de déclaration d'activité "
                        "de la coopérative (Identité et facturation).")
    if invoice.kind == InvoiceKind.INVOICE and invoice.lines and invoice.total_incl_cents <= 0:
        blockers.append("Le total d'une facture doit être positif ; pour rembourser, établissez un avoir.")
    if any(line.total_excl_cents == 0 for line in invoice.lines):
        blockers.append("Une ligne a un montant nul : supprimez-la ou indiquez son prix.")
    return blockers


def _check_before_issue(invoice: Invoice, seller: dict) -> None:
    blockers = issue_blockers(invoice, seller)
    if blockers:
        raise DomainError(" ".join(blockers) if len(blockers) < 3 else blockers[0])


def series_for(session: Session, kind: str, year: int) -> str:
    key = "billing.credit_note_prefix" if kind == InvoiceKind.CREDIT_NOTE else "billing.invoice_prefix"
    return f"{settings.get(session, key)}{year}"


Renderer = Callable[[Invoice], Iterable]


def _store_documents(session: Session, invoice: Invoice, render: Renderer | None) -> None:
    if render is None:
        from coopnum.billing import documents

        render = documents.render
    for doc in render(invoice):
        session.add(InvoiceDocument(invoice_id=invoice.id, kind=doc.kind, filename=doc.filename,
                                    content=doc.content, sha256=hashlib.sha256(doc.content).hexdigest(),
                                    size=len(doc.content)))


def issue(session: Session, actor: User | None, invoice: Invoice, *, now: datetime,
          render: Renderer | None = None) -> Invoice:
    """Number, freeze and render the invoice in the current transaction (commit it right after)."""
    lock_invoice(session, invoice)
    ensure_draft(invoice)
    actor_id = actor.id if actor else None  # read before any change (loading it could autoflush)
    seller = company.identity(session)
    amounts.apply(invoice)
    apply_chorus_references(invoice)  # the convention's, else the organisation's, when the draft has none
    _check_before_issue(invoice, seller)
    today = paris_today(now)
    series = series_for(session, invoice.kind, today.year)
    sequence = numbering.next_value(session, series)
    invoice.series, invoice.sequence = series, sequence
    invoice.number = numbering.format_number(series, sequence)
    # The mentions in force on the issue date, and the late-payment texts of the buyer's kind (at the rate its
    # convention sets, if any), frozen: a later change of the convention changes neither the documents nor the
    # interest of the reminders.
    invoice.penalty_rate_bp = contract_rate_bp(session, invoice)
    invoice.seller = {**seller, **frozen_terms(session, buyer_category(invoice.organisation),
                                               invoice.penalty_rate_bp)}
    invoice.issue_date = today
    invoice.due_date = today + timedelta(days=invoice.payment_terms_days) if invoice.kind == InvoiceKind.INVOICE \
        else None
    invoice.issued_at, invoice.issued_by_id = now, actor_id
    invoice.status = InvoiceStatus.ISSUED  # last: from the next flush on, the invoice is frozen
    session.flush()
    _store_documents(session, invoice, render)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        _apply_credit(session, invoice, now=now)
    session.flush()
    what = "Avoir {} émis" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Facture {} émise"
    audit.record(session, actor, "issue", invoice,
                 summary=f"{what.format(invoice.number)} : {formats.money(invoice.total_incl_cents, 'fr')} TTC",
                 after={"number": invoice.number, "total_incl_cents": invoice.total_incl_cents}, now=now)
    return invoice


def _apply_credit(session: Session, credit_note: Invoice, *, now: datetime) -> None:
    original = session.get(Invoice, credit_note.credit_of_id)
    original.credited_cents += credit_note.total_incl_cents
    credited = credited_quantities(session, original)
    for line in credit_note.lines:
        source = session.get(InvoiceLine, line.credited_line_id) if line.credited_line_id else None
        if source is not None and credited.get(source.id, Decimal(0)) >= source.quantity:
            session.execute(
                BilledItem.__table__.update()
                .where(BilledItem.line_id == source.id, BilledItem.released_at.is_(None))
                .values(released_at=now, released_by_id=credit_note.id))


def documents_of(session: Session, invoice: Invoice) -> dict[str, InvoiceDocument]:
    rows = session.execute(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id)).scalars()
    return {d.kind: d for d in rows}


def document(session: Session, invoice: Invoice, kind: str = DocumentKind.FACTURX) -> InvoiceDocument | None:
    return session.execute(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id,
                                                         InvoiceDocument.kind == kind)).scalar_one_or_none()
