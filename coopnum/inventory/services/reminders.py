"""Reminders of overdue loans, written into the outbox (the mail job sends them).

An open loan past its due date is reminded the day after its due date (Paris calendar days), then every
``inventory.reminder_every_days`` days (default 7) until it is returned, extended or declared lost. The mail goes to
the mediator responsible for the loan; when the borrower is a person without an account (no email of their own) or
nobody is responsible, the coordinators get it too.

Idempotent: a loan reminded today is not reminded again today, and each reminder is claimed with a conditional
UPDATE of ``reminders_sent`` (two runs at once never send the same reminder twice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from coopnum.core import audit, clock, formats, mail, outbox, settings
from coopnum.core.models import Role, User, UserRole
from coopnum.inventory.models import Asset, AssetBooking, BorrowerKind, Loan, LoanStatus
from coopnum.inventory.services.conflicts import when

MAIL_KIND = "inventory.loan_reminder"


def register_mail_kind() -> None:
    outbox.register_kind(MAIL_KIND, _l("Relance de prêt de matériel"))


def every_days(session) -> int:
    return max(1, int(settings.get(session, "inventory.reminder_every_days")))


def next_reminder_day(loan: Loan, every: int):
    """The Paris day the next reminder of an open loan is due."""
    if loan.last_reminded_at is None:
        return clock.paris_today(loan.due_at) + timedelta(days=1)
    return clock.paris_today(loan.last_reminded_at) + timedelta(days=every)


def due_reminders(session, now: datetime) -> list[Loan]:
    every = every_days(session)
    today = clock.paris_today(now)
    loans = session.execute(select(Loan).where(Loan.status == LoanStatus.OPEN, Loan.due_at < now)
                            .order_by(Loan.due_at, Loan.id)).scalars().all()
    return [loan for loan in loans if next_reminder_day(loan, every) <= today]


def _coordinators(session) -> list[User]:
    return list(session.execute(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.COORDINATOR, User.active).order_by(User.id)).unique().scalars())


def recipients(session, loan: Loan) -> list[str]:
    emails = []
    responsible = session.get(User, loan.user_id) if loan.user_id else None
    if responsible is not None and responsible.active:
        emails.append(responsible.email)
    if loan.borrower_kind == BorrowerKind.PERSON or not emails:
        emails += [u.email for u in _coordinators(session) if u.email not in emails]
    return emails


def _body(session, loan: Loan, now: datetime, link: str) -> tuple[str, str]:
    assets = session.execute(select(Asset).join(AssetBooking, AssetBooking.asset_id == Asset.id).where(
        AssetBooking.loan_id == loan.id, AssetBooking.open_loan).order_by(Asset.tag)).unique().scalars().all()
    late = (clock.paris_today(now) - clock.paris_today(loan.due_at)).days
    responsible = session.get(User, loan.user_id) if loan.user_id else None
    if loan.borrower_kind == BorrowerKind.PERSON:
        borrower = f"{loan.borrower_name} ({loan.borrower_phone}, {loan.borrower_commune})"
    else:
        borrower = responsible.full_name if responsible else "—"
    days = formats.count(late, "jour", "jours")
    subject = f"Matériel à rendre : prêt n° {loan.id} en retard de {days}"
    lines = [
        "Bonjour,",
        "",
        f"Le prêt n° {loan.id} devait être rendu le {when(loan.due_at)} : il a {days} de retard.",
        "",
        f"Emprunteur : {borrower}",
        f"Responsable : {responsible.full_name if responsible else '—'}",
        "Matériel :",
        *[f"  - {a.tag} — {a.model}" for a in assets],
        "",
        "Merci de le rapporter, ou de prolonger le prêt, ou de signaler une perte :",
        link,
        "",
        f"(Relance n° {loan.reminders_sent}.)",
    ]
    return subject, "\n".join(lines) + "\n"


def send_reminders(session, *, now: datetime, base_url: str = "") -> tuple[int, int]:
    """Queue the reminders due today; (mails queued, loans without any recipient). Does not commit."""
    queued = missing = 0
    for loan in due_reminders(session, now):
        claimed = session.execute(update(Loan).where(Loan.id == loan.id, Loan.reminders_sent == loan.reminders_sent)
                                  .values(reminders_sent=Loan.reminders_sent + 1, last_reminded_at=now)
                                  .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        session.refresh(loan)
        to = recipients(session, loan)
        if not to:
            missing += 1
            continue
        subject, body = _body(session, loan, now, f"{base_url}/inventory/loans/{loan.id}")
        outbox.queue(session, mail.Mail(to=to, subject=subject, body=body), kind=MAIL_KIND, about=loan, now=now)
        audit.record(session, None, "inventory.loan_reminder", loan,
                     summary=f"Relance n° {loan.reminders_sent} du prêt n° {loan.id} à {', '.join(to)}"[:500], now=now)
        queued += 1
    session.flush()
    return queued, missing
