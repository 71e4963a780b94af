"""E-mailing an issued invoice or credit note to the buyer, with its stored documents attached (the Factur-X file,
and the plain PDF for portals that reject Factur-X), and the sent-log (``InvoiceSending``).

Sending writes the mail into the outbox (``core.outbox``) in the same transaction as its sent-log row; the
mail job sends it after the commit, tries again when the SMTP server fails, and sets the invoice's ``sent_at`` once
it has left. The status of each mail (en file, envoyé, échec — nouvel essai à …, abandonné) is the outbox's.

    sending.send_invoice(session, actor, invoice, recipients=…, message=…, now=now); db.session.commit()
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from coopnum.billing import company
from coopnum.billing.models import (
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceSending,
    InvoiceStatus,
    SendingKind,
)
from coopnum.billing.services.payments import euros
from coopnum.core import audit, mail, outbox
from coopnum.core.errors import DomainError
from coopnum.core.models import User
from coopnum.organisations.models import Contact, Organisation

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_RECIPIENTS = 10
MESSAGE_MAX = 2000
ATTACHMENT_ORDER = (DocumentKind.FACTURX, DocumentKind.PDF)
MAIL_KIND = "billing.invoice"


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str  # "Claire Martin (comptabilité)" or the organisation's name
    default: bool  # receives invoices (or the organisation's address when no contact does)


@dataclass
class PreparedSending:
    invoice_id: int
    recipients: list[str]
    mail: mail.Mail


# --- recipients -----------------------------------------------------------------------------------------------------

def recipients_of(session: Session, organisation: Organisation) -> list[Recipient]:
    """Who may receive the organisation's invoices: its contacts with an e-mail (those receiving invoices are the
    default ones), and the organisation's own address (the default when no contact receives invoices)."""
    contacts = session.execute(
        select(Contact).where(Contact.organisation_id == organisation.id, Contact.email.is_not(None),
                              Contact.email != "")
        .order_by(Contact.receives_invoices.desc(), Contact.last_name, Contact.first_name)
    ).scalars().all()
    result: list[Recipient] = []
    seen: set[str] = set()
    any_default = any(c.receives_invoices for c in contacts)
    for c in contacts:
        email = c.email.strip()
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        name = c.full_name + (f" ({c.job_title})" if c.job_title else "")
        result.append(Recipient(email, name, bool(c.receives_invoices)))
    if organisation.email and organisation.email.strip().lower() not in seen:
        result.append(Recipient(organisation.email.strip(), organisation.name, not any_default))
    return result


def default_recipients(session: Session, organisation: Organisation) -> list[str]:
    return [r.email for r in recipients_of(session, organisation) if r.default]


def clean_recipients(recipients: list[str] | None, defaults: list[str], *, who: str) -> list[str]:
    """The addresses to write to: those given (checked, deduplicated), else the defaults; DomainError if none."""
    if recipients:
        emails: list[str] = []
        for raw in recipients:
            for part in re.split(r"[,;\s]+", raw or ""):
                if not part:
                    continue
                if not EMAIL_RE.match(part):
                    raise DomainError(f"Adresse électronique invalide : {part}", field="recipients")
                if part.lower() not in {e.lower() for e in emails}:
                    emails.append(part)
    else:
        emails = list(defaults)
    if not emails:
        raise DomainError(f"{who} n'a ni interlocuteur·rice recevant les factures ni adresse électronique : "
                          "ajoutez-en une sur sa fiche, ou indiquez un destinataire.", field="recipients")
    if len(emails) > MAX_RECIPIENTS:
        raise DomainError(f"{MAX_RECIPIENTS} destinataires au plus.", field="recipients")
    return emails


# --- links ----------------------------------------------------------------------------------------------------------

