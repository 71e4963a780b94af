"""Recurring jobs of the missions domain (run by ``coopnum scheduler`` or ``coopnum run-job NAME``)."""

from datetime import datetime

from flask import Flask

from coopnum.core import formats, jobs


def purge_beneficiaries(app: Flask, now: datetime | None = None) -> str:
    """GDPR: erase the followed beneficiaries without activity for longer than the retention period (the
    coordinator's setting); their activities stay, anonymous. Commits; returns a French summary."""
    from coopnum.activities.services import beneficiaries
    from coopnum.core import clock
    from coopnum.core.db import db, writing

    with app.app_context(), writing():
        now = now or clock.now()
        months = beneficiaries.retention_months(db.session)
        count = beneficiaries.purge_expired(db.session, now)
        db.session.commit()
    erased = formats.count(count, "fiche de bénéficiaire effacée", "fiches de bénéficiaire effacées")
    return (f"{erased} : aucune activité depuis plus de {months} mois "
            "(durée de conservation).")


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    jobs.register("purge-beneficiaries", purge_beneficiaries, cron={"hour": 3, "minute": 30},
                  description="Effacement RGPD des bénéficiaires sans activité depuis la durée de conservation")
