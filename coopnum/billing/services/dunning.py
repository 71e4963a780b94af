"""The dunning sequence of overdue invoices, and late interest.

- Setting ``billing.dunning_days`` (default ``[7, 21, 45]``): days after the due date at which reminder levels
  1, 2, … are due; the last level is a formal notice (mise en demeure).
- The daily job (``coopnum.billing.jobs``) calls ``run``: for every issued invoice with a positive balance whose
  due date passed, the highest level whose delay is reached and that was not sent yet gets a ``Reminder`` row
  (unique per invoice and level) and ``Invoice.dunning_level`` is raised. Running it twice the same day, or on the
  following days, sends nothing twice; when the job did not run for days, only the highest reached level is sent
  (never a burst of the skipped ones). Their mails are written into the outbox in the same transaction
  (``queue_mails``) and leave after the commit through the mail job, which retries while the SMTP server fails.
- Late interest (``coopnum.billing.legal``, the wording per kind of buyer): balance × (ECB rate + 8 points for a
  public buyer, art. R2192-31 CCP; + 10 points for a professional private buyer, art. L441-10 C. com.) × days late
  / 365, rounded to the cent (exact decimals), plus the fixed 40 € recovery indemnity, once per invoice. The ECB
  rate is the one of the semester in which the interest starts to run (the day after the due date, the dated
  rates of ``coopnum.core.rates``): while it is missing, that invoice's reminder waits (never an interest at 0 %)
  and ``missing_rates`` tells the coordinator which semester to fill in. An invoice issued under a convention that
  sets its own late-penalty rate (``Invoice.penalty_rate_bp``, frozen at issue) runs at that yearly rate instead,
  and needs no ECB rate.

Reminder mails are written in French whatever the interface language: they are letters to French buyers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload
from sqlmodel import Session

from coopnum.billing import company, legal
from coopnum.billing.models import (
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceSending,
    InvoiceStatus,
    Reminder,
    SendingKind,
    owed_sql,
)
from coopnum.billing.services import ecb
from coopnum.billing.services.payments import euros
from coopnum.core import audit, mail, outbox, settings
from coopnum.core.clock import paris_today
from coopnum.core.models import DatedRate, RateKind, Setting
from coopnum.core.money import round_cents
from coopnum.organisations.models import Organisation

INDEMNITY_CENTS = legal.INDEMNITY_CENTS  # art. D441-5 C. com. (D2192-35 CCP for public buyers)
MAX_LEVELS = 10
MAIL_KIND = "billing.reminder"


def dunning_days(session: Session) -> list[int]:
    """The delays of the levels (days after the due date), increasing, without duplicates."""
    return _dunning_days(settings.get(session, "billing.dunning_days"))


def _dunning_days(raw) -> list[int]:
    """The levels' delays from the setting's stored value (a list, or a text « 7, 21; 45 »)."""
    raw = raw or []
    days = []
    for value in raw if isinstance(raw, list | tuple) else str(raw).replace(";", ",").split(","):
        try:
            n = int(value)
        except (TypeError, ValueError):
            continue
        if n > 0:
            days.append(n)
    return sorted(set(days))[:MAX_LEVELS]


def interest_semester(invoice: Invoice) -> date:
    """The semester whose ECB rate applies: the one of the first day of delay (the day after the due date)."""
    return semester_after(invoice.due_date)


def semester_after(due_date: date) -> date:
    """The semester of the first day of delay of an invoice due on ``due_date``."""
    return legal.semester_start(due_date + timedelta(days=1))


def category_of(invoice: Invoice, organisation: Organisation | None = None) -> legal.BuyerCategory:
    org = organisation if organisation is not None else invoice.organisation
    return legal.category_of(org.kind if org is not None else None)


def late_interest(invoice: Invoice, on_date: date, ecb_rate_bp: int | None,
                  category: legal.BuyerCategory = legal.BuyerCategory.PUBLIC) -> tuple[int, int, int]:
    """(days late, interest in cents, indemnity in cents) of the invoice's balance on that date, at the rate its
    convention set (frozen on the invoice), else at the ECB rate given plus the points of the buyer's category."""
    if invoice.due_date is None or on_date <= invoice.due_date or invoice.balance_cents <= 0:
        return 0, 0, 0
    days = (on_date - invoice.due_date).days
    rate = legal.penalty_rate_bp(category, ecb_rate_bp, getattr(invoice, "penalty_rate_bp", None))
    interest = round_cents(Decimal(invoice.balance_cents) * Decimal(rate) * Decimal(days) / Decimal(10000 * 365))
    return days, interest, INDEMNITY_CENTS


