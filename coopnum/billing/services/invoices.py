"""Invoices: drafts (a new draft, its lines and header, its deletion) and the read queries about invoices.

- **Drafts** are freely edited (lines, quantities, free lines, discounts); they have no number.
- The other parts of the invoice's life have their own modules: the billable work of a convention and the
  monthly run (``billable``), the issue (``issuing``) and the credit notes (``credit_notes``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload
from sqlmodel import Session

from coopnum.billing import amounts
from coopnum.billing.models import (
    BilledItem,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    LineUnit,
)
from coopnum.core import audit, settings
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import User
from coopnum.core.validation import domain_text
from coopnum.organisations.models import Convention, Organisation, VatRegime

MAX_LINES = 200
MAX_QUANTITY = Decimal("100000")


# --- helpers --------------------------------------------------------------------------------------------------------

def lock_row(session: Session, row, model) -> None:
    """Lock a row until the end of the transaction and reload it as the transactions that held the lock before
    committed it (PostgreSQL: SELECT … FOR UPDATE; SQLite: writing transactions are BEGIN IMMEDIATE, one at a time)."""
    session.flush()
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(model.id).where(model.id == row.id).with_for_update())
    session.refresh(row)


def lock_invoice(session: Session, invoice: Invoice) -> None:
    """Lock the invoice before checking its state: of two requests issuing the same draft at once, the second sees
    the first's number and is refused (Conflict), instead of numbering it again."""
    if invoice.id is not None:
        lock_row(session, invoice, Invoice)


def ensure_draft(invoice: Invoice) -> None:
    if not invoice.is_draft:
        raise Conflict(f"La facture {invoice.number} est émise : elle ne peut plus être modifiée. "
                          "Corrigez-la par un avoir.")


# --- drafts ---------------------------------------------------------------------------------------------------------


def _copy_buyer(invoice: Invoice, org: Organisation) -> None:
    invoice.buyer_name = org.name
    invoice.buyer_address = org.address
    invoice.buyer_address_complement = org.address_complement or ""
    invoice.buyer_postal_code = org.postal_code
    invoice.buyer_city = org.city
    invoice.buyer_siret = org.siret
    invoice.buyer_vat_number = org.vat_number
    invoice.buyer_email = org.email


def chorus_references(invoice: Invoice) -> tuple[str | None, str | None]:
    """(code service, engagement number) of the invoice: its own, else its convention's, else its organisation's
    (the Chorus Pro references of every invoice to an organisation, free-line invoices and credit notes too)."""
    sources = (invoice, invoice.convention, invoice.organisation)
    service = next((s.chorus_service_code for s in sources if s is not None and s.chorus_service_code), None)
    engagement = next((s.chorus_engagement_number for s in sources
                       if s is not None and s.chorus_engagement_number), None)
    return service, engagement


def apply_chorus_references(invoice: Invoice) -> None:
    """Fill the invoice's empty Chorus Pro references from its convention, else its organisation."""
    invoice.chorus_service_code, invoice.chorus_engagement_number = chorus_references(invoice)


def new_draft(session: Session, actor: User | None, organisation: Organisation, *,
              convention: Convention | None = None, title: str = "", period_start: date | None = None,
              period_end: date | None = None, now: datetime) -> Invoice:
    if convention is not None and convention.organisation_id != organisation.id:
        raise DomainError("Cette convention n'est pas celle de cette structure.", field="convention_id")
    invoice = Invoice(organisation_id=organisation.id, convention_id=convention.id if convention else None,
                      title=title.strip()[:200], period_start=period_start, period_end=period_end,
                      created_by_id=actor.id if actor else None)
    invoice.organisation = organisation
    _copy_buyer(invoice, organisation)
    if convention is not None:
        invoice.vat_regime = convention.vat_regime
        invoice.payment_terms_days = convention.payment_terms_days
        invoice.chorus_buyer_siret = convention.chorus_buyer_siret
        invoice.convention = convention
        if not title:
            invoice.title = f"{convention.reference} — {convention.title}"[:200]
    else:
        invoice.payment_terms_days = int(settings.get(session, "billing.payment_terms_days"))
    apply_chorus_references(invoice)
    session.add(invoice)
    session.flush()
    audit.record(session, actor, "create", invoice, summary=f"Brouillon de facture pour {organisation.name}",
                 now=now)
    return invoice


def parse_quantity(value) -> Decimal:
    try:
        q = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("Quantité invalide : écrivez par exemple 3 ou 2,5.", field="quantity") from exc
    if not q.is_finite() or q <= 0 or q > MAX_QUANTITY:
        raise DomainError("La quantité doit être positive (et raisonnable).", field="quantity")
    if q != q.quantize(Decimal("0.001")):
        raise DomainError("La quantité a au plus trois décimales.", field="quantity")
    return q


