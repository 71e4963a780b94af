"""Recurring jobs of the billing domain (run by ``coopnum scheduler`` or ``coopnum run-job billing.dunning``)."""

from datetime import datetime

from flask import Flask

from coopnum.core import formats, jobs


def run_dunning(app: Flask, now: datetime | None = None) -> str:
    """The daily dunning run: create the reminders due today and write their mails into the outbox, in one
    transaction (the mail job sends them after the commit). Idempotent: a second run the same day sends nothing."""
    from coopnum.billing.services import dunning
    from coopnum.core import clock
    from coopnum.core.db import db, writing

    with app.app_context(), writing():
        now = now or clock.now()
        reminders = dunning.run(db.session, now=now)
        queued, missing = dunning.queue_mails(db.session, [r.id for r in reminders], now=now)
        waiting = dunning.missing_rates(db.session, now=now)
        db.session.commit()
    summary = (f"{formats.count(len(reminders), 'relance créée', 'relances créées')}, "
               f"{formats.count(queued, 'courriel mis', 'courriels mis')} en file d'envoi")
    if missing:
        summary += f", {formats.count(missing, 'non envoyé', 'non envoyés')} (voir le journal des envois de chaque facture)"
    return " ".join([summary + "."] + [item.message for item in waiting])


def expire_quotes_job(app, now: datetime | None = None) -> str:
    """Mark expired the sent quotes past their validity (idempotent). Commits; returns a French summary."""
    from coopnum.billing.services.quotes import expire_due
    from coopnum.core import clock
    from coopnum.core.db import db, writing

    with app.app_context(), writing():
        count = expire_due(db.session, now=now or clock.now())
        db.session.commit()
    return f"{formats.count(count, 'devis expiré', 'devis expirés')}."


def register() -> None:
    """Declare the billing jobs (idempotent: keyed by name)."""
    jobs.register("billing.dunning", run_dunning, cron={"hour": 7, "minute": 0},
                  description="Relances des factures impayées (relances puis mise en demeure) avec intérêts de retard")
    jobs.register("expire-quotes", expire_quotes_job, cron={"hour": 4, "minute": 10},
                  description="Devis envoyés dont la date de validité est passée : marqués expirés")
