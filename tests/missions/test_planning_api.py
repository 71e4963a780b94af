
"""Planning API, on the world's data (an assigned session tomorrow 09:00–12:00, an open one in 8 days)."""

from datetime import timedelta

import holidays
import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from coopnum.core import clock, services
from coopnum.missions.models import MissionSession
from coopnum.organisations.models import Organisation
from tests import days, factories

FIRST_THURSDAY = days.weekday_on_or_after(days.month_start(1), days.THURSDAY)  # a future Thursday


def paris_iso(day, hour) -> str:
    """A Paris wall-clock time in ISO 8601 with its offset (+01:00 or +02:00), as API clients send it."""
    return days.at(day, hour).astimezone(clock.PARIS).isoformat()


@pytest.fixture
def api(users, session):
    ids = factories.world(session, users, billing=False)
    tokens = {}
    for role, user in users.items():
        _t, tokens[role] = services.create_token(session, user, user, "api", now=clock.now())
    session.commit()

    def call(client, method, url, role="coordinator", **kw):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {tokens[role]}"}, **kw)

    return ids, call


def test_create_a_weekly_mission_by_api(client, api, session):
    ids, call = api
    # a convention of two months, next month and the one after: the mission runs until its end
    short = factories.convention(session, organisation=session.get(Organisation, ids["own_org"]),
                                 start_date=days.month_start(1), end_date=days.month_end(2))
    response = call(client, "POST", "/api/v1/missions", json={
        "convention_id": short.id, "place_id": ids["own_place"], "title": "Atelier du jeudi",
        "first_date": FIRST_THURSDAY.isoformat(), "start_time": "14:00", "end_time": "16:00",
        "rrule": "FREQ=WEEKLY;BYDAY=TH", "kind": "workshop_series"})
    assert response.status_code == 201, response.json
    off = holidays.country_holidays("FR", years=range(FIRST_THURSDAY.year, FIRST_THURSDAY.year + 2))
    thursdays = [d for d in (FIRST_THURSDAY + timedelta(weeks=n) for n in range(10))
                 if d <= days.month_end(2) and d not in off]  # public holidays are skipped
    assert response.json["sessions_created"] == len(thursdays) >= 6
    assert response.json["mission"]["rrule"] == "FREQ=WEEKLY;BYDAY=TH"


def test_invalid_mission_gives_422_in_french(client, api):
    ids, call = api
    response = call(client, "POST", "/api/v1/missions", json={
        "convention_id": ids["own_convention"], "place_id": ids["own_place"], "title": "X",
        "first_date": FIRST_THURSDAY.isoformat(), "start_time": "14:00", "end_time": "13:00"})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "L'heure de fin doit être après l'heure de début."
    assert response.json["error"]["field"] == "end_time"
    response = call(client, "POST", "/api/v1/missions", json={"title": "X"})
    assert response.status_code == 422 and "convention_id" in response.json["error"]["details"]["fields"]


def test_list_sessions_with_filters(client, api):
    ids, call = api
    # from tomorrow to a week later: the mediator's assigned session (their past one is left out)
    week = f"from={days.days(1).isoformat()}&to={days.days(7).isoformat()}"
    response = call(client, "GET", f"/api/v1/sessions?{week}&mediator_id={ids['mediator']}")
    assert [s["id"] for s in response.json["items"]] == [ids["assigned_session"]]
    response = call(client, "GET", f"/api/v1/sessions?mediator_id={ids['mediator']}")
    assert [s["id"] for s in response.json["items"]] == [ids["past_session"], ids["assigned_session"]]
    response = call(client, "GET", f"/api/v1/sessions?convention_id={ids['other_convention']}")
    assert [s["id"] for s in response.json["items"]] == [ids["other_session"]]
    assert call(client, "GET", "/api/v1/sessions?from=demain").status_code == 422


def test_authority_token_sees_only_its_organisation(client, api):
    ids, call = api
    listed = {s["id"] for s in call(client, "GET", "/api/v1/sessions", role="authority").json["items"]}
    assert listed == {ids["assigned_session"], ids["open_session"], ids["past_session"]}
    assert call(client, "GET", f"/api/v1/sessions/{ids['other_session']}", role="authority").status_code == 404
    assert call(client, "GET", f"/api/v1/missions/{ids['other_mission']}", role="authority").status_code == 404


def test_double_booking_by_api_is_a_409_naming_the_conflict(client, api, session):
    ids, call = api
    tomorrow = days.days(1)  # the mediator's assigned session is tomorrow 09:00–12:00
    response = call(client, "POST", "/api/v1/sessions", json={
        "mission_id": ids["other_mission"], "start": paris_iso(tomorrow, 10), "end": paris_iso(tomorrow, 11),
        "mediator_ids": [ids["mediator"]]})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert "déjà affecté·e à « Permanence" in response.json["error"]["message"]
    assert (f"{format_date(tomorrow, 'EEEE d MMMM y', locale='fr')} de 09:00 à 12:00"
            in response.json["error"]["message"])
    # nothing half-saved: the session was not created either
    stmt = select(func.count()).select_from(MissionSession).where(MissionSession.mission_id == ids["other_mission"])
    assert session.execute(stmt).scalar_one() == 1
    response = call(client, "PATCH", f"/api/v1/sessions/{ids['other_session']}",
                    json={"start": paris_iso(tomorrow, 9), "end": paris_iso(tomorrow, 10),
                          "mediator_ids": [ids["mediator"]]})
    assert response.status_code == 409


def test_patch_session_moves_cancels_and_assigns(client, api, session):
    ids, call = api
    day = days.days(9)  # the open session (in 8 days) moves to the next day, 14:00–16:00 in Paris
    response = call(client, "PATCH", f"/api/v1/sessions/{ids['open_session']}", json={
        "start": paris_iso(day, 14), "end": paris_iso(day, 16), "mediator_ids": [ids["mediator"]]})
    assert response.status_code == 200, response.json
    assert response.json["start"] == f"{days.at(day, 14):%Y-%m-%dT%H:%M:%S}Z"  # given back in UTC
    assert response.json["end"] == f"{days.at(day, 16):%Y-%m-%dT%H:%M:%S}Z"
    assert response.json["mediator_ids"] == [ids["mediator"]]
    response = call(client, "PATCH", f"/api/v1/sessions/{ids['open_session']}", json={"status": "cancelled"})
    assert response.status_code == 422 and "motif" in response.json["error"]["message"]
    response = call(client, "PATCH", f"/api/v1/sessions/{ids['open_session']}",
                    json={"status": "cancelled", "cancel_reason": "Grève"})
    assert response.json["status"] == "cancelled"
    assert call(client, "PATCH", f"/api/v1/sessions/{ids['open_session']}", role="mediator",
                json={"status": "planned"}).status_code == 403
    assert call(client, "PATCH", "/api/v1/sessions/999999", json={"status": "planned"}).status_code == 404


def test_naive_datetime_is_refused(client, api):
    ids, call = api
    response = call(client, "POST", "/api/v1/sessions", json={
        "mission_id": ids["own_mission"], "start": f"{days.days(3)}T10:00:00",
        "end": f"{days.days(3)}T11:00:00"})
    assert response.status_code == 422 and "fuseau horaire" in response.json["error"]["message"]
