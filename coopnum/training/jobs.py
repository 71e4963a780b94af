"""Scheduled jobs of the training domain: reminders before certifications expire (run by ``coopnum scheduler`` or
``coopnum run-job training.certification_reminders``)."""

from datetime import datetime

from flask import Flask

from coopnum.core import formats, jobs


def run_certification_reminders(app: Flask, now: datetime | None = None) -> str:
    """The reminders of certifications coming to their expiry, written into the outbox in one transaction (the mail
    job sends them). Idempotent: a second run the same day (or the next) queues nothing new."""
    from coopnum.core import clock
    from coopnum.core.db import db, writing
    from coopnum.training.services import certifications

    with app.app_context(), writing():
        now = now or clock.now()
        queued, missing = certifications.send_reminders(db.session, now=now,
                                                        base_url=app.config.get("COOPNUM_BASE_URL", ""))
        db.session.commit()
    summary = f"{formats.count(queued, 'rappel', 'rappels')} d'échéance de certification mis en file d'envoi"
    if missing:
        summary += f", {missing} sans destinataire"
    return summary + "."


def register() -> None:
    from coopnum.training.services import certifications

    certifications.register_mail_kind()
    jobs.register("training.certification_reminders", run_certification_reminders, cron={"hour": 8, "minute": 15},
                  description="Rappels avant l'échéance des certifications (Pix, CCP, PSC1…)")
