"""Access rows for the planning pages (missions, sessions, assignments, absences)."""

from tests.test_access import STAFF, only

ACCESS = {
    "missions.index": ("GET", "/missions/", only(STAFF | {"mediator"})),
}
