"""Every registered URL × every role → the expected status code (the Indico way).

A new URL must be added to ACCESS, or test_every_url_is_covered fails. Later issues extend the table."""

import pytest

from coopnum.core import clock, mail, outbox, services
from coopnum.core.models import MailStatus
from tests import days
from tests.conftest import login, make_users

ROLES = ("anonymous", "admin", "coordinator", "mediator", "member", "authority")
LOGGED_IN = frozenset(ROLES[1:])
STAFF = frozenset({"admin", "coordinator"})


def only(allowed, ok=200, denied=403, anonymous=302):
    """Status per role: ``ok`` for the allowed roles, ``denied`` for other logged-in roles; anonymous → login."""
    table = {role: (ok if role in allowed else denied) for role in LOGGED_IN}
    table["anonymous"] = ok if "anonymous" in allowed else anonymous
    return table


def same(status):
    return {role: status for role in ROLES}


# endpoint: (method, path, {role: status}). Paths use ids from the `ids` fixture.
ACCESS = {
    "core.login": ("GET", "/login", {**same(302), "anonymous": 200}),
    "core.logout": ("POST", "/logout", same(302)),
    "core.forgot_password": ("GET", "/password/forgot", same(200)),
    "core.reset_password": ("GET", "/password/reset/not-a-token", same(302)),
    "core.set_language": ("POST", "/lang/en", same(302)),
    "core.healthz": ("GET", "/healthz", same(200)),
    "core.dashboard": ("GET", "/", only(LOGGED_IN)),
    "core.account": ("GET", "/account", only(LOGGED_IN)),
    "core.change_password": ("POST", "/account/password", only(LOGGED_IN, ok=302)),
    "core.create_token": ("POST", "/account/tokens", only(LOGGED_IN, ok=302)),
    # a token belongs to its owner only: others get 404 (no hint that it exists)
    "core.revoke_token": ("POST", "/account/tokens/{admin_token}/revoke",
                          {**only({"admin"}, ok=302, denied=404)}),
    "core.users": ("GET", "/users", only(STAFF)),
    "core.user_new": ("GET", "/users/new", only(STAFF)),
    "core.user_edit": ("GET", "/users/{member}", only(STAFF)),
    "core.user_send_reset": ("POST", "/users/{member}/send-reset", only(STAFF, ok=302)),
    "core.audit": ("GET", "/audit", only({"admin"})),
    "core.outbox_page": ("GET", "/admin/outbox", only(STAFF)),
    "core.outbox_resend": ("POST", "/admin/outbox/{failed_mail}/resend", only(STAFF, ok=302)),
    "members.index": ("GET", "/members/", {**only(STAFF), "member": 302}),  # a member lands on its space
    "inventory.index": ("GET", "/inventory/", only(STAFF | {"mediator"})),
    "training.index": ("GET", "/training/", only(STAFF | {"mediator", "member"})),
    "api.openapi": ("GET", "/api/v1/openapi.json", same(200)),
    "api.me": ("GET", "/api/v1/me", {**only(LOGGED_IN), "anonymous": 401}),
}


def _load_domain_tables() -> None:
    """Each area adds its rows in tests/<domain>/access_<area>.py (a dict named ACCESS)."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*/access_*.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        duplicated = set(module.ACCESS) & set(ACCESS)
        assert not duplicated, f"{path.name} repeats {duplicated}"
        ACCESS.update(module.ACCESS)


_load_domain_tables()
# Dates in the paths, computed from the test day: the world's work happens last month (wholly past).
DATES = {"month": days.month_key(-1), "month_before": days.month_key(-2), "month_start": days.month_start(-1),
         "month_end": days.month_end(-1), "year": days.TODAY.year, "tomorrow": days.days(1)}
CASES = [(endpoint, role) for endpoint in ACCESS for role in ROLES]


def _build(session) -> dict:
    """Once per module: a user per role, one object of each kind (billing included), an API token per role."""
    from types import SimpleNamespace

    from tests import factories

    users = make_users(session)
    admin_token, _clear = services.create_token(session, users["admin"], users["admin"], "test", now=clock.now())
    tokens = {role: services.create_token(session, user, user, "access test", now=clock.now())[1]
              for role, user in users.items()}
    world = factories.world(session, users, billing=True)
    from tests.members.factories_registry import registry_world

    world.update(registry_world(session, users))  # members: colleges, the member user's own member, another one
    from tests.inventory.factories_inventory import inventory_world

    world.update(inventory_world(session, users, world))  # inventory: assets, a kit, reservations, loans…
    from tests.training.factories_training import training_world

    world.update(training_world(session, users, world))  # training: people, levels, a training and its half-days
    failed_mail = outbox.queue(session, mail.Mail(to=["x@example.org"], subject="Essai", body="Texte"), kind="test",
                               now=clock.now())
    failed_mail.status = MailStatus.RETRY
    session.flush()
    world["failed_mail"] = failed_mail.id
    return {"users": {role: SimpleNamespace(email=user.email) for role, user in users.items()},
            "ids": {**world, "member": users["member"].id, "admin_token": admin_token.id, **DATES},
            "tokens": tokens}


@pytest.fixture(scope="module")
def seeded(databases, tmp_path_factory):
    with databases.seed(_build, tmp_path_factory.mktemp("access")) as data:
        yield data


def test_every_url_is_covered(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(ACCESS) == set(), "add these endpoints to ACCESS"
    assert set(ACCESS) - endpoints == set(), "these endpoints no longer exist"


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_access(endpoint, role, seeded, client):
    method, path, expected = ACCESS[endpoint]
    url = path.format(**seeded["ids"])
    headers = {}
    if path.startswith("/api/"):
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {seeded['tokens'][role]}"
    elif role != "anonymous":
        login(client, seeded["users"][role])
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == expected[role], f"{method} {url} as {role}"
    if response.status_code == 302 and role == "anonymous" and expected[role] == 302 and "/login" not in url:
        location = response.headers["Location"]
        assert "/login" in location or endpoint in ("core.logout", "core.set_language", "core.reset_password")
