"""Access rows for the skills services require and the suggested trainings. The requirements page and the
suggestions: staff and mediators (read); adding, changing and removing a requirement: staff only (a POST without a
form flashes its error and goes back: 302). Ids from ``training_world``: ``service`` (the missions world's),
``requirement`` (4.2 at level 3 for that service)."""

from tests.test_access import STAFF, only

READERS = STAFF | {"mediator"}

ACCESS = {
    "training.requirements": ("GET", "/training/requirements", only(READERS)),
    "training.requirement_add": ("POST", "/training/requirements/services/{service}", only(STAFF, ok=302)),
    "training.requirement_level": ("POST", "/training/requirements/{requirement}/level", only(STAFF, ok=302)),
    "training.requirement_remove": ("POST", "/training/requirements/{requirement}/remove", only(STAFF, ok=302)),
    "training.suggestions": ("GET", "/training/suggestions", only(READERS)),
}
