"""The main pages send as many SQL statements on small data as on larger data: no N+1 (issue 18).

For each main page of every role, the statements of one GET (after a warm-up GET of the same URL, so one-time loads
are left out) are counted with a ``before_cursor_execute`` listener on the app's engine (tests/queries.py), on two
seeded databases: the access test's world (tests/test_access.py ``_build``) with ``SMALL`` more of each kind of row
the pages list, and the same world with ``LARGE`` more (tests/volume_data.py: more sessions, activities, invoices
with lines and payments, members with capital operations, assemblies with resolutions and ballots, assets with loans,
trainings with attendees, places, conventions, missions…). On both, every list shows at least one row, so an eager
load that only runs for a non-empty list counts on both sides.

Each page must send the same number of statements on both (else a query runs per row: the failure lists the
statements that grew), at most ``LIMIT`` (the issue's target; ``EXCEPTIONS`` would name a page allowed more, with
the reason), and show more on the larger data (else the comparison would prove nothing; ``FIXED`` names the pages
whose content does not depend on the data added).
"""

import re
from collections import Counter
from typing import NamedTuple

import pytest

from tests import days
from tests.conftest import base_config, login
from tests.queries import counting
from tests.test_access import DATES, _build
from tests.volume_data import more

SMALL, LARGE = 1, 5  # rows of each kind added to the access test's world (tests/volume_data.py)
LIMIT = 20  # statements a page may send (issue 18)
# A page above LIMIT, with the reason it cannot do with fewer: {page id: (its own limit, why)}. None today.
EXCEPTIONS: dict[str, tuple[int, str]] = {}
# Pages whose content does not grow with the rows tests/volume_data.py adds.
FIXED = {"api-colleges": "the four colleges of the register", "api-skills": "the national reference framework",
         "place": "one place's open-data fields, no list"}

Y = days.TODAY.year
# page id: (role, URL with the ids of the world). API pages are requested with the role's bearer token.
PAGES = {
    # coordination
    "dashboard": ("coordinator", "/"),
    "calendar-week": ("coordinator", "/missions/calendar/week?date={tomorrow}"),
    "calendar-month": ("coordinator", "/missions/calendar/month?date={month_start}"),
    "timesheets": ("coordinator", "/missions/timesheets?month={month}"),
    "timesheet": ("coordinator", "/missions/timesheets/{mediator}/{month}"),
    "hours-overview": ("coordinator", "/missions/hours/overview?month={month}"),
    "activities": ("coordinator", "/missions/activities"),
    "activities-filtered": ("coordinator",
                            "/missions/activities?from={month_start}&to={month_end}&theme=Email&kind=Individuel"),
    "activities-by-convention": ("coordinator", "/missions/activities?convention={own_convention}"),
    "report-year": ("coordinator", f"/missions/conventions/{{own_convention}}/report?period=year&ref={Y}"),
    "report-all-years": ("coordinator",  # the longest period a report covers: five years
                         f"/missions/conventions/{{own_convention}}/report?from={Y - 4}-01-01&to={Y}-12-31"),
    "invoices": ("coordinator", "/billing/invoices"),
    "invoice": ("coordinator", "/billing/invoices/{issued_invoice}"),
    "payments": ("coordinator", "/billing/payments"),
    "receivables": ("coordinator", "/billing/receivables"),
    "quotes": ("coordinator", "/billing/quotes"),
    "quote": ("coordinator", "/billing/quotes/{quote}"),
    "members": ("coordinator", "/members/"),
    "member": ("coordinator", "/members/{own_member}"),
    "assemblies": ("coordinator", "/members/assemblies"),
    "assembly": ("coordinator", "/members/assemblies/{assembly}"),
    "assembly-tally": ("coordinator", "/members/resolutions/{resolution}"),
    "deliberations": ("coordinator", "/members/deliberations"),
    "capital": ("coordinator", "/members/capital"),
    "assets": ("coordinator", "/inventory/assets"),
    "availability": ("coordinator", "/inventory/availability?category=tablet&day={tomorrow}&start=09:00&end=12:00"),
    "loans": ("coordinator", "/inventory/loans?status=all"),
    "reservations": ("coordinator", "/inventory/reservations"),
    "kits": ("coordinator", "/inventory/kits"),
    "maintenance": ("coordinator", "/inventory/maintenance?state=open"),
    "skills-matrix": ("coordinator", "/training/matrix"),
    "training-sessions": ("coordinator", "/training/sessions?status=all"),
    "training-session": ("coordinator", "/training/sessions/{training}"),
    "people": ("coordinator", "/training/people"),
    "certifications": ("coordinator", "/training/certifications"),
    "organisations": ("coordinator", "/missions/organisations"),
    "organisation": ("coordinator", "/missions/organisations/{own_org}"),
    "conventions": ("coordinator", "/missions/conventions"),
    "convention": ("coordinator", "/missions/conventions/{own_convention}"),
    "places": ("coordinator", "/missions/places"),
    "place": ("coordinator", "/missions/places/{own_place}"),
    "requests": ("coordinator", "/missions/requests"),
    "missions": ("coordinator", "/missions/"),
    "mission": ("coordinator", "/missions/missions/{own_mission}"),
    "open-sessions": ("coordinator", "/missions/sessions/open"),
    # a mediator
    "mediator-home": ("mediator", "/"),
    "mediator-week": ("mediator", "/missions/my-week?date={tomorrow}"),
    "mediator-hours": ("mediator", "/missions/hours?month={month}"),
    "mediator-activities": ("mediator", "/missions/activities"),
    "mediator-activity-form": ("mediator", "/missions/activities/new"),
    "mediator-beneficiaries": ("mediator", "/missions/beneficiaries"),
    "mediator-loans": ("mediator", "/inventory/loans"),
    # an authority's contact
    "authority-home": ("authority", "/"),
    "authority-portal": ("authority", "/missions/portal"),
    "authority-sessions": ("authority", "/missions/portal/sessions"),
    "authority-requests": ("authority", "/missions/portal/requests"),
    "authority-invoices": ("authority", "/billing/portal/invoices"),
    "authority-report": ("authority", f"/missions/conventions/{{own_convention}}/report?period=year&ref={Y}"),
    # a member
    "member-home": ("member", "/"),
    "member-space": ("member", "/members/me"),
    "member-assemblies": ("member", "/members/assemblies"),
    "member-deliberations": ("member", "/members/deliberations"),
    # the JSON API's lists
    "api-activities": ("coordinator", "/api/v1/activities"),
    "api-my-activities": ("mediator", "/api/v1/activities"),
    "api-invoices": ("coordinator", "/api/v1/invoices"),
    "api-payments": ("coordinator", "/api/v1/payments"),
    "api-missions": ("coordinator", "/api/v1/missions"),
    "api-sessions": ("coordinator", "/api/v1/sessions"),
    "api-organisations": ("coordinator", "/api/v1/organisations"),
    "api-conventions": ("coordinator", "/api/v1/conventions"),
    "api-places": ("coordinator", "/api/v1/places"),
    "api-members": ("coordinator", "/api/v1/members"),
    "api-colleges": ("coordinator", "/api/v1/colleges"),
    "api-capital-operations": ("coordinator", "/api/v1/capital/operations"),
    "api-assemblies": ("coordinator", "/api/v1/assemblies"),
    "api-assets": ("coordinator", "/api/v1/assets"),
    "api-reservations": ("coordinator", "/api/v1/reservations"),
    "api-loans": ("coordinator", "/api/v1/loans"),
    "api-training-sessions": ("coordinator", "/api/v1/training-sessions"),
    "api-people": ("coordinator", "/api/v1/people"),
    "api-skills": ("coordinator", "/api/v1/skills"),
}


