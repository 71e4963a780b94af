"""Quotes (devis): drafted for an organisation (optionally answering a request for a service), sent numbered in
their own continuous series, then accepted (→ a draft convention or a draft invoice), declined or expired.

    draft ──send──► sent ──accept──► accepted (convention or invoice)
      │               ├──decline──► declined
      │               └──(valid_until passed)──► expired
      └──delete

A sent quote never changes: "duplicate" makes a new draft from it (a new version). Services take the acting user
and ``now``, flush but never commit, write the audit log and raise ``DomainError`` with a French message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlmodel import Session

from coopnum.billing import amounts, numbering
from coopnum.billing.models import LineKind, LineUnit, Quote, QuoteLine, QuoteStatus
from coopnum.core import audit, settings
from coopnum.core.access import is_staff
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import User
from coopnum.core.validation import domain_text
from coopnum.missions.models import RequestStatus, ServiceRequest
from coopnum.organisations.models import Convention, Organisation, PricingMode, Service, VatRegime

TITLE_MAX = 200
DESCRIPTION_MAX = 300
NOTES_MAX = 4000
MAX_LINES = 100
QUANTITY_MAX = Decimal("1000000")

# A quote line's unit → the pricing of the convention it becomes (the other units have no convention pricing).
UNIT_PRICING = {
    LineUnit.HOUR: PricingMode.HOURLY,
    LineUnit.SESSION: PricingMode.PER_SESSION,
    LineUnit.WORKSHOP: PricingMode.PER_WORKSHOP,
    LineUnit.MONTH: PricingMode.MONTHLY_FLAT,
}


class Target:
    CONVENTION = "convention"
    INVOICE = "invoice"


@dataclass(frozen=True)
class LineInput:
    """A line as typed: a catalogue service fills what is left empty (description, unit, price)."""

    description: str = ""
    quantity: Decimal | str | int = Decimal(1)
    unit: str | None = None
    unit_price_cents: int | None = None
    discount_percent: Decimal | str | int = Decimal(0)
    service_id: int | None = None
    detail: str = ""


# --- reading --------------------------------------------------------------------------------------------------------

def effective_status(quote: Quote, today: date) -> str:
    """The status to show: a sent quote past its validity is expired, even before the daily job marks it so."""
    if quote.status == QuoteStatus.SENT and quote.valid_until is not None and today > quote.valid_until:
        return QuoteStatus.EXPIRED
    return quote.status


def catalogue(session: Session) -> list[Service]:
    return list(session.execute(select(Service).where(Service.active.is_(True)).order_by(Service.name)).scalars())


def label(quote: Quote) -> str:
    return quote.number or f"brouillon n° {quote.id}"


# --- checks ---------------------------------------------------------------------------------------------------------

def _check_staff(actor: User | None) -> None:
    if actor is not None and not is_staff(actor):
        raise Forbidden("Seule la coordination gère les devis.")


def _check_draft(quote: Quote) -> None:
    if quote.status != QuoteStatus.DRAFT:
        raise DomainError(f"Le devis {label(quote)} est envoyé : il ne change plus. Dupliquez-le pour en faire une "
                          "nouvelle version.")


def _text(value: str | None, *, field: str, limit: int, label_: str, required: bool = False,
          multiline: bool = False) -> str:
    text = domain_text(value, field=field, label=label_, multiline=multiline)
    if required and not text:
        raise DomainError(f"{label_} est obligatoire.", field=field)
    if len(text) > limit:
        raise DomainError(f"{label_} ne doit pas dépasser {limit} caractères.", field=field)
    return text


def _regime(value: str | None) -> str:
    try:
        return VatRegime(value or VatRegime.STANDARD).value
    except ValueError:
        raise DomainError("Régime de TVA inconnu.", field="vat_regime") from None


def _decimal(value, *, field: str, message: str) -> Decimal:
    if isinstance(value, str):
        value = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise DomainError(message, field=field) from None
    if not number.is_finite():
        raise DomainError(message, field=field)
    return number


def _organisation(session: Session, organisation_id) -> Organisation:
    org = None
    if organisation_id:
        try:
            org = session.get(Organisation, int(organisation_id))
        except (TypeError, ValueError):
            org = None
    if org is None:
        raise DomainError("Choisissez la structure à qui s'adresse le devis.", field="organisation_id")
    return org


# --- lines ----------------------------------------------------------------------------------------------------------

def _build_line(session: Session, quote: Quote, row: LineInput, position: int) -> QuoteLine:
    where = f"Ligne {position}"
    service = None
    if row.service_id:
        service = session.get(Service, int(row.service_id))
        if service is None:
            raise DomainError(f"{where} : prestation inconnue au catalogue.", field="lines")
    description = domain_text(row.description, field="lines", label=f"{where}, la description") or (
        service.name if service else "")
    if not description:
        raise DomainError(f"{where} : décrivez la prestation ou choisissez-la au catalogue.", field="lines")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(f"{where} : la description ne doit pas dépasser {DESCRIPTION_MAX} caractères.",
                          field="lines")
    quantity = _decimal(row.quantity, field="lines", message=f"{where} : quantité invalide (par exemple 12 ou 2,5).")
    if quantity <= 0 or quantity >= QUANTITY_MAX or quantity != quantity.quantize(Decimal("0.001")):
        raise DomainError(f"{where} : la quantité doit être positive, avec 3 décimales au plus.", field="lines")
    unit = row.unit or (service.unit if service else LineUnit.UNIT)
    if unit not in {u.value for u in LineUnit}:
        raise DomainError(f"{where} : unité inconnue.", field="lines")
    price = row.unit_price_cents
    if price is None:
        if service is None:
            raise DomainError(f"{where} : indiquez le prix unitaire HT.", field="lines")
        price = service.unit_price_cents
    price = int(price)
    if abs(price) >= 10_000_000_000:
        raise DomainError(f"{where} : prix unitaire trop élevé.", field="lines")
    discount = _decimal(row.discount_percent, field="lines", message=f"{where} : remise invalide (un pourcentage).")
    if discount < 0 or discount > 100 or discount != discount.quantize(Decimal("0.01")):
        raise DomainError(f"{where} : la remise est un pourcentage entre 0 et 100 (2 décimales au plus).",
                          field="lines")
    return QuoteLine(
        position=position, kind=LineKind.FREE, description=description,
        detail=domain_text(row.detail, field="lines", label=f"{where}, le détail", multiline=True, max_length=2000),
        quantity=quantity, unit=unit, unit_price_cents=price, discount_percent=discount,
        vat_rate_bp=amounts.rate_of(quote.vat_regime), service_id=service.id if service else None,
    )


def _snapshot(quote: Quote) -> dict:
    return audit.snapshot(quote, ["status", "number", "organisation_id", "title", "vat_regime", "total_excl_cents",
                                  "total_vat_cents", "total_incl_cents", "issue_date", "valid_until"]) | {
        "lines": [[line.description, str(line.quantity), line.unit, line.unit_price_cents,
                   str(line.discount_percent)] for line in quote.lines]}


def _retotal(quote: Quote) -> None:
    rate = amounts.rate_of(quote.vat_regime)
    for line in quote.lines:
        line.vat_rate_bp = rate
    amounts.apply(quote)


# --- create, edit ---------------------------------------------------------------------------------------------------

def create(session: Session, actor: User | None, *, organisation_id: int | None = None, title: str = "",
           request: ServiceRequest | None = None, vat_regime: str | None = None, notes: str = "",
           lines: list[LineInput] | None = None, now: datetime) -> Quote:
    """A new draft quote. From a request: its organisation, a title and a line of the requested service at its
    catalogue price (the request is marked quoted when the quote is sent)."""
    _check_staff(actor)
    service = None
    if request is not None:
        organisation_id = request.organisation_id
        service = request.service
    org = _organisation(session, organisation_id)
    if org.archived:
        raise DomainError("Cette structure est archivée : on ne lui fait plus de devis.", field="organisation_id")
    if not (title or "").strip() and service is not None:
        title = service.name
    title = _text(title, field="title", limit=TITLE_MAX, label_="L'objet du devis", required=True)
    regime = _regime(vat_regime or (service.vat_regime if service else None))
    quote = Quote(organisation_id=org.id, request_id=request.id if request else None, title=title,
                  vat_regime=regime, notes=_text(notes, field="notes", limit=NOTES_MAX, label_="Les conditions",
                                      multiline=True),
                  status=QuoteStatus.DRAFT, created_by_id=actor.id if actor else None, created_at=now,
                  updated_at=now)
    session.add(quote)
    rows = list(lines or [])
    if not rows and service is not None:
        detail = request.description[:DESCRIPTION_MAX] if request.description else ""
        rows = [LineInput(service_id=service.id, quantity=Decimal(1), detail=detail)]
    quote.lines = [_build_line(session, quote, row, n) for n, row in enumerate(rows, 1)]
    _retotal(quote)
    session.flush()
    audit.record(session, actor, "create", quote, summary=f"Devis créé pour {org.name} : {title}",
                 after=_snapshot(quote), now=now)
    return quote


def update(session: Session, actor: User | None, quote: Quote, *, organisation_id: int | None = None,
           title: str | None = None, vat_regime: str | None = None, notes: str | None = None,
           lines: list[LineInput] | None = None, now: datetime) -> Quote:
    """Edit a draft: its header (what is given) and, when ``lines`` is given, all its lines (replaced)."""
    _check_staff(actor)
    _check_draft(quote)
    before = _snapshot(quote)
    if organisation_id is not None and organisation_id != quote.organisation_id:
        if quote.request_id:
            raise DomainError("Ce devis répond à une demande : sa structure ne change pas.", field="organisation_id")
        org = _organisation(session, organisation_id)
        if org.archived:
            raise DomainError("Cette structure est archivée : on ne lui fait plus de devis.",
                              field="organisation_id")
        quote.organisation_id = org.id
        quote.organisation = org
    if title is not None:
        quote.title = _text(title, field="title", limit=TITLE_MAX, label_="L'objet du devis", required=True)
    if vat_regime is not None:
        quote.vat_regime = _regime(vat_regime)
    if notes is not None:
        quote.notes = _text(notes, field="notes", limit=NOTES_MAX, label_="Les conditions", multiline=True)
    if lines is not None:
        if len(lines) > MAX_LINES:
            raise DomainError(f"Un devis a {MAX_LINES} lignes au plus.", field="lines")
        new_lines = [_build_line(session, quote, row, n) for n, row in enumerate(lines, 1)]
        quote.lines.clear()
        session.flush()
        quote.lines.extend(new_lines)
    _retotal(quote)
    quote.updated_at = now
    session.flush()
    after = _snapshot(quote)
    if before != after:
        audit.record(session, actor, "update", quote, summary=f"Devis {label(quote)} modifié",
                     before=before, after=after, now=now)
    return quote


def add_line(session: Session, actor: User | None, quote: Quote, row: LineInput, *, now: datetime) -> QuoteLine:
    _check_staff(actor)
    _check_draft(quote)
    if len(quote.lines) >= MAX_LINES:
        raise DomainError(f"Un devis a {MAX_LINES} lignes au plus.", field="lines")
    line = _build_line(session, quote, row, len(quote.lines) + 1)
    quote.lines.append(line)
    _retotal(quote)
    quote.updated_at = now
    session.flush()
    audit.record(session, actor, "update", quote, summary=f"Devis {label(quote)} : ligne ajoutée « "
                 f"{line.description} »", now=now)
    return line


def delete(session: Session, actor: User | None, quote: Quote, *, now: datetime) -> None:
    """Delete a draft (a sent quote is kept: it has a number of the continuous series)."""
    _check_staff(actor)
    _check_draft(quote)
    audit.record(session, actor, "delete", quote, summary=f"Devis brouillon supprimé : {quote.title}",
                 before=_snapshot(quote), now=now)
    session.delete(quote)
    session.flush()


def duplicate(session: Session, actor: User | None, quote: Quote, *, now: datetime) -> Quote:
    """A new draft with the same organisation, title, conditions and lines (a new version of a sent quote)."""
    _check_staff(actor)
    copy = Quote(organisation_id=quote.organisation_id, request_id=quote.request_id, title=quote.title,
                 vat_regime=quote.vat_regime, notes=quote.notes, status=QuoteStatus.DRAFT,
                 created_by_id=actor.id if actor else None, created_at=now, updated_at=now)
    session.add(copy)
    copy.lines = [QuoteLine(position=line.position, kind=line.kind, description=line.description,
                            detail=line.detail, quantity=line.quantity, unit=line.unit,
                            unit_price_cents=line.unit_price_cents, discount_percent=line.discount_percent,
                            vat_rate_bp=line.vat_rate_bp, service_id=line.service_id) for line in quote.lines]
    _retotal(copy)
    session.flush()
    audit.record(session, actor, "create", copy, summary=f"Devis dupliqué depuis {label(quote)}",
                 after=_snapshot(copy), now=now)
    return copy


# --- send, accept, decline, expire ----------------------------------------------------------------------------------

def validity_days(session: Session) -> int:
    try:
        return max(1, int(settings.get(session, "billing.quote_validity_days")))
    except (TypeError, ValueError):
        return 60


def send(session: Session, actor: User | None, quote: Quote, *, now: datetime) -> Quote:
    """Number the quote in its series (``billing.quote_prefix`` + year: D2026-00001), date it and set its validity;
    a request it answers becomes "quoted" with the quote's number. The e-mail is sent by the caller after commit
    (or not at all: "mark as sent")."""
    _check_staff(actor)
    _check_draft(quote)
    if not quote.lines:
        raise DomainError("Ajoutez au moins une ligne avant d'envoyer le devis.", field="lines")
    _retotal(quote)
    if quote.total_excl_cents <= 0:
        raise DomainError("Le montant du devis doit être positif.", field="lines")
    before = _snapshot(quote)
    today = paris_today(now)
    prefix = str(settings.get(session, "billing.quote_prefix") or "D")
    series = f"{prefix}{today.year}"
    quote.number = numbering.format_number(series, numbering.next_value(session, series))
    quote.status = QuoteStatus.SENT
    quote.issue_date = today
    quote.valid_until = today + timedelta(days=validity_days(session))
    quote.sent_at = now
    quote.updated_at = now
    session.flush()
    audit.record(session, actor, "send", quote, summary=f"Devis {quote.number} envoyé",
                 before=before, after=_snapshot(quote), now=now)
    if quote.request_id:
        _mark_request_quoted(session, actor, quote, now=now)
    return quote


def _mark_request_quoted(session: Session, actor: User | None, quote: Quote, *, now: datetime) -> None:
    from coopnum.missions.services import requests as request_services

    request = session.get(ServiceRequest, quote.request_id)
    if request is None or RequestStatus.QUOTED not in request_services.TRANSITIONS[RequestStatus(request.status)]:
        return  # planned or declined meanwhile: the request is closed, the quote stands alone
    request_services.quote_request(session, actor, request, quote.number, now=now)


def _check_decidable(quote: Quote, today: date) -> None:
    status = effective_status(quote, today)
    if status == QuoteStatus.DRAFT:
        raise DomainError("Ce devis n'est pas encore envoyé.")
    if status == QuoteStatus.EXPIRED:
        raise DomainError(f"Le devis {quote.number} a expiré le {quote.valid_until:%d/%m/%Y} : dupliquez-le pour en "
                          "envoyer une nouvelle version.")
    if status != QuoteStatus.SENT:
        raise DomainError(f"Le devis {quote.number} est déjà {'accepté' if status == QuoteStatus.ACCEPTED else 'refusé'}.")


def decline(session: Session, actor: User | None, quote: Quote, *, now: datetime) -> Quote:
    _check_staff(actor)
    _check_decidable(quote, paris_today(now))
    quote.status = QuoteStatus.DECLINED
    quote.decided_at = now
    quote.updated_at = now
    audit.record(session, actor, "decline", quote, summary=f"Devis {quote.number} refusé par la structure",
                 before={"status": QuoteStatus.SENT.value}, after={"status": quote.status}, now=now)
    return quote


def _convention_terms(session: Session, quote: Quote, start_date: date, end_date: date) -> dict:
    """The terms of the draft convention a quote becomes: priced by its main line (the largest amount among the
    lines per hour, session, workshop or month); the volume is the quantity of the lines of that unit."""
    priced = [line for line in quote.lines if line.unit in UNIT_PRICING]
    if not priced:
        raise DomainError("Aucune ligne de ce devis n'est à l'heure, à la séance, à l'atelier ou au mois : "
                          "acceptez-le plutôt en facture.", field="target")
    main = max(priced, key=lambda line: (line.total_excl_cents, -line.position))
    mode = UNIT_PRICING[LineUnit(main.unit)]
    unit_price = amounts.line_total_cents(Decimal(1), main.unit_price_cents, main.discount_percent)
    volume = sum((line.quantity for line in priced if line.unit == main.unit), Decimal(0))
    services = {}
    for line in quote.lines:
        if line.service_id and line.service_id not in services:
            services[line.service_id] = amounts.line_total_cents(Decimal(1), line.unit_price_cents,
                                                                 line.discount_percent)
    org = quote.organisation or session.get(Organisation, quote.organisation_id)
    days = int(settings.get(session, "billing.payment_terms_days") or 30)
    days = min(days, 30 if org.is_public else 60)
    terms = {
        "organisation_id": quote.organisation_id, "title": quote.title[:200], "start_date": start_date,
        "end_date": end_date, "pricing_mode": mode.value, "vat_regime": quote.vat_regime,
        "payment_terms_days": days, "services": list(services.items()),
        "notes": f"Issue du devis {quote.number} du {quote.issue_date:%d/%m/%Y}.",
    }
    if mode == PricingMode.MONTHLY_FLAT:
        terms |= {"monthly_fee_cents": unit_price, "contracted_volume": Decimal(0)}
    else:
        terms |= {"unit_price_cents": unit_price, "contracted_volume": volume}
    return terms


def accept(session: Session, actor: User | None, quote: Quote, *, target: str, start_date: date | None = None,
           end_date: date | None = None, now: datetime) -> Quote:
    """The organisation accepted: the quote becomes a draft convention (from ``start_date`` to ``end_date``) or a
    draft invoice with the same lines; the quote keeps the link."""
    _check_staff(actor)
    _check_decidable(quote, paris_today(now))
    if target == Target.CONVENTION:
        from coopnum.organisations.services import conventions

        if start_date is None or end_date is None:
            raise DomainError("Indiquez les dates de début et de fin de la convention.",
                              field="start_date" if start_date is None else "end_date")
        if end_date < start_date:
            raise DomainError("La date de fin doit être postérieure à la date de début.", field="end_date")
        convention = conventions.create_convention(
            session, actor, conventions.ConventionData(**_convention_terms(session, quote, start_date, end_date)),
            now=now)
        quote.convention_id = convention.id
        result = f"convention {convention.reference}"
    elif target == Target.INVOICE:
        from coopnum.billing.services import invoices

        org = quote.organisation or session.get(Organisation, quote.organisation_id)
        invoice = invoices.new_draft(session, actor, org, title=quote.title, now=now)
        invoice.vat_regime = quote.vat_regime
        invoice.notes = f"Selon notre devis {quote.number} du {quote.issue_date:%d/%m/%Y}."
        for line in quote.lines:
            invoices.add_line(session, actor, invoice, description=line.description, quantity=line.quantity,
                              unit=line.unit, unit_price_cents=line.unit_price_cents,
                              discount_percent=line.discount_percent, vat_rate_bp=line.vat_rate_bp,
                              detail=line.detail, service_id=line.service_id, now=now)
        quote.invoice_id = invoice.id
        result = f"facture brouillon n° {invoice.id}"
    else:
        raise DomainError("Choisissez ce que devient le devis : une convention ou une facture.", field="target")
    quote.status = QuoteStatus.ACCEPTED
    quote.decided_at = now
    quote.updated_at = now
    session.flush()
    audit.record(session, actor, "accept", quote, summary=f"Devis {quote.number} accepté → {result}",
                 before={"status": QuoteStatus.SENT.value},
                 after={"status": quote.status, "convention_id": quote.convention_id,
                        "invoice_id": quote.invoice_id}, now=now)
    return quote


def expire_due(session: Session, *, now: datetime) -> int:
    """Mark expired the sent quotes whose validity has passed (idempotent); returns how many."""
    today = paris_today(now)
    ids = list(session.execute(select(Quote.id).where(Quote.status == QuoteStatus.SENT,
                                                      Quote.valid_until < today)).scalars())
    if not ids:
        return 0
    session.execute(sql_update(Quote).where(Quote.id.in_(ids)).values(status=QuoteStatus.EXPIRED, updated_at=now)
                    .execution_options(synchronize_session="fetch"))
    for quote_id in ids:
        audit.record(session, None, "expire", object_type="Quote", object_id=quote_id,
                     summary="Devis expiré (date de validité dépassée)", now=now)
    session.flush()
    return len(ids)


def default_convention_dates(session: Session, quote: Quote, today: date) -> tuple[date, date]:
    """Proposed dates of the convention: the request's wished period, else a year from today."""
    request = session.get(ServiceRequest, quote.request_id) if quote.request_id else None
    start = (request.wished_start if request and request.wished_start else None) or today
    end = (request.wished_end if request and request.wished_end else None)
    if end is None or end < start:
        try:
            end = start.replace(year=start.year + 1) - timedelta(days=1)
        except ValueError:  # 29 February
            end = start + timedelta(days=364)
    return start, end


