"""The inventory domain: pooled equipment (assets and kits), reservations and loans without double booking, overdue
reminders, maintenance, audits, QR labels, the usage report. ``init_app`` registers its pages, API, jobs, the
dashboard panel and the panel of the session page."""


def init_app(app) -> None:
    from coopnum.inventory import api, jobs, panels, views  # noqa: F401  (api: declares its endpoints on the API blueprint)
    from coopnum.inventory.views import bp, public_bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    views.register_navigation()
    jobs.register()
    panels.register()
