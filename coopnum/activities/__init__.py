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