def convention_of(session: Session, quote: Quote) -> Convention | None:
    return session.get(Convention, quote.convention_id) if quote.convention_id else None


# --- the document and its mail --------------------------------------------------------------------------------------

def pdf_filename(quote: Quote) -> str:
    return f"Devis-{quote.number or f'brouillon-{quote.id}'}.pdf"


def render_pdf(session: Session, quote: Quote) -> bytes:
    """The quote as a PDF, rendered on demand (a quote is not a legal record like an invoice): the seller's identity
    and the billing settings as they are now."""
    from coopnum.billing import documents

    return documents.render_quote_pdf(quote, documents.quote_inputs(session, quote))


def mail_body(session: Session, quote: Quote, message: str = "") -> str:
    from coopnum.billing import company
    from coopnum.billing.services.payments import euros

    seller = company.identity(session)
    lines = ["Bonjour,", "",
             f"Veuillez trouver ci-joint notre devis {quote.number} du {quote.issue_date:%d/%m/%Y} : {quote.title}.",
             f"Montant : {euros(quote.total_excl_cents)} HT, {euros(quote.total_incl_cents)} TTC.",
             f"Il est valable jusqu'au {quote.valid_until:%d/%m/%Y}."]
    if message.strip():
        lines += ["", message.strip()]
    lines += ["", "Pour l'accepter, retournez-le signé avec la mention « Bon pour accord », ou répondez à ce "
              "courriel.", "", "Cordialement,", seller.get("name") or ""]
    contact = " · ".join(x for x in (seller.get("email"), seller.get("phone")) if x)
    if contact:
        lines.append(contact)
    return "\n".join(lines) + "\n"


MAIL_KIND = "billing.quote"


def mail_for(session: Session, quote: Quote, pdf: bytes, recipients: list[str], message: str = ""):
    """The e-mail of a sent quote, its PDF attached."""
    from coopnum.billing import company
    from coopnum.core import mail

    seller = company.identity(session)
    return mail.Mail(to=recipients, subject=f"Devis {quote.number} — {seller.get('name') or 'coopnum'}",
                     body=mail_body(session, quote, message),
                     attachments=[mail.Attachment(pdf_filename(quote), pdf, "application/pdf")],
                     reply_to=seller.get("email") or None)