class Measure(NamedTuple):
    status: int
    statements: list[str]
    size: int  # bytes of the answer


def _builder(n: int):
    def build(session) -> dict:
        data = _build(session)
        data["ids"].update(more(session, data, n))  # the pages of one object are measured on a richer one
        return data

    return build


def _client(app, clients: dict, data: dict, role: str, api: bool):
    """One client per role, logged in once (the API's clients send a bearer token instead)."""
    key = f"api-{role}" if api else role
    if key not in clients:
        clients[key] = app.test_client()
        if not api:
            login(clients[key], data["users"][role])
    return clients[key]


def _measure(databases, data: dict) -> dict[str, Measure]:
    """{page id: its status, statements and size} on the database just seeded."""
    app = databases.app(base_config(databases.url))
    engine = app.extensions["coopnum_db"].engine
    ids = {**data["ids"], **DATES}
    clients = {}
    result = {}
    for page, (role, template) in PAGES.items():
        url = template.format(**ids)
        api = url.startswith("/api/")
        headers = {"Authorization": f"Bearer {data['tokens'][role]}"} if api else {}
        client = _client(app, clients, data, role, api)
        client.get(url, headers=headers)  # warm-up: one-time loads (templates, reference lists) left out
        with counting(engine) as statements:
            response = client.get(url, headers=headers)
        result[page] = Measure(response.status_code, list(statements), len(response.data))
    app.extensions["coopnum_db"]._sessions.remove()
    databases.release()
    return result


@pytest.fixture(scope="module")
def measured(databases, tmp_path_factory) -> tuple[dict[str, Measure], dict[str, Measure]]:
    with databases.seed(_builder(SMALL), tmp_path_factory.mktemp("counts-small")) as data:
        small = _measure(databases, data)
    with databases.seed(_builder(LARGE), tmp_path_factory.mktemp("counts-large")) as data:
        large = _measure(databases, data)
    return small, large


_PARAMETERS = re.compile(r"\((?:\?|%\(\w+\)s)(?:, (?:\?|%\(\w+\)s))*\)")


def _shape(statement: str) -> str:
    """A statement without its values' count (``IN (?, ?, ?)`` → ``IN (…)``), on one line, shortened."""
    return _PARAMETERS.sub("(…)", " ".join(statement.split()))[:200]


def _grown(small: list[str], large: list[str]) -> str:
    """The statements sent more often on the larger data, with their counts."""
    before, after = Counter(map(_shape, small)), Counter(map(_shape, large))
    return "\n".join(f"  {before[s]} → {n}: {s}" for s, n in after.items() if n != before[s]) or "  (none)"


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_data(page, measured):
    small, large = (m[page] for m in measured)
    url = PAGES[page][1]
    assert (small.status, large.status) == (200, 200), f"{url} answered {small.status}/{large.status}"
    few, many = len(small.statements), len(large.statements)
    same = few == many
    assert same, (f"{page} ({url}): {few} statements on small data, {many} on larger data — a query per row (N+1)?\n"
                  f"{_grown(small.statements, large.statements)}")
    limit = EXCEPTIONS.get(page, (LIMIT, ""))[0]
    within = many <= limit
    assert within, f"{page} ({url}): {many} statements (limit {limit})\n" + "\n".join(
        f"  {_shape(s)}" for s in large.statements)
    grows = page in FIXED or large.size > small.size
    assert grows, f"{page} ({url}) shows nothing more on the larger data: feed it in tests/volume_data.py"


def test_the_exceptions_are_pages_with_a_reason():
    assert set(EXCEPTIONS) | set(FIXED) <= set(PAGES)
    assert all(limit > LIMIT and why for limit, why in EXCEPTIONS.values())
