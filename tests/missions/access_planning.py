"""Access rows for the planning pages (missions, sessions, assignments, absences)."""

from tests.test_access import STAFF, only

PLANNERS = STAFF | {"mediator"}

ACCESS = {
    "missions.index": ("GET", "/missions/", only(PLANNERS)),
    "missions.mission_new": ("GET", "/missions/missions/new", only(STAFF)),
    "missions.mission_detail": ("GET", "/missions/missions/{own_mission}", only(PLANNERS | {"authority"})),
    "missions.mission_edit": ("GET", "/missions/missions/{own_mission}/edit", only(STAFF)),
    # the form's preview before saving (htmx): nothing posted → the fragment's invitation to fill the form
    "missions.mission_check": ("POST", "/missions/missions/check?mission_id={own_mission}", only(STAFF)),
    "missions.mission_archive": ("POST", "/missions/missions/{own_mission}/archive", only(STAFF, ok=302)),
    "missions.session_add": ("POST", "/missions/missions/{own_mission}/sessions", only(STAFF, ok=302)),
    "missions.session_detail": ("GET", "/missions/sessions/{assigned_session}", only(PLANNERS | {"authority"})),
    "missions.session_assign": ("POST", "/missions/sessions/{open_session}/assign", only(STAFF, ok=302)),
    "missions.session_unassign": ("POST", "/missions/sessions/{assigned_session}/unassign/{mediator}",
                                  only(STAFF, ok=302)),
    "missions.session_take": ("POST", "/missions/sessions/{open_session}/take", only({"admin", "mediator"}, ok=302)),
    "missions.session_cancel": ("POST", "/missions/sessions/{open_session}/cancel", only(STAFF, ok=302)),
    "missions.session_restore": ("POST", "/missions/sessions/{open_session}/restore", only(STAFF, ok=302)),
    "missions.session_move": ("POST", "/missions/sessions/{open_session}/move", only(STAFF, ok=302)),
    "missions.sessions_open": ("GET", "/missions/sessions/open", only(PLANNERS)),
    "missions.absences": ("GET", "/missions/absences", only(PLANNERS)),
    "missions.absence_delete": ("POST", "/missions/absences/{absence}/delete", only(PLANNERS, ok=302)),
}

API_READERS = PLANNERS | {"authority"}
ACCESS.update({
    "api.list_missions": ("GET", "/api/v1/missions", only(API_READERS, anonymous=401)),
    "api.create_mission": ("POST", "/api/v1/missions", only(STAFF, ok=422, anonymous=401)),
    "api.get_mission": ("GET", "/api/v1/missions/{own_mission}", only(API_READERS, anonymous=401)),
    "api.update_mission": ("PATCH", "/api/v1/missions/{own_mission}", only(STAFF, ok=422, anonymous=401)),
    "api.list_sessions": ("GET", "/api/v1/sessions", only(API_READERS, anonymous=401)),
    "api.create_session": ("POST", "/api/v1/sessions", only(STAFF, ok=422, anonymous=401)),
    "api.get_session": ("GET", "/api/v1/sessions/{assigned_session}", only(API_READERS, anonymous=401)),
    "api.update_session": ("PATCH", "/api/v1/sessions/{assigned_session}", only(STAFF, ok=422, anonymous=401)),
})