def level_for(days_late: int, days: list[int]) -> int:
    """The highest level whose delay is reached (0: none)."""
    return sum(1 for d in days if days_late >= d)


def is_formal_notice(level: int, days: list[int]) -> bool:
    return bool(days) and level >= len(days)


def reminders_of(session: Session, invoice: Invoice) -> list[Reminder]:
    return list(session.execute(select(Reminder).where(Reminder.invoice_id == invoice.id)
                                .order_by(Reminder.level)).scalars())


def _due_stmt(today: date, days: list[int]):
    return (select(Invoice)
            .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.kind == InvoiceKind.INVOICE, owed_sql(),
                   Invoice.due_date <= today - timedelta(days=days[0]), Invoice.dunning_level < len(days))
            .options(lazyload(Invoice.lines))
            .order_by(Invoice.due_date, Invoice.id))


def _due(session: Session, today: date, days: list[int]) -> list[tuple[Invoice, int, int | None]]:
    """(invoice, level to send, ECB rate of its semester or None) of the invoices whose next reminder is due; an
    invoice at its convention's rate needs no ECB rate (None, and it does not wait: ``waits``)."""
    rates: dict[date, int | None] = {}
    due = []
    for invoice in session.execute(_due_stmt(today, days)).unique().scalars().all():
        level = level_for((today - invoice.due_date).days, days)
        if level <= invoice.dunning_level:
            continue
        semester = interest_semester(invoice)
        if semester not in rates and invoice.penalty_rate_bp is None:
            rates[semester] = ecb.rate_for(session, semester)
        due.append((invoice, level, rates.get(semester)))
    return due


def waits(invoice: Invoice, ecb_rate_bp: int | None) -> bool:
    """The invoice's reminder waits for the ECB rate of its semester (never an interest at 0 %)."""
    return ecb_rate_bp is None and invoice.penalty_rate_bp is None


def missing_rates(session: Session, *, now: datetime) -> list[ecb.MissingRate]:
    """The semesters whose ECB rate is missing while reminders are due (they wait for it), with their invoices.

    One query whatever the number of overdue invoices and semesters (the dashboard shows it): the number, due date
    and level of the overdue invoices that run at the ECB rate, with the setting ``billing.dunning_days`` (joined)
    and, to tell whether the rate of each one's semester is recorded, the latest ECB semester on or before its due
    date and the first one after it (its semester starts the day after the due date: it is one of the two)."""
    key = "billing.dunning_days"
    ecb_rate = DatedRate.kind == RateKind.ECB
    on_or_before = select(func.max(DatedRate.valid_from)).where(ecb_rate, DatedRate.valid_from <= Invoice.due_date)
    after = select(func.min(DatedRate.valid_from)).where(ecb_rate, DatedRate.valid_from > Invoice.due_date)
    today = paris_today(now)
    rows = session.execute(
        select(Invoice.number, Invoice.due_date, Invoice.dunning_level, Setting.value,
               on_or_before.scalar_subquery(), after.scalar_subquery())
        .outerjoin(Setting, Setting.key == key)
        .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.kind == InvoiceKind.INVOICE, owed_sql(),
               Invoice.penalty_rate_bp.is_(None), Invoice.due_date < today)
        .order_by(Invoice.due_date, Invoice.id)
    ).all()
    if not rows:
        return []
    days = _dunning_days(settings.DEFAULTS[key] if rows[0][3] is None else rows[0][3])
    waiting: dict[date, list[str]] = {}
    for number, due_date, dunning_level, _days, recorded_before, recorded_after in rows:
        semester = semester_after(due_date)
        if level_for((today - due_date).days, days) > dunning_level and semester not in (recorded_before,
                                                                                           recorded_after):
            waiting.setdefault(semester, []).append(number or "")
    return [ecb.MissingRate(semester, tuple(numbers)) for semester, numbers in sorted(waiting.items())]