def absolute_url(endpoint: str, **values) -> str | None:
    """An absolute URL from COOPNUM_BASE_URL, in a request or not (jobs)."""
    app = current_app
    base = app.config["COOPNUM_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with app.test_request_context():
        return base + url_for(endpoint, **values)


def report_url(invoice: Invoice) -> str | None:
    """The activity report of the invoice's convention for the invoiced period (on the authority's portal)."""
    if not (invoice.convention_id and invoice.period_start and invoice.period_end):
        return None
    from coopnum.reports.services.reports import Period

    return absolute_url("reports.convention_report", convention_id=invoice.convention_id,
                        **Period("custom", invoice.period_start, invoice.period_end).args())


# --- the mail -------------------------------------------------------------------------------------------------------

def documents(session: Session, invoice: Invoice) -> dict[str, InvoiceDocument]:
    rows = session.execute(select(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice.id)).scalars()
    return {d.kind: d for d in rows}


def seller_name(session: Session, invoice: Invoice) -> str:
    return (invoice.seller or {}).get("name") or company.identity(session).get("name") or "coopnum"


def subject_of(session: Session, invoice: Invoice) -> str:
    what = "Avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Facture"
    return f"{what} {invoice.number} — {seller_name(session, invoice)}"


def _has_portal_account(session: Session, organisation_id: int) -> bool:
    return session.execute(select(User.id).where(User.organisation_id == organisation_id,
                                                 User.active.is_(True)).limit(1)).first() is not None


def body_of(session: Session, invoice: Invoice, message: str = "") -> str:
    seller = invoice.seller or company.identity(session)
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    lines = ["Bonjour,", ""]
    if credit:
        origin = session.get(Invoice, invoice.credit_of_id) if invoice.credit_of_id else None
        lines.append(f"Veuillez trouver ci-joint notre avoir {invoice.number} du {invoice.issue_date:%d/%m/%Y}"
                     + (f", qui porte sur la facture {origin.number}" if origin else "")
                     + f", d'un montant de {euros(invoice.total_incl_cents)} TTC.")
    else:
        lines.append(f"Veuillez trouver ci-joint notre facture {invoice.number} du {invoice.issue_date:%d/%m/%Y}, "
                     f"d'un montant de {euros(invoice.total_incl_cents)} TTC"
                     + (f", à régler au plus tard le {invoice.due_date:%d/%m/%Y}." if invoice.due_date else "."))
    if invoice.title:
        lines.append(f"Objet : {invoice.title}")
    if invoice.period_start and invoice.period_end:
        lines.append(f"Période : du {invoice.period_start:%d/%m/%Y} au {invoice.period_end:%d/%m/%Y}")
    if invoice.chorus_engagement_number:
        lines.append(f"Numéro d'engagement : {invoice.chorus_engagement_number}")
    if message.strip():
        lines += ["", message.strip()]
    lines += ["", "Deux fichiers sont joints : la facture électronique au format Factur-X (PDF lisible qui contient "
              "aussi les données de la facture) et la même facture en PDF simple."]
    if not credit and seller.get("iban"):
        lines.append(f"Règlement par virement : IBAN {seller['iban']}" + (f", BIC {seller['bic']}"
                                                                          if seller.get("bic") else "")
                     + f", en rappelant la référence {invoice.number}.")
    if _has_portal_account(session, invoice.organisation_id):
        portal = absolute_url("billing.portal_invoices")
        if portal:
            lines += ["", f"Vos factures sont aussi dans votre espace : {portal}"]
        report = report_url(invoice)
        if report:
            lines.append(f"Le bilan d'activité de la période facturée y est consultable : {report}")
    lines += ["", "Cordialement,", seller.get("name") or ""]
    contact = " · ".join(x for x in (seller.get("email"), seller.get("phone")) if x)
    if contact:
        lines.append(contact)
    return "\n".join(lines) + "\n"


# --- the steps ------------------------------------------------------------------------------------------------------

def prepare(session: Session, invoice: Invoice, *, recipients: list[str] | None = None,
            message: str = "") -> PreparedSending:
    """Check that the invoice can be sent and build the mail (reads only)."""
    if invoice.status != InvoiceStatus.ISSUED or not invoice.number:
        raise DomainError("Seule une facture ou un avoir émis peut être envoyé : émettez d'abord ce brouillon.")
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise DomainError(f"Le message ne doit pas dépasser {MESSAGE_MAX} caractères.", field="message")
    organisation = invoice.organisation or session.get(Organisation, invoice.organisation_id)
    defaults = default_recipients(session, organisation)
    if not defaults and invoice.buyer_email:
        defaults = [invoice.buyer_email]
    emails = clean_recipients(recipients, defaults, who=f"La structure « {organisation.name} »")
    docs = documents(session, invoice)
    attachments = [mail.Attachment(docs[kind].filename, docs[kind].content, "application/pdf")
                   for kind in ATTACHMENT_ORDER if kind in docs]
    if not attachments:
        raise DomainError(f"Les documents de la facture {invoice.number} sont introuvables.")
    seller = invoice.seller or company.identity(session)
    return PreparedSending(
        invoice_id=invoice.id, recipients=emails,
        mail=mail.Mail(to=emails, subject=subject_of(session, invoice), body=body_of(session, invoice, message),
                       attachments=attachments, reply_to=seller.get("email") or None),
    )


def queue(session: Session, actor: User | None, invoice: Invoice, prepared: PreparedSending, *,
          now: datetime) -> InvoiceSending:
    """Write the mail into the outbox and the sent-log row that follows it, and the audit log (the caller commits:
    the mail leaves after the commit, through the mail job; the invoice's ``sent_at`` is set when it has left)."""
    queued = outbox.queue(session, prepared.mail, kind=MAIL_KIND, about=invoice, actor=actor, now=now)
    row = InvoiceSending(invoice_id=invoice.id, kind=SendingKind.INVOICE,
                         recipients=", ".join(prepared.recipients)[:1000], subject=prepared.mail.subject[:300],
                         ok=True, sent_at=now, sent_by_id=actor.id if actor else None, outbox_id=queued.id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "send", invoice,
                 summary=f"{invoice.number} mise en file d'envoi pour {row.recipients}",
                 after={"recipients": prepared.recipients}, now=now)
    return row


def send_invoice(session: Session, actor: User | None, invoice: Invoice, *, recipients: list[str] | None = None,
                 message: str = "", now: datetime) -> InvoiceSending:
    """Prepare the mail and queue it in one call (the caller commits)."""
    return queue(session, actor, invoice, prepare(session, invoice, recipients=recipients, message=message), now=now)


def _invoice_mail_sent(session: Session, row, now: datetime) -> None:
    invoice = session.get(Invoice, row.about_id) if row.about_id else None
    if invoice is not None:
        invoice.sent_at = now


def init_app(app) -> None:
    outbox.register_kind(MAIL_KIND, _l("Facture ou avoir"), on_sent=_invoice_mail_sent)


def log_of(session: Session, invoice: Invoice) -> list[InvoiceSending]:
    """The sent-log of an invoice, newest first (invoices and reminders)."""
    return list(session.execute(
        select(InvoiceSending).where(InvoiceSending.invoice_id == invoice.id)
        .order_by(InvoiceSending.sent_at.desc(), InvoiceSending.id.desc())
    ).scalars())
