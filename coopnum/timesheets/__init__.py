"""The timesheets domain: the hours mediators log (sessions confirmed, other work), month timesheets and their
validation by the coordination, the month lock. ``init_app`` registers its pages, API and menu entries."""


def init_app(app) -> None:
    from coopnum.core import slots
    from coopnum.timesheets import api  # noqa: F401  (declares its endpoints on the API blueprint)
    from coopnum.timesheets.views import bp, hours

    app.register_blueprint(bp)
    hours.register()
    slots.register_provider("months.ensure_open", _ensure_open)
    slots.register_provider("months.is_locked", _is_locked)
    slots.register_provider("missions.sessions_with_work", _sessions_with_hours)


def _ensure_open(session, user_id, day) -> None:
    from coopnum.timesheets.services import locks

    locks.ensure_open(session, user_id, day)


def _is_locked(session, user_id, day) -> bool:
    from coopnum.timesheets.services import locks

    return locks.is_locked(session, user_id, day)


def _sessions_with_hours(session, session_ids) -> set[int]:
    from coopnum.timesheets.services import hours

    return hours.sessions_with_hours(session, session_ids)
