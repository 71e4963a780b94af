"""Recurring jobs of the billing domain (run by ``coopnum scheduler`` or ``coopnum run-job billing.dunning``)."""

from datetime import datetime

from flask import Flask

from coopnum.core import jobs


def run_dunning(app: Flask, now: datetime | None = None) -> str:
    """The daily dunning run: create the reminders due today (committed first), then send their mails outside any
    transaction, then write the sent-log. Idempotent: a second run the same day sends nothing."""
    from coopnum.billing.services import dunning
    from coopnum.core import clock
    from coopnum.core.db import db, writing

    with app.app_context(), writing():
        now = now or clock.now()
        reminders = dunning.run(db.session, now=now)
        ids = [r.id for r in reminders]
        db.session.commit()
        outgoing = dunning.prepare_mails(db.session, ids)
        db.session.commit()  # end the transaction: no database lock is held while talking to the SMTP server
        dunning.send(outgoing)
        sent, failed = dunning.record_sendings(db.session, outgoing, now=now)
        db.session.commit()
    summary = f"{len(ids)} relance(s) créée(s), {sent} courriel(s) envoyé(s)"
    if failed:
        summary += f", {failed} échec(s) (voir le journal des envois de chaque facture)"
    return summary + "."


jobs.register("billing.dunning", run_dunning, cron={"hour": 7, "minute": 0},
              description="Relances des factures impayées (relances puis mise en demeure) avec intérêts de retard")
