"""GET /api/v1/timesheets/{mediator}/{yyyy-mm}: a mediator reads their own months, staff anyone's; a bad month
is a 422 in French."""

from datetime import UTC, datetime

import pytest

from coopnum.core import clock, services
from coopnum.missions.models import MissionSession
from coopnum.missions.services import hours
from tests import factories

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def api(users, session, monkeypatch):
    monkeypatch.setattr("coopnum.missions.api.hours.utcnow", lambda: NOW)
    ids = factories.world(session, users, billing=False)
    other = session.get(type(users["mediator"]), ids["other_mediator"])
    tokens = {}
    for role, user in {**users, "other_mediator": other}.items():
        _t, tokens[role] = services.create_token(session, user, user, "api", now=clock.now())
    session.commit()

    def call(client, url, role="mediator"):
        return client.get(url, headers={"Authorization": f"Bearer {tokens[role]}"})

    return ids, call


def test_a_mediator_reads_their_month(client, api, session, users):
    ids, call = api
    past = session.get(MissionSession, ids["past_session"])
    hours.confirm_session(session, users["mediator"], past, held=True, minutes=150, now=NOW)
    session.commit()
    response = call(client, f"/api/v1/timesheets/{ids['mediator']}/2026-11")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["mediator_id"] == ids["mediator"] and body["month"] == "2026-11"
    assert body["status"] == "open" and body["locked"] is False
    assert body["totals"] == {"session_minutes": 150, "extra_minutes": 90, "total_minutes": 240,
                              "by_category": {"session": 150, "preparation": 90}}
    entries = {(e["day"], e["category"]): e for e in body["entries"]}
    session_entry = entries[("2026-11-17", "session")]
    assert session_entry["minutes"] == 150 and session_entry["session_id"] == ids["past_session"]
    assert session_entry["convention_id"] == ids["own_convention"]
    assert entries[("2026-11-12", "preparation")]["session_id"] is None
    assert body["unconfirmed_sessions"] == []
    assert body["sessions_without_report"] == [ids["past_session"]]


def test_unconfirmed_sessions_are_listed(client, api):
    ids, call = api
    body = call(client, f"/api/v1/timesheets/{ids['mediator']}/2026-11").json
    assert [s["id"] for s in body["unconfirmed_sessions"]] == [ids["past_session"]]
    assert body["unconfirmed_sessions"][0]["planned_minutes"] == 180
    assert body["unconfirmed_sessions"][0]["start"].startswith("2026-11-17T08:00:00")


def test_who_reads_what(client, api):
    ids, call = api
    url = f"/api/v1/timesheets/{ids['mediator']}/2026-11"
    response = call(client, url, role="other_mediator")
    assert response.status_code == 403 and "vos propres relevés" in response.json["error"]["message"]
    assert call(client, url, role="coordinator").status_code == 200
    assert call(client, url, role="admin").status_code == 200
    assert call(client, url, role="authority").status_code == 403
    assert call(client, url, role="member").status_code == 403
    assert call(client, "/api/v1/timesheets/999999/2026-11", role="coordinator").status_code == 404
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("month", ["2026-13", "novembre", "2026-1", "1999-01"])
def test_a_bad_month_is_422_in_french(client, api, month):
    ids, call = api
    response = call(client, f"/api/v1/timesheets/{ids['mediator']}/{month}")
    assert response.status_code == 422
    assert response.json["error"]["message"].startswith("Mois invalide")
    assert response.json["error"]["field"] == "month"


def test_reading_does_not_create_the_timesheet(client, api, session):
    from sqlalchemy import func, select

    from coopnum.missions.models import Timesheet

    ids, call = api
    before = session.execute(select(func.count()).select_from(Timesheet)).scalar_one()
    assert call(client, f"/api/v1/timesheets/{ids['mediator']}/2026-10").json["status"] == "open"
    assert session.execute(select(func.count()).select_from(Timesheet)).scalar_one() == before


def test_the_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/timesheets/{mediator}/{month}"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"mediator", "month"}
    assert "TimesheetPublic" in doc["components"]["schemas"]
