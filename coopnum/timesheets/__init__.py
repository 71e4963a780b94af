"""The timesheets domain: the hours mediators log (sessions confirmed, other work), month timesheets and their
validation by the coordination, the month lock. ``init_app`` registers its pages, API, menu entries and the values it
provides to the domains before it (the month lock, the sessions with logged hours)."""


def init_app(app) -> None:
    from coopnum.core import slots
    from coopnum.timesheets import api  # noqa: F401  (declares its endpoints on the API blueprint)
    from coopnum.timesheets.services import hours as hours_service
    from coopnum.timesheets.services import locks
    from coopnum.timesheets.views import bp, hours

    app.register_blueprint(bp)
    hours.register()
    slots.register_provider("months.ensure_open", locks.ensure_open)
    slots.register_provider("months.is_locked", locks.is_locked)
    slots.register_provider("missions.sessions_with_work", hours_service.sessions_with_hours)
    _describe_for_audit()


def _describe_for_audit() -> None:
    from flask_babel import lazy_gettext as _l

    from coopnum.core import audit

    audit.describe("Timesheet", _l("Relevé d'heures"))
    audit.describe("TimeEntry", _l("Heures"))
