"""Access rows for the activity reports (CRA) pages."""

from tests.test_access import LOGGED_IN, only

ACCESS = {
    "missions.activity_new": ("GET", "/missions/activities/new", only(LOGGED_IN, ok=404)),
}
