"""The mail outbox: every mail is written in the same transaction as the action that causes it, and sent after the
commit by the mail job (``core.outbox``, every minute) with retries and backoff.

    outbox.queue(session, mail.Mail(...), kind="billing.invoice", about=invoice, now=now)   # in the action
    db.session.commit()                                                                      # the view commits

A rolled-back action sends nothing; with SMTP down or unset nothing is lost: the mails wait (``queued``) or are
tried again (``retry``, at ``next_attempt_at``) until they leave (``sent``) or are given up (``abandoned``), and
"renvoyer" starts them again. A request never talks to the SMTP server, so a page answers in the same time whether
or not it caused a mail (no timing hint on the password-reset page).

A domain that must know when its mail left (the invoice's ``sent_at``, a reminder's ``emailed``) registers a
callback with ``on_sent(kind)``; it runs in the transaction that marks the mail sent.

Mails holding a secret (a password link) are ``sensitive``: their body is never shown and is blanked once sent
or given up. The log shows recipients' domains and subjects, never a body."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlmodel import Session

from coopnum.core import audit, formats, mail
from coopnum.core.errors import DomainError
from coopnum.core.models import MailStatus, OutboxAttachment, OutboxMail, User

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd… failed attempt; after the last one the mail is abandoned (about 22 hours of
# trying in all: a weekend outage of the SMTP relay needs a "renvoyer", which the admin page offers in one click).
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
# A mail claimed by a job that died (killed worker) is claimed again after this.
LEASE = timedelta(minutes=10)
BATCH = 100
BLANKED_BODY = "[Contenu personnel retiré après l'envoi.]"

STATUS_LABELS = {
    MailStatus.QUEUED: _l("En file"),
    MailStatus.SENDING: _l("Envoi en cours"),
    MailStatus.SENT: _l("Envoyé"),
    MailStatus.RETRY: _l("Échec"),
    MailStatus.ABANDONED: _l("Abandonné"),
}

_ON_SENT: dict[str, list[Callable[[Session, OutboxMail, datetime], None]]] = {}
KIND_LABELS: dict[str, object] = {}


def register_kind(kind: str, label, on_sent: Callable[[Session, OutboxMail, datetime], None] | None = None) -> None:
    """Declare a kind of mail (its label on the admin page) and, optionally, ``on_sent(session, mail_row, now)``,
    run when a mail of this kind has left, in the transaction that marks it sent."""
    KIND_LABELS[kind] = label
    callbacks = _ON_SENT.setdefault(kind, [])
    if on_sent is not None and on_sent not in callbacks:
        callbacks.append(on_sent)


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


# --- writing --------------------------------------------------------------------------------------------------------

def _about(about) -> tuple[str, int | None]:
    if about is None:
        return "", None
    if isinstance(about, tuple):
        return about
    return type(about).__name__.lower(), about.id


def queue(session: Session, message: mail.Mail, *, kind: str, now: datetime, about=None, sensitive: bool = False,
          actor: User | None = None) -> OutboxMail:
    """Write ``message`` into the outbox (the caller commits). ``about``: the record it is about (a model instance
    with an id, or a ``(type, id)`` pair), where its status is shown."""
    recipients = [a.strip() for a in message.to if a and a.strip()]
    if not recipients:
        raise DomainError("Ce courriel n'a aucun destinataire.")
    about_type, about_id = _about(about)
    row = OutboxMail(kind=kind, about_type=about_type, about_id=about_id, recipients=", ".join(recipients)[:2000],
                     subject=message.subject[:300], body=message.body, reply_to=message.reply_to,
                     sensitive=sensitive, status=MailStatus.QUEUED, next_attempt_at=now, created_at=now,
                     created_by_id=actor.id if actor is not None and actor.id else None)
    row.attachments = [OutboxAttachment(filename=a.filename, mimetype=a.mimetype, content=a.content)
                       for a in message.attachments]
    session.add(row)
    session.flush()
    return row


def message_of(row: OutboxMail) -> mail.Mail:
    return mail.Mail(to=row.recipient_list, subject=row.subject, body=row.body, reply_to=row.reply_to,
                     attachments=[mail.Attachment(a.filename, a.content, a.mimetype) for a in row.attachments])


# --- sending (the mail job) -----------------------------------------------------------------------------------------

def _due(now: datetime):
    return or_(
        and_(OutboxMail.status.in_((MailStatus.QUEUED, MailStatus.RETRY)), OutboxMail.next_attempt_at <= now),
        and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.claimed_at < now - LEASE),
    )


def claim(session: Session, *, now: datetime, limit: int = BATCH, ids: list[int] | None = None) -> list[int]:
    """Claim the due mails (at most ``limit``), one conditional UPDATE each: of two jobs running at once, one only
    gets a given mail. Commits."""
    query = select(OutboxMail.id).where(_due(now)).order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
    if ids is not None:
        query = query.where(OutboxMail.id.in_(ids))
    claimed = []
    for mail_id in session.execute(query).scalars().all():
        result = session.execute(
            update(OutboxMail).where(OutboxMail.id == mail_id, _due(now))
            .values(status=MailStatus.SENDING, claimed_at=now, attempts=OutboxMail.attempts + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(mail_id)
    session.commit()
    return claimed


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    abandoned: int = 0

    def add(self, status: str) -> None:
        if status == MailStatus.SENT:
            self.sent += 1
        elif status == MailStatus.RETRY:
            self.failed += 1
        elif status == MailStatus.ABANDONED:
            self.abandoned += 1

    def summary(self) -> str:
        text = formats.count(self.sent, "courriel envoyé", "courriels envoyés")
        if self.failed:
            text += f", {self.failed} en échec (nouvel essai plus tard)"
        if self.abandoned:
            text += f", {formats.count(self.abandoned, 'abandonné', 'abandonnés')}"
        return text + "."


def deliver_due(session: Session, *, now: datetime, limit: int = BATCH, ids: list[int] | None = None) -> Delivery:
    """Send the due mails. No transaction is open while the SMTP server is talked to; each mail's outcome is
    committed on its own. Without SMTP configured, nothing is claimed: the mails wait."""
    from coopnum.core.db import reading, writing

    result = Delivery()
    if not smtp_configured():
        return result
    with reading():  # most runs find nothing to send: they take no write lock
        due = session.execute(select(OutboxMail.id).where(_due(now)).limit(1)).first() is not None
        session.commit()
    if not due:
        return result
    with writing():
        claimed = claim(session, now=now, limit=limit, ids=ids)
    for mail_id in claimed:
        with reading():
            message = message_of(session.get(OutboxMail, mail_id))
            session.commit()  # end the reading transaction: no lock is held while the mail leaves
        error = ""
        try:
            mail.send(message)
        except mail.MailError as exc:
            error = str(exc)[:1000]
        with writing():
            result.add(_record(session, mail_id, error, now))
    return result


def _record(session: Session, mail_id: int, error: str, now: datetime) -> str:
    """Write the outcome of one attempt (and run the kind's callbacks when the mail left); commits. The new
    status, or "" when the mail was no longer this job's."""
    row = session.get(OutboxMail, mail_id, populate_existing=True)
    if row is None or row.status != MailStatus.SENDING:
        session.rollback()
        return ""
    row.claimed_at = None
    if not error:
        row.status, row.sent_at, row.last_error = MailStatus.SENT, now, ""
        for callback in _ON_SENT.get(row.kind, ()):
            callback(session, row, now)
    elif row.attempts >= MAX_ATTEMPTS:
        row.status, row.last_error = MailStatus.ABANDONED, error
    else:
        row.status, row.last_error = MailStatus.RETRY, error
        row.next_attempt_at = now + timedelta(minutes=BACKOFF_MINUTES[row.attempts - 1])
    if row.sensitive and row.status != MailStatus.RETRY:
        row.body = BLANKED_BODY
    status = row.status
    session.commit()
    return status


def run_mail_job(app, now: datetime | None = None) -> str:
    from coopnum.core import clock
    from coopnum.core.db import db, reading

    with app.app_context(), reading():
        if not smtp_configured():
            waiting = db.session.execute(select(func.count()).select_from(OutboxMail).where(
                OutboxMail.status.in_((MailStatus.QUEUED, MailStatus.RETRY)))).scalar_one()
            return f"Aucun serveur SMTP configuré : {formats.count(waiting, 'courriel', 'courriels')} en attente."
        return deliver_due(db.session, now=now or clock.now()).summary()


# --- "renvoyer" -----------------------------------------------------------------------------------------------------

def resend(session: Session, actor: User | None, row: OutboxMail, *, now: datetime) -> OutboxMail:
    """Put a failed or abandoned mail back in the queue, to leave at the next run of the mail job. A mail that left
    is not sent twice from here (the invoice's or the quote's form sends it again, with its log); a password link
    is not kept once given up: ask for a new link instead."""
    if row.status == MailStatus.SENT:
        raise DomainError("Ce courriel est déjà parti. Pour l'envoyer de nouveau, utilisez le formulaire d'envoi de "
                          "la facture, du devis ou du compte.")
    if row.status in (MailStatus.SENDING, MailStatus.QUEUED):
        raise DomainError("Ce courriel est déjà en file d'envoi.")
    if row.sensitive and row.status == MailStatus.ABANDONED:
        raise DomainError("Ce courriel contenait un lien personnel, qui n'est pas conservé : envoyez un nouveau lien "
                          "depuis la fiche du compte.")
    row.status, row.attempts, row.next_attempt_at, row.claimed_at = MailStatus.QUEUED, 0, now, None
    audit.record(session, actor, "resend", row, summary=f"Courriel « {row.subject} » remis en file d'envoi", now=now)
    session.flush()
    return row


# --- reading --------------------------------------------------------------------------------------------------------

def status_text(row: OutboxMail) -> str:
    """The status as people read it: "En file", "Envoyé", "Échec — nouvel essai à 14:05", "Abandonné"."""
    from coopnum.core.clock import to_paris

    if row.status == MailStatus.RETRY:
        at = to_paris(row.next_attempt_at).strftime("%H:%M")
        return _("Échec — nouvel essai à %(time)s", time=at)
    return str(STATUS_LABELS.get(row.status, row.status))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def mails_about(session: Session, about_type: str, about_ids: list[int]) -> dict[int, list[OutboxMail]]:
    """The mails about these records, newest first, by record id (one query)."""
    if not about_ids:
        return {}
    rows = session.execute(select(OutboxMail).where(OutboxMail.about_type == about_type,
                                                    OutboxMail.about_id.in_(about_ids))
                           .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())).scalars()
    result: dict[int, list[OutboxMail]] = {}
    for row in rows:
        result.setdefault(row.about_id, []).append(row)
    return result


def recently_queued(session: Session, kind: str, about, *, since: datetime) -> bool:
    about_type, about_id = _about(about)
    return session.execute(select(OutboxMail.id).where(
        OutboxMail.kind == kind, OutboxMail.about_type == about_type, OutboxMail.about_id == about_id,
        OutboxMail.created_at >= since).limit(1)).first() is not None




def init_app(app) -> None:
    from coopnum.core import jobs

    register_kind("core.password_reset", _l("Mot de passe oublié"))
    register_kind("core.invitation", _l("Invitation"))
    app.jinja_env.globals.update(mail_status_text=status_text, mail_kind_label=kind_label,
                                  smtp_configured=smtp_configured)
    jobs.register("core.outbox", run_mail_job, cron={"minute": "*"},
                  description="Envoi des courriels en file (nouvel essai des échecs, avec un délai croissant)")