def run(session: Session, *, now: datetime) -> list[Reminder]:
    """Create the reminders due today (flushes, no commit, no mail): the highest reached level of each overdue
    invoice, when it is above the last level sent. An invoice whose semester has no ECB rate yet gets no reminder
    (``missing_rates`` says which)."""
    today = paris_today(now)
    days = dunning_days(session)
    if not days:
        return []
    created = []
    for invoice, level, rate in _due(session, today, days):
        if waits(invoice, rate):
            continue
        days_late, interest, indemnity = late_interest(invoice, today, rate, category_of(invoice))
        reminder = Reminder(invoice_id=invoice.id, level=level, sent_on=today, days_late=days_late,
                            balance_cents=invoice.balance_cents, interest_cents=interest,
                            indemnity_cents=indemnity, created_at=now)
        try:
            with session.begin_nested():  # another run created it meanwhile: skip, never twice
                session.add(reminder)
                invoice.dunning_level = level
                session.flush()
        except IntegrityError:
            continue
        what = "Mise en demeure" if is_formal_notice(level, days) else f"Relance n° {level}"
        audit.record(session, None, "remind", invoice,
                     summary=f"{what} de la facture {invoice.number} : {euros(reminder.balance_cents)} dus, "
                             f"{days_late} jours de retard", now=now)
        created.append(reminder)
    return created


# --- the mails ------------------------------------------------------------------------------------------------------

@dataclass
class OutgoingReminder:
    reminder_id: int
    invoice_id: int
    mail: mail.Mail | None  # None: no address to send it to
    error: str = ""


def recipients_of(invoice: Invoice, organisation: Organisation | None) -> list[str]:
    """The organisation's contacts that receive invoices; else the organisation's (or the invoice's) address."""
    if organisation is not None:
        chosen = [c.email for c in organisation.contacts if c.receives_invoices and c.email]
        if chosen:
            return sorted(set(chosen), key=chosen.index)
        if organisation.email:
            return [organisation.email]
    return [invoice.buyer_email] if invoice.buyer_email else []