def _discount(value) -> Decimal:
    try:
        d = Decimal(str(value or 0).replace(",", ".").replace("%", "").strip() or "0")
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("Remise invalide : un pourcentage entre 0 et 100.", field="discount_percent") from exc
    if not d.is_finite() or d < 0 or d > 100 or d != d.quantize(Decimal("0.01")):
        raise DomainError("La remise est un pourcentage entre 0 et 100 (deux décimales au plus).",
                          field="discount_percent")
    return d


def _check_line_values(description: str, unit: str, unit_price_cents: int) -> str:
    text = domain_text(description, field="description", label="La description")
    if not text:
        raise DomainError("Décrivez la prestation facturée.", field="description")
    if len(text) > 300:
        raise DomainError("La description est limitée à 300 caractères.", field="description")
    if unit not in set(LineUnit):
        raise DomainError("Unité inconnue.", field="unit")
    if abs(unit_price_cents) >= 10_000_000_00:
        raise DomainError("Prix unitaire trop élevé.", field="unit_price_cents")
    return text


def _detail(detail: str | None) -> str:
    return domain_text(detail, field="detail", label="Le détail de la ligne", multiline=True, max_length=2000)


def _allowed_rate(invoice: Invoice, vat_rate_bp: int | None) -> int:
    regime_rate = amounts.rate_of(invoice.vat_regime)
    if vat_rate_bp is None:
        return regime_rate
    if invoice.vat_regime != VatRegime.STANDARD and vat_rate_bp != 0:
        raise DomainError("Sans TVA (franchise ou exonération), le taux de TVA est 0 %.", field="vat_rate_bp")
    if vat_rate_bp not in (0, 210, 550, 1000, 2000):
        raise DomainError("Taux de TVA inconnu (20 %, 10 %, 5,5 %, 2,1 % ou 0 %).", field="vat_rate_bp")
    return vat_rate_bp


def add_line(session: Session, actor: User | None, invoice: Invoice, *, description: str, quantity,
             unit: str = LineUnit.UNIT, unit_price_cents: int, discount_percent=0, vat_rate_bp: int | None = None,
             detail: str = "", service_id: int | None = None, now: datetime) -> InvoiceLine:
    ensure_draft(invoice)
    if len(invoice.lines) >= MAX_LINES:
        raise DomainError(f"Une facture a au plus {MAX_LINES} lignes.")
    text = _check_line_values(description, unit, unit_price_cents)
    line = InvoiceLine(invoice_id=invoice.id, position=max((ln.position for ln in invoice.lines), default=0) + 1,
                       kind=LineKind.FREE, description=text, detail=_detail(detail),
                       quantity=parse_quantity(quantity), unit=unit, unit_price_cents=int(unit_price_cents),
                       discount_percent=_discount(discount_percent), vat_rate_bp=_allowed_rate(invoice, vat_rate_bp),
                       service_id=service_id)
    invoice.lines.append(line)
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary=f"Ligne ajoutée : {text}", now=now)
    return line


def update_line(session: Session, actor: User | None, invoice: Invoice, line: InvoiceLine, *, description: str,
                quantity, unit_price_cents: int, discount_percent=0, unit: str | None = None,
                vat_rate_bp: int | None = None, detail: str | None = None, now: datetime) -> InvoiceLine:
    """Edit a draft line. The quantity of a line billing sessions or months may be changed (e.g. a gesture), its
    links stay: removing a session from the bill is done by deleting the line and drafting again."""
    ensure_draft(invoice)
    if line.invoice_id != invoice.id:
        raise DomainError("Cette ligne n'appartient pas à cette facture.")
    before = {"description": line.description, "quantity": str(line.quantity),
              "unit_price_cents": line.unit_price_cents, "discount_percent": str(line.discount_percent)}
    line.description = _check_line_values(description, unit or line.unit, unit_price_cents)
    line.quantity = parse_quantity(quantity)
    line.unit_price_cents = int(unit_price_cents)
    line.discount_percent = _discount(discount_percent)
    if unit is not None:
        line.unit = unit
    if vat_rate_bp is not None:
        line.vat_rate_bp = _allowed_rate(invoice, vat_rate_bp)
    if detail is not None:
        line.detail = _detail(detail)
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary=f"Ligne modifiée : {line.description}", before=before,
                 after={"description": line.description, "quantity": str(line.quantity),
                        "unit_price_cents": line.unit_price_cents, "discount_percent": str(line.discount_percent)},
                 now=now)
    return line


