"""The activities domain: activity reports (CRA) with the national reference lists, followed beneficiaries (GDPR
retention), editable reference lists and the exports. ``init_app`` registers its pages, API, menu entries and jobs."""


def init_app(app) -> None:
    from coopnum.activities import api, jobs  # noqa: F401  (api: declares its endpoints on the API blueprint)
    from coopnum.activities.services import activity_queries, exports
    from coopnum.activities.views import activities, beneficiaries, bp
    from coopnum.core import slots

    app.register_blueprint(bp)
    activities.register()
    beneficiaries.register()
    exports.register()
    jobs.register()
    slots.register_provider("missions.sessions_with_work", activity_queries.sessions_with_reports)
    _describe_for_audit()


def _describe_for_audit() -> None:
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from coopnum.activities.models import Activity, Beneficiary
    from coopnum.core import audit

    audit.describe("Activity", _l("Activité"), Activity, None,
                   lambda a: url_for("activities.activity_detail", activity_id=a.id))
    audit.describe("Beneficiary", _l("Personne suivie"), Beneficiary, None,
                   lambda b: url_for("activities.beneficiary_detail", beneficiary_id=b.id))
