"""Scheduled jobs of the inventory: overdue-loan reminders, erasure of the personal data of closed loans
(run by ``coopnum scheduler`` or ``coopnum run-job inventory.reminders``)."""

from datetime import datetime

from flask import Flask

from coopnum.core import formats, jobs


def run_reminders(app: Flask, now: datetime | None = None) -> str:
    """The daily reminders of overdue loans, written into the outbox in one transaction (the mail job sends them).
    Idempotent: a second run the same day queues nothing."""
    from coopnum.core import clock
    from coopnum.core.db import db, writing
    from coopnum.inventory.services import reminders

    with app.app_context(), writing():
        now = now or clock.now()
        queued, missing = reminders.send_reminders(db.session, now=now,
                                                   base_url=app.config.get("COOPNUM_BASE_URL", ""))
        db.session.commit()
    summary = (f"{formats.count(queued, 'relance', 'relances')} de prêt en retard "
               f"{'mises' if formats.is_plural(queued) else 'mise'} en file d'envoi")
    if missing:
        summary += f", {missing} sans destinataire"
    return summary + "."


def run_retention(app: Flask, now: datetime | None = None) -> str:
    """GDPR: erase the name, phone, commune and signature of the borrowers without an account of the loans closed
    longer ago than ``inventory.borrower_retention_days``."""
    from coopnum.core import clock
    from coopnum.core.db import db, writing
    from coopnum.inventory.services import bookings

    with app.app_context(), writing():
        now = now or clock.now()
        count = bookings.erase_borrowers(db.session, now=now)
        db.session.commit()
    return (f"{formats.count(count, 'prêt', 'prêts')} : données personnelles de l'emprunteur effacées "
            "(durée de conservation).")


def register() -> None:
    from coopnum.inventory.services import reminders

    reminders.register_mail_kind()
    jobs.register("inventory.reminders", run_reminders, cron={"hour": 8, "minute": 0},
                  description="Relances des prêts de matériel en retard (le lendemain du retour prévu, puis "
                              "tous les N jours)")
    jobs.register("inventory.retention", run_retention, cron={"hour": 3, "minute": 45},
                  description="Effacement RGPD des coordonnées des emprunteurs sans compte après la durée de "
                              "conservation")