def _fr(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def subject_of(invoice: Invoice, reminder: Reminder, days: list[int]) -> str:
    if is_formal_notice(reminder.level, days):
        return f"Mise en demeure de payer — facture {invoice.number}"
    return f"Relance n° {reminder.level} — facture {invoice.number} impayée"


def body_of(invoice: Invoice, reminder: Reminder, days: list[int], seller: dict, ecb_rate_bp: int | None,
            category: legal.BuyerCategory) -> str:
    notice = is_formal_notice(reminder.level, days)
    name = seller.get("name") or "La coopérative"
    lines = ["Madame, Monsieur,", ""]
    lines.append(
        f"Sauf erreur de notre part, la facture {invoice.number} du {_fr(invoice.issue_date)}, d'un montant de "
        f"{euros(invoice.total_incl_cents)} TTC, arrivée à échéance le {_fr(invoice.due_date)}, n'est pas "
        f"entièrement réglée : il reste {euros(reminder.balance_cents)} à payer ({reminder.days_late} jours de "
        "retard).")
    lines.append("")
    if notice:
        lines.append(
            f"Malgré nos relances, ce montant reste impayé. Par la présente, nous vous mettons en demeure de régler "
            f"la somme de {euros(reminder.balance_cents)} sous huit jours à compter de la réception de ce "
            "message, faute de quoi nous engagerons les démarches de recouvrement.")
    else:
        lines.append("Nous vous remercions de bien vouloir procéder à son règlement dans les meilleurs délais. "
                     "Si vous l'avez réglée entre-temps, ne tenez pas compte de ce message.")
    lines.append("")
    lines.append(legal.reminder_paragraph(
        category, ecb_rate_bp=ecb_rate_bp, interest=euros(reminder.interest_cents),
        indemnity=euros(reminder.indemnity_cents), on=reminder.sent_on, semester=interest_semester(invoice),
        contract_rate_bp=invoice.penalty_rate_bp))
    lines.append("")
    if seller.get("iban"):
        bank = f"Règlement par virement : IBAN {seller['iban']}"
        if seller.get("bic"):
            bank += f", BIC {seller['bic']}"
        lines.append(f"{bank}, en indiquant la référence {invoice.number}.")
        lines.append("")
    lines.append("Vous trouverez la facture en pièce jointe.")
    lines += ["", "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.", "", name]
    contact = " — ".join(v for v in (seller.get("email"), seller.get("phone")) if v)
    if contact:
        lines.append(contact)
    return "\n".join(lines) + "\n"


def prepare_mails(session: Session, reminder_ids: list[int]) -> list[OutgoingReminder]:
    """The mails of these reminders, with the invoice's stored PDF attached (a few queries, whatever their
    number); ``queue_mails`` writes them into the outbox."""
    if not reminder_ids:
        return []
    reminders = list(session.execute(select(Reminder).where(Reminder.id.in_(reminder_ids))
                                     .order_by(Reminder.id)).scalars())
    invoice_ids = {r.invoice_id for r in reminders}
    invoices = {i.id: i for i in session.execute(
        select(Invoice).where(Invoice.id.in_(invoice_ids)).options(lazyload(Invoice.lines))).unique().scalars()}
    orgs = {o.id: o for o in session.execute(
        select(Organisation).where(Organisation.id.in_({i.organisation_id for i in invoices.values()}))
        .options(selectinload(Organisation.contacts))).scalars()}
    pdfs = {d.invoice_id: d for d in session.execute(
        select(InvoiceDocument).where(InvoiceDocument.invoice_id.in_(invoice_ids),
                                      InvoiceDocument.kind == DocumentKind.PDF)).scalars()}
    days, seller = dunning_days(session), company.identity(session)
    out = []
    for reminder in reminders:
        invoice = invoices[reminder.invoice_id]
        org = orgs.get(invoice.organisation_id)
        to = recipients_of(invoice, org)
        subject = subject_of(invoice, reminder, days)
        if not to:
            out.append(OutgoingReminder(reminder.id, invoice.id, mail.Mail(to=[], subject=subject, body=""),
                                        "Aucune adresse électronique : ni contact destinataire des factures, ni "
                                        "adresse de la structure."))
            continue
        rate = ecb.rate_for(session, interest_semester(invoice)) if invoice.penalty_rate_bp is None else None
        if waits(invoice, rate):
            out.append(OutgoingReminder(reminder.id, invoice.id, mail.Mail(to=to, subject=subject, body=""),
                                        ecb.MissingRate(interest_semester(invoice), (invoice.number or "",)).message))
            continue
        attachments = []
        if reminder.invoice_id in pdfs:
            doc = pdfs[reminder.invoice_id]
            attachments.append(mail.Attachment(doc.filename, doc.content, "application/pdf"))
        body = body_of(invoice, reminder, days, seller, rate, category_of(invoice, org))
        out.append(OutgoingReminder(reminder.id, invoice.id, mail.Mail(
            to=to, subject=subject, body=body, attachments=attachments, reply_to=seller.get("email") or None)))
    return out


def queue_mails(session: Session, reminder_ids: list[int], *, now: datetime) -> tuple[int, int]:
    """Write the reminders' mails into the outbox, with their sent-log rows (``InvoiceSending`` kind reminder), in
    the transaction that created the reminders; (queued, without an address). A reminder is marked e-mailed when
    its mail has left (the outbox's callback)."""
    queued = missing = 0
    for item in prepare_mails(session, reminder_ids):
        row = InvoiceSending(invoice_id=item.invoice_id, kind=SendingKind.REMINDER,
                             recipients=(", ".join(item.mail.to) or "—")[:1000], subject=item.mail.subject[:300],
                             ok=not item.error, error=item.error[:1000], sent_at=now)
        if not item.error:
            row.outbox_id = outbox.queue(session, item.mail, kind=MAIL_KIND, about=("reminder", item.reminder_id),
                                         now=now).id
            queued += 1
        else:
            missing += 1
        session.add(row)
    session.flush()
    return queued, missing


def _reminder_mail_sent(session: Session, row, now: datetime) -> None:
    reminder = session.get(Reminder, row.about_id) if row.about_id else None
    if reminder is not None:
        reminder.emailed = True


def init_app(app) -> None:
    outbox.register_kind(MAIL_KIND, _l("Relance de facture"), on_sent=_reminder_mail_sent)
