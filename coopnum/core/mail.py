"""Outgoing e-mail over SMTP. Send only after the database commit (a rolled-back change sends nothing)."""

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from coopnum.core import formats

log = logging.getLogger(__name__)


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    reply_to: str | None = None


class MailError(Exception):
    pass


def build_message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or "localhost")
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg.set_content(mail.body)
    for att in mail.attachments:
        maintype, subtype = att.mimetype.split("/", 1)
        msg.add_attachment(att.content, maintype=maintype, subtype=subtype, filename=att.filename)
    return msg


def describe_recipients(addresses: list[str]) -> str:
    """The recipients as the log may show them: their count and domains, never the addresses themselves."""
    domains = sorted({address.rsplit("@", 1)[-1].strip(" >").lower() for address in addresses if "@" in address})
    return f"{formats.count(len(addresses), 'recipient', 'recipients', 'en')} at {', '.join(domains) or '?'}"


def send(mail: Mail) -> EmailMessage:
    """Send a mail with the app's SMTP settings. Without SMTP_HOST the mail is not sent and only that fact is logged
    (recipients' count and domains, subject): never the body, which may hold a password-reset link."""
    cfg = current_app.config
    msg = build_message(mail, cfg["SMTP_FROM"])
    if not cfg.get("SMTP_HOST"):
        log.warning("SMTP_HOST is not set; mail not sent (%s, subject %r)", describe_recipients(mail.to),
                    mail.subject)
        return msg
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.exception("mail failed (%s, subject %r)", describe_recipients(mail.to), mail.subject)
        raise MailError(f"L'envoi du courriel a échoué : {exc}") from exc
    return msg
