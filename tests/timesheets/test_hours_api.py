"""GET /api/v1/timesheets/{mediator}/{yyyy-mm}: a mediator reads their own months, staff anyone's; a bad month
is a 422 in French."""

import pytest

from coopnum.core import clock, services
from coopnum.missions.models import MissionSession
from coopnum.timesheets.services import hours
from tests import days, factories

MONTH = days.month_start(-1)  # the world's month (last month: wholly past, still open)
MONTH_KEY = days.month_key(-1)


@pytest.fixture
def api(users, session):
    ids = factories.world(session, users, billing=False)
    other = session.get(type(users["mediator"]), ids["other_mediator"])
    tokens = {}
    for role, user in {**users, "other_mediator": other}.items():
        _t, tokens[role] = services.create_token(session, user, user, "api", now=clock.now())
    session.commit()

    def call(client, url, role="mediator"):
        return client.get(url, headers={"Authorization": f"Bearer {tokens[role]}"})

    return ids, call


def test_a_mediator_reads_their_month(client, api, session, users, now):
    ids, call = api
    past = session.get(MissionSession, ids["past_session"])
    hours.confirm_session(session, users["mediator"], past, held=True, minutes=150, now=now)
    session.commit()
    response = call(client, f"/api/v1/timesheets/{ids['mediator']}/{MONTH_KEY}")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["mediator_id"] == ids["mediator"] and body["month"] == MONTH_KEY
    assert body["status"] == "open" and body["locked"] is False
    assert body["totals"] == {"session_minutes": 150, "extra_minutes": 90, "total_minutes": 240,
                              "by_category": {"session": 150, "preparation": 90}}
    entries = {(e["day"], e["category"]): e for e in body["entries"]}
    session_entry = entries[(MONTH.replace(day=17).isoformat(), "session")]
    assert session_entry["minutes"] == 150 and session_entry["session_id"] == ids["past_session"]
    assert session_entry["convention_id"] == ids["own_convention"]
    assert entries[(MONTH.replace(day=12).isoformat(), "preparation")]["session_id"] is None
    assert body["unconfirmed_sessions"] == []
    assert body["sessions_without_report"] == [ids["past_session"]]


def test_unconfirmed_sessions_are_listed(client, api):
    ids, call = api
    body = call(client, f"/api/v1/timesheets/{ids['mediator']}/{MONTH_KEY}").json
    assert [s["id"] for s in body["unconfirmed_sessions"]] == [ids["past_session"]]
    assert body["unconfirmed_sessions"][0]["planned_minutes"] == 180
    start = days.at(MONTH.replace(day=17), 9)  # 09:00 in Paris, in UTC
    assert body["unconfirmed_sessions"][0]["start"].startswith(f"{start:%Y-%m-%dT%H:%M:%S}")


def test_who_reads_what(client, api):
    ids, call = api
    url = f"/api/v1/timesheets/{ids['mediator']}/{MONTH_KEY}"
    response = call(client, url, role="other_mediator")
    assert response.status_code == 403 and "vos propres relevés" in response.json["error"]["message"]
    assert call(client, url, role="coordinator").status_code == 200
    assert call(client, url, role="admin").status_code == 200
    assert call(client, url, role="authority").status_code == 403
    assert call(client, url, role="member").status_code == 403
    assert call(client, f"/api/v1/timesheets/999999/{MONTH_KEY}", role="coordinator").status_code == 404
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("month", ["2026-13", "novembre", "2026-1", "1999-01"])  # malformed: fixed strings
def test_a_bad_month_is_422_in_french(client, api, month):
    ids, call = api
    response = call(client, f"/api/v1/timesheets/{ids['mediator']}/{month}")
    assert response.status_code == 422
    assert response.json["error"]["message"].startswith("Mois invalide")
    assert response.json["error"]["field"] == "month"


def test_reading_does_not_create_the_timesheet(client, api, session):
    from sqlalchemy import func, select

    from coopnum.timesheets.models import Timesheet

    ids, call = api
    before = session.execute(select(func.count()).select_from(Timesheet)).scalar_one()
    assert call(client, f"/api/v1/timesheets/{ids['mediator']}/{days.month_key(-2)}").json["status"] == "open"
    assert session.execute(select(func.count()).select_from(Timesheet)).scalar_one() == before


def test_the_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/timesheets/{mediator}/{month}"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"mediator", "month"}
    assert "TimesheetPublic" in doc["components"]["schemas"]
