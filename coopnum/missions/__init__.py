"""The missions domain: missions and their recurring sessions, assignment of mediators without double booking,
absences, calendars and iCal feeds, requests for services from authorities (they end in a mission), the volume done
under each convention. ``init_app`` registers its pages, API, menu entries and the values it provides."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from coopnum.core import navigation, slots
    from coopnum.core.models import Role
    from coopnum.missions import api  # noqa: F401  (declares its endpoints on the API blueprint)
    from coopnum.missions.views import bp, calendars, planning, public_bp, requests

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    navigation.register("missions.index", _l("Missions"), (Role.COORDINATOR, Role.MEDIATOR), 100, group="planning")
    planning.register()
    calendars.register()
    requests.register()
    _describe_for_audit()
    slots.register_provider("conventions.volumes", _volumes)
    slots.register_provider("convention.missions", _convention_missions)


# Wrappers rather than the functions themselves: the provider looks the function up at each call (a test counts
# the calls by patching ``volumes.volume_summaries``).
def _volumes(session, convention_ids, *, now):
    from coopnum.missions.services import volumes

    return volumes.volume_summaries(session, convention_ids, now=now)


def _convention_missions(session, convention_id):
    from coopnum.missions.services import volumes

    return volumes.convention_missions(session, convention_id)


def _describe_for_audit() -> None:
    """How the audit log names this domain's objects and links to them."""
    from flask import url_for
    from flask_babel import format_datetime
    from flask_babel import lazy_gettext as _l

    from coopnum.core import audit
    from coopnum.missions.models import Mission, MissionSession, ServiceRequest

    audit.describe("Mission", _l("Mission"), Mission, lambda m: m.title,
                   lambda m: url_for("missions.mission_detail", mission_id=m.id))
    audit.describe("MissionSession", _l("Séance"), MissionSession,
                   lambda s: f"{_l('Séance')} {s.mission.title}, {format_datetime(s.start, 'short')}",
                   lambda s: url_for("missions.session_detail", session_id=s.id))
    audit.describe("ServiceRequest", _l("Demande"), ServiceRequest, None,
                   lambda r: url_for("missions.request_detail", request_id=r.id))
    audit.describe("Absence", _l("Absence"))