def delete_line(session: Session, actor: User | None, invoice: Invoice, line: InvoiceLine, *,
                now: datetime) -> None:
    """Remove a draft line; the sessions/months it billed become billable again."""
    ensure_draft(invoice)
    if line.invoice_id != invoice.id:
        raise DomainError("Cette ligne n'appartient pas à cette facture.")
    for item in session.execute(select(BilledItem).where(BilledItem.line_id == line.id)).scalars():
        session.delete(item)
    invoice.lines.remove(line)
    session.delete(line)
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary=f"Ligne supprimée : {line.description}", now=now)


def update_header(session: Session, actor: User | None, invoice: Invoice, *, title: str, notes: str,
                  payment_terms_days: int, vat_regime: str | None = None, period_start: date | None = None,
                  period_end: date | None = None, chorus_service_code: str | None = None,
                  chorus_engagement_number: str | None = None, now: datetime) -> Invoice:
    ensure_draft(invoice)
    if not 0 <= int(payment_terms_days) <= 60:
        raise DomainError("Le délai de paiement est de 60 jours au plus (art. L441-10 du Code de commerce).",
                          field="payment_terms_days")
    if period_start and period_end and period_end < period_start:
        raise DomainError("La fin de la période précède son début.", field="period_end")
    invoice.title = domain_text(title, field="title", label="L'objet", max_length=200)
    invoice.notes = domain_text(notes, field="notes", label="Les mentions particulières", multiline=True)
    invoice.payment_terms_days = int(payment_terms_days)
    invoice.period_start, invoice.period_end = period_start, period_end
    invoice.chorus_service_code = domain_text(chorus_service_code, field="chorus_service_code",
                                              label="Le code service", max_length=100) or None
    invoice.chorus_engagement_number = domain_text(chorus_engagement_number, field="chorus_engagement_number",
                                                   label="Le numéro d'engagement", max_length=50) or None
    if vat_regime is not None and vat_regime != invoice.vat_regime:
        invoice.vat_regime = VatRegime(vat_regime)
        rate = amounts.rate_of(invoice.vat_regime)
        for line in invoice.lines:
            line.vat_rate_bp = rate
    amounts.apply(invoice)
    session.flush()
    audit.record(session, actor, "update", invoice, summary="En-tête du brouillon modifié", now=now)
    return invoice


def delete_draft(session: Session, actor: User | None, invoice: Invoice, *, now: datetime) -> None:
    ensure_draft(invoice)
    line_ids = [ln.id for ln in invoice.lines]
    if line_ids:
        for item in session.execute(select(BilledItem).where(BilledItem.line_id.in_(line_ids))).scalars():
            session.delete(item)
    audit.record(session, actor, "delete", invoice, summary=f"Brouillon supprimé ({invoice.buyer_name})", now=now)
    session.delete(invoice)
    session.flush()


# --- queries --------------------------------------------------------------------------------------------------------


def billed_sessions(session: Session, invoice: Invoice) -> dict[int, list[BilledItem]]:
    """The billed items of each line (line id → items), in one query."""
    line_ids = [ln.id for ln in invoice.lines]
    out: dict[int, list[BilledItem]] = defaultdict(list)
    if line_ids:
        for item in session.execute(select(BilledItem).where(BilledItem.line_id.in_(line_ids))
                                    .order_by(BilledItem.id)).scalars():
            out[item.line_id].append(item)
    return out


def invoice_of_session(session: Session, session_id: int) -> Invoice | None:
    """The invoice billing a session now (draft or issued), if any."""
    stmt = (select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .join(BilledItem, BilledItem.line_id == InvoiceLine.id)
            .where(BilledItem.session_id == session_id, BilledItem.released_at.is_(None)))
    return session.execute(stmt).unique().scalars().first()


def is_session_billed(session: Session, session_id: int) -> bool:
    return session.execute(select(exists().where(BilledItem.session_id == session_id,
                                                 BilledItem.released_at.is_(None)))).scalar()


def load_with_lines(session: Session, invoice_id: int) -> Invoice | None:
    return session.execute(select(Invoice).where(Invoice.id == invoice_id)
                           .options(selectinload(Invoice.lines))).unique().scalar_one_or_none()


def credited_quantities(session: Session, invoice: Invoice) -> dict[int, Decimal]:
    """Quantity already credited per line of the invoice (by issued credit notes)."""
    line_ids = [ln.id for ln in invoice.lines]
    if not line_ids:
        return {}
    stmt = (select(InvoiceLine.credited_line_id, func.sum(InvoiceLine.quantity))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.credited_line_id.in_(line_ids), Invoice.status == InvoiceStatus.ISSUED)
            .group_by(InvoiceLine.credited_line_id))
    return {line_id: Decimal(q) for line_id, q in session.execute(stmt).all()}
