"""The main pages send as many SQL statements on small data as on larger data: no N+1 (issue 18).

For each main page of every role, the statements of one GET (after a warm-up GET of the same URL, so one-time loads
are left out) are counted with a ``before_cursor_execute`` listener on the app's engine (tests/queries.py), on two
seeded databases: the access test's world (tests/test_access.py ``_build``) with ``SMALL`` more of each kind of row
the pages list, and the same world with ``LARGE`` more (tests/volume_data.py: more sessions, activities, invoices
with lines and payments, members with capital operations, assemblies with resolutions and ballots, assets with loans,
trainings with attendees, places, conventions, missions…). On both, every list shows at least one row and every
panel of every role's dashboard has something to show (volume_data ``_dashboards``: timesheets to validate,
reminders waiting for an ECB rate, sessions to confirm, loans and reservations, trainings to sign and to come,
certifications expiring, requests, pending votes…), so an eager load that only runs for a non-empty list counts on
both sides.

Each page must send the same number of statements on both (else a query runs per row: the failure lists the
statements that grew), at most ``LIMIT`` (the issue's target; ``EXCEPTIONS`` would name a page allowed more, with
the reason), and show more on the larger data (else the comparison would prove nothing; ``FIXED`` names the pages
whose content does not depend on the data added).

The bench's pages (coopnum/bench/pages.py, with the ids the bench would pick in this world and the role of each
page's demo account) are held to the same two rules: as many statements on both sizes, at most ``LIMIT``.
"""

import dataclasses
import re
from collections import Counter
from datetime import date
from typing import NamedTuple

import pytest
from sqlalchemy import select

from coopnum.bench import pages as bench
from coopnum.core.models import User
from tests import days
from tests.conftest import base_config, login, text_of
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
    # an administrator
    "admin-home": ("admin", "/"),
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


# The dashboards, and what each of their panels shows when it has rows (rather than its empty state).
DASHBOARDS = {
    "dashboard": ("d'heures à valider", "n'est pas renseigné", "Émarger :", "En cours d'étude :",
                  "votes vous attendent", "Convocation :", 'data-panel="training_certifications"'),
    "admin-home": ("d'heures à valider", "n'est pas renseigné", "Émarger :", "En cours d'étude :",
                   "Connexion"),
    "mediator-home": ("Séances à confirmer :", "Prêts en cours", "Prochaines réservations", "Émarger :",
                      "votes vous attendent", "Convocation :", 'data-panel="my_certifications"'),
    "member-home": ("Émarger :", "votes vous attendent", "Convocation :", 'data-panel="my_certifications"'),
    "authority-home": ("/missions/requests/", "Reste à régler :", "Prochaines séances"),
}

# The bench's demo accounts (coopnum/bench/pages.py LOGINS) → the roles of the access test's users.
BENCH_ROLES = {"coordination": "coordinator", "médiatrice": "mediator", "administration": "admin",
               "sociétaire": "member", "collectivité": "authority"}
_ANY_IDS = bench.Ids(today=date(2026, 1, 1), first_day=date(2026, 1, 1), convention=0, mediator=0, invoice=0,
                     assembly=0, resolution=0)
BENCH_PAGES = [page.key for page in bench.pages(_ANY_IDS)]  # the keys do not depend on the ids
# A bench page whose count may differ with the data (it still keeps to LIMIT), with the reason.
BENCH_VARIES = {"admin.audit": "names the objects of its 50 entries with a query per kind of object shown "
                               "(coopnum.core.audit.object_names), not per entry: the kinds on the page vary"}


class Measure(NamedTuple):
    url: str
    status: int
    statements: list[str]
    size: int  # bytes of the answer
    text: str  # the answer, its HTML entities decoded


def _builder(n: int):
    def build(session) -> dict:
        data = _build(session)
        data["ids"].update(more(session, data, n))  # the pages of one object are measured on a richer one
        session.flush()
        mediator = session.execute(select(User.id).where(User.email == data["users"]["mediator"].email)).scalar_one()
        ids = dataclasses.replace(bench.read_ids(session), mediator=mediator)  # what the bench would pick here
        data["bench"] = {page.key: (BENCH_ROLES[page.role], page.path) for page in bench.pages(ids)}
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
    urls = {page: (role, template.format(**ids)) for page, (role, template) in PAGES.items()}
    urls.update({f"bench:{key}": page for key, page in data["bench"].items()})
    for page, (role, url) in urls.items():
        api = url.startswith("/api/")
        headers = {"Authorization": f"Bearer {data['tokens'][role]}"} if api else {}
        client = _client(app, clients, data, role, api)
        client.get(url, headers=headers)  # warm-up: one-time loads (templates, reference lists) left out
        with counting(engine) as statements:
            response = client.get(url, headers=headers)
        result[page] = Measure(url, response.status_code, list(statements), len(response.data), text_of(response))
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
    """The statements sent a different number of times on the larger data, with their counts."""
    before, after = Counter(map(_shape, small)), Counter(map(_shape, large))
    return "\n".join(f"  {before[s]} → {after[s]}: {s}" for s in {**before, **after} if after[s] != before[s]) \
        or "  (none)"


def _check_counts(page: str, small: Measure, large: Measure, limit: int, *, same: bool = True) -> None:
    """Both answered 200, with as many statements (unless not ``same``), at most ``limit``."""
    url = large.url
    assert (small.status, large.status) == (200, 200), f"{url} answered {small.status}/{large.status}"
    few, many = len(small.statements), len(large.statements)
    assert not same or few == many, (
        f"{page} ({url}): {few} statements on small data, {many} on larger data — a query per row (N+1)?\n"
        f"{_grown(small.statements, large.statements)}")
    for measure in (small, large):
        within = len(measure.statements) <= limit
        assert within, f"{page} ({url}): {len(measure.statements)} statements (limit {limit})\n" + "\n".join(
            f"  {_shape(s)}" for s in measure.statements)


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_data(page, measured):
    small, large = (m[page] for m in measured)
    _check_counts(page, small, large, EXCEPTIONS.get(page, (LIMIT, ""))[0])
    grows = page in FIXED or large.size > small.size
    assert grows, f"{page} ({large.url}) shows nothing more on the larger data: feed it in tests/volume_data.py"


def test_the_exceptions_are_pages_with_a_reason():
    assert set(EXCEPTIONS) | set(FIXED) <= set(PAGES)
    assert all(limit > LIMIT and why for limit, why in EXCEPTIONS.values())


@pytest.mark.parametrize("page", DASHBOARDS)
def test_every_panel_of_the_dashboards_has_rows_on_both_sizes(page, measured):
    """Else an eager load that only runs for a non-empty panel would not be counted (tests/volume_data.py)."""
    for measures in measured:
        shown = measures[page].text
        assert 'class="empty"' not in shown, f"{page}: a panel shows its empty state\n{shown}"
        assert [marker for marker in DASHBOARDS[page] if marker not in shown] == [], shown


@pytest.mark.parametrize("key", BENCH_PAGES)
def test_a_bench_page_sends_as_many_statements_and_at_most_the_limit(key, measured):
    small, large = (m[f"bench:{key}"] for m in measured)
    _check_counts(f"bench {key}", small, large, LIMIT, same=key not in BENCH_VARIES)


def test_the_bench_pages_allowed_to_vary_have_a_reason():
    assert set(BENCH_VARIES) <= set(BENCH_PAGES) and all(BENCH_VARIES.values())
