"""The API validates every input at its boundary: what the database or the documents cannot hold (an id or an
integer beyond INTEGER, a NUL byte or another control character, the year 1, a time with an offset, a text longer
than its column) is a 422 with a French message in the API's error shape (or a 404 for an id that can match no
row), never a 500. And the document says what the answers carry (times without an offset).

The examples found by the fuzzing (tests/core/test_api_fuzz.py), written down; each failed before the fix."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.billing import documents
from coopnum.billing.models import Invoice, InvoiceKind
from coopnum.core import clock, services
from coopnum.core.api import TIME_PATTERN
from coopnum.core.validation import CONTROL_CHARS_MESSAGE, DATE_RANGE_MESSAGE, INT_MAX
from coopnum.missions.models import Mission
from coopnum.organisations.models import Organisation
from tests import days
from tests.billing import factories as bf

HUGE = 2**63  # beyond BIGINT too


@pytest.fixture
def api(session, users, monkeypatch):
    """Two conventions of one organisation, each with a mission and held sessions; an issued invoice of the first;
    and ``call(method, url, **kw)`` with a coordinator's token."""
    monkeypatch.setattr(documents, "render", bf.fake_render)
    coordinator = users["coordinator"]
    own = session.get(Organisation, users["authority"].organisation_id)
    conv, mission, held = bf.billable_convention(session, mediator=users["mediator"], organisation=own)
    other, other_mission, other_held = bf.billable_convention(session, mediator=users["mediator"], organisation=own,
                                                              sessions=1)
    invoice = bf.issued_invoice(session, coordinator, organisation=own, convention=conv)
    _token, clear = services.create_token(session, coordinator, coordinator, "limites", now=clock.now())
    session.commit()
    ids = {"org": own.id, "convention": conv.id, "mission": mission.id, "place": mission.place_id,
           "sessions": [s.id for s in held], "other_convention": other.id, "other_sessions": [s.id for s in other_held],
           "invoice": invoice.id, "line": invoice.lines[0].id}

    def call(client, method, url, **kw):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {clear}"}, **kw)

    return ids, call


def error_of(response, status: int = 422) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message"}
    return error


def field_reason(response, field: str) -> str:
    error = error_of(response)
    assert error["code"] == "invalid" and error["field"] == field
    reason = error["details"]["fields"][field]
    assert reason in error["message"]
    return reason


# --- paths ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    f"/api/v1/conventions/{INT_MAX + 1}", f"/api/v1/organisations/{HUGE}", f"/api/v1/places/{HUGE * 10}",
    f"/api/v1/sessions/{HUGE}", f"/api/v1/missions/{HUGE}", f"/api/v1/invoices/{HUGE}/pdf",
    f"/api/v1/conventions/{HUGE}/report", f"/api/v1/timesheets/{HUGE}/2026-01",
])
def test_an_id_beyond_integer_in_the_path_is_a_404(client, api, url):
    _ids, call = api
    error = error_of(call(client, "GET", url), 404)
    assert error["code"] == "not_found" and error["message"].endswith("introuvable.")


def test_an_id_beyond_integer_in_the_path_of_a_write_is_a_404_too(client, api):
    _ids, call = api
    assert error_of(call(client, "PATCH", f"/api/v1/sessions/{HUGE}", json={"status": "planned"}), 404)["code"] == \
        "not_found"
    assert error_of(call(client, "POST", f"/api/v1/invoices/{HUGE}/issue"), 404)["code"] == "not_found"


def test_a_control_character_in_a_text_path_segment_is_a_422(client, api, users):
    _ids, call = api
    error = error_of(call(client, "GET", f"/api/v1/timesheets/{users['mediator'].id}/2026-01%01"))
    assert error["field"] == "month" and "month" in error["message"]


# --- query strings --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "field"), [
    (f"/api/v1/invoices?organisation_id={HUGE}", "organisation_id"),
    (f"/api/v1/payments?invoice_id=-{HUGE}", "invoice_id"),
    (f"/api/v1/activities?convention={INT_MAX + 1}", "convention"),
    (f"/api/v1/sessions?mission_id={HUGE}", "mission_id"),
    (f"/api/v1/places?organisation_id={HUGE}", "organisation_id"),
    (f"/api/v1/conventions?page={HUGE}", "page"),
])
def test_an_integer_beyond_integer_in_the_query_is_a_422(client, api, url, field):
    _ids, call = api
    error = error_of(call(client, "GET", url))
    assert error["code"] == "invalid" and error["field"] == field
    assert error["message"] == f"« {field} » : nombre hors des limites autorisées (-2147483648 à 2147483647)." or \
        error["message"].startswith(f"« {field} » : nombre hors des limites autorisées (1 à ")


def test_query_integers_dates_and_paging_follow_their_documented_schema(client, api):
    _ids, call = api
    error = error_of(call(client, "GET", "/api/v1/invoices?year=12"))
    assert error["field"] == "year" and error["message"] == "« year » : nombre hors des limites autorisées (1900 à 2199)."
    error = error_of(call(client, "GET", "/api/v1/missions?convention_id=douze"))
    assert error["field"] == "convention_id" and error["message"] == "« convention_id » : nombre entier attendu."
    error = error_of(call(client, "GET", "/api/v1/places?per_page=201"))
    assert error["field"] == "per_page" and "(1 à 200)" in error["message"]
    error = error_of(call(client, "GET", "/api/v1/organisations?archived=peut-être"))
    assert error["field"] == "archived" and error["message"] == "« archived » : true ou false attendu."


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/sessions?from=0001-01-01", "from"),
    ("/api/v1/activities?to=0001-12-31", "to"),
    ("/api/v1/payments?date_from=9999-12-31", "date_from"),
    ("/api/v1/conventions/{convention}/report?from=0001-01-01&to=0001-01-31", "from"),
])
def test_the_year_1_in_a_query_date_is_a_422(client, api, url, field):
    ids, call = api
    error = error_of(call(client, "GET", url.format(**ids)))
    assert error["field"] == field and error["message"] == f"« {field} » : {DATE_RANGE_MESSAGE}"


@pytest.mark.parametrize("value", ["-0001-01-01", "2026-13-01", "hier"])
def test_a_query_date_that_is_no_date_is_a_422(client, api, value):
    _ids, call = api
    error = error_of(call(client, "GET", "/api/v1/sessions", query_string={"from": value}))
    assert error["field"] == "from" and error["message"] == "« from » : date attendue (AAAA-MM-JJ)."


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/places?q=Poi%00tiers", "q"),
    ("/api/v1/conventions?q=%1b%5b31m", "q"),
    ("/api/v1/activities?theme=Email%00", "theme"),
    ("/api/v1/conventions/{convention}/report?period=month&ref=2026-01%00", "ref"),
])
def test_a_nul_byte_or_a_control_character_in_the_query_is_a_422(client, api, url, field):
    ids, call = api
    error = error_of(call(client, "GET", url.format(**ids)))
    assert error["field"] == field and error["message"] == f"« {field} » : {CONTROL_CHARS_MESSAGE}"


# --- bodies ---------------------------------------------------------------------------------------------------------

def test_an_integer_beyond_integer_in_a_body_is_a_422(client, api):
    ids, call = api
    response = call(client, "POST", "/api/v1/payments", json={
        "invoice_id": ids["invoice"], "amount_cents": HUGE, "received_on": days.TODAY.isoformat()})
    assert field_reason(response, "amount_cents") == "nombre hors des limites autorisées (-2147483648 à 2147483647)"
    response = call(client, "POST", "/api/v1/sessions", json={
        "mission_id": INT_MAX + 1, "start": "2026-11-24T09:00:00+01:00", "end": "2026-11-24T10:00:00+01:00"})
    assert field_reason(response, "mission_id") == "nombre hors des limites autorisées (-2147483648 à 2147483647)"
    response = call(client, "POST", "/api/v1/activities", json={
        "kind": "Individuel", "duration_minutes": 30, "beneficiary_ids": [HUGE]})
    assert field_reason(response, "beneficiary_ids.0").startswith("nombre hors des limites autorisées")


def test_a_nul_byte_in_a_body_is_a_422_and_nothing_is_written(client, api, session):
    _ids, call = api
    before = session.execute(select(func.count()).select_from(Organisation)).scalar_one()
    response = call(client, "POST", "/api/v1/organisations", json={"name": "Mairie\u0000de Poitiers"})
    assert field_reason(response, "name") == CONTROL_CHARS_MESSAGE
    assert session.execute(select(func.count()).select_from(Organisation)).scalar_one() == before


def test_a_number_that_is_not_finite_in_a_body_is_a_422(client, api):
    ids, call = api
    response = call(client, "PATCH", f"/api/v1/places/{ids['place']}", data='{"latitude": NaN, "longitude": 0.3}',
                    content_type="application/json")
    assert field_reason(response, "latitude") == "nombre fini attendu"


def test_a_body_nested_too_deep_is_a_422(client, api):
    ids, call = api
    for body in ("[" * 100_000 + "]" * 100_000, '{"nom": ' + "[" * 50 + "]" * 50 + "}"):
        response = call(client, "PATCH", f"/api/v1/places/{ids['place']}", data=body,
                        content_type="application/json")
        assert error_of(response)["code"] == "invalid"


def test_a_time_with_an_offset_is_refused_in_french(client, api, session):
    """Mission times are Paris wall times: "00:00:00Z" cannot be compared with them (it was a 500)."""
    ids, call = api
    body = {"convention_id": ids["convention"], "place_id": ids["place"], "title": "Permanence du soir",
            "first_date": days.days(10).isoformat(), "start_time": "00:00:00Z", "end_time": "02:00"}
    response = call(client, "POST", "/api/v1/missions", json=body)
    reason = field_reason(response, "start_time")
    assert reason.startswith("heure locale attendue (HH:MM ou HH:MM:SS, heure de Paris, sans fuseau")
    for value in ("09:00+01:00", "09:00:00.5", "9h", "24:00"):
        assert call(client, "POST", "/api/v1/missions", json={**body, "start_time": value}).status_code == 422
    missions = session.execute(select(func.count()).select_from(Mission)).scalar_one()
    response = call(client, "POST", "/api/v1/missions", json={**body, "start_time": "18:00", "end_time": "20:00:00"})
    assert response.status_code == 201, response.get_json()
    mission = response.get_json()["mission"]
    assert (mission["start_time"], mission["end_time"]) == ("18:00:00", "20:00:00")
    assert session.execute(select(func.count()).select_from(Mission)).scalar_one() == missions + 1


def test_times_are_documented_as_they_are_answered(client, api):
    """The document declares the times as a pattern without offset (not ``format: time``, which requires one);
    the answers match it."""
    ids, call = api
    doc = client.get("/api/v1/openapi.json").get_json()
    for name in ("MissionPublic", "MissionCreate"):
        prop = doc["components"]["schemas"][name]["properties"]["start_time"]
        assert prop.get("pattern") == TIME_PATTERN and "format" not in prop and prop["type"] == "string"
    answered = call(client, "GET", f"/api/v1/missions/{ids['mission']}").get_json()
    assert re.fullmatch(TIME_PATTERN, answered["start_time"]) and re.fullmatch(TIME_PATTERN, answered["end_time"])


def test_a_naive_date_time_is_refused_in_french(client, api):
    ids, call = api
    response = call(client, "PATCH", f"/api/v1/sessions/{ids['sessions'][0]}",
                    json={"start": "2026-11-24T09:00:00"})
    assert field_reason(response, "start").startswith("date et heure avec leur fuseau horaire attendues")


@pytest.mark.parametrize("value", ["0001-01-01", "-0001-01-01"])
def test_the_year_1_or_minus_1_in_a_body_is_a_422(client, api, value):
    ids, call = api
    response = call(client, "POST", "/api/v1/invoices", json={
        "convention_id": ids["convention"], "period_start": value, "period_end": days.TODAY.isoformat()})
    reason = field_reason(response, "period_start")
    assert reason == (DATE_RANGE_MESSAGE if value == "0001-01-01" else "date attendue (AAAA-MM-JJ)")
    response = call(client, "PATCH", f"/api/v1/sessions/{ids['sessions'][0]}", json={
        "start": f"{value}T09:00:00+00:00", "end": f"{value}T10:00:00+00:00"})
    assert response.status_code == 422 and "start" in response.get_json()["error"]["details"]["fields"]


def test_a_holiday_subdivision_longer_than_its_column_is_a_422(client, api, session):
    ids, call = api
    response = call(client, "PATCH", f"/api/v1/missions/{ids['mission']}", json={"holiday_subdiv": "Moselle"})
    assert field_reason(response, "holiday_subdiv") == "texte trop long (au plus 5 caractères)"
    assert session.get(Mission, ids["mission"]).holiday_subdiv is None


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    # what becomes the label of an invoice line: the mission's title, the place's name, the convention's title
    ("POST", "/api/v1/missions", {"title": "Permanence\u000b"}, "title"),
    ("PATCH", "/api/v1/places/{place}", {"nom": "Médiathèque\u001f"}, "nom"),
    ("PATCH", "/api/v1/conventions/{convention}", {"title": "Convention\u0007"}, "title"),
    ("POST", "/api/v1/conventions", {"title": "\u001b[31mConvention"}, "title"),
])
def test_a_control_character_in_what_labels_an_invoice_line_is_a_422(client, api, method, url, body, field):
    ids, call = api
    base = {"convention_id": ids["convention"], "place_id": ids["place"], "title": "Permanence",
            "first_date": days.days(10).isoformat(), "start_time": "09:00", "end_time": "12:00"} \
        if url == "/api/v1/missions" else {}
    if url == "/api/v1/conventions":
        base = {"organisation_id": ids["org"], "start_date": days.TODAY.isoformat(),
                "end_date": (days.TODAY + timedelta(days=300)).isoformat()}
    response = call(client, method, url.format(**ids), json={**base, **body})
    assert field_reason(response, field) == CONTROL_CHARS_MESSAGE


def test_a_control_character_in_a_credit_note_reason_is_a_422(client, api, session):
    ids, call = api
    count = select(func.count()).select_from(Invoice).where(Invoice.kind == InvoiceKind.CREDIT_NOTE)
    response = call(client, "POST", f"/api/v1/invoices/{ids['invoice']}/credit-notes",
                    json={"reason": "Erreur de\u0000quantité"})
    assert field_reason(response, "reason") == CONTROL_CHARS_MESSAGE
    response = call(client, "POST", f"/api/v1/invoices/{ids['invoice']}/credit-notes",
                    json={"reason": "Erreur", "lines": [{"line_id": ids["line"], "quantity": "1e20"}]})
    assert field_reason(response, "lines.0.quantity") == "nombre trop grand (au plus 12 chiffres)"
    assert session.execute(count).scalar_one() == 0
    response = call(client, "POST", f"/api/v1/invoices/{ids['invoice']}/credit-notes",
                    json={"reason": "Erreur de quantité"})
    assert response.status_code == 201 and response.get_json()["kind"] == "credit_note"


# --- one name for one filter ----------------------------------------------------------------------------------------

def test_sessions_filter_by_convention_as_activities_do(client, api):
    ids, call = api
    for name in ("convention", "convention_id"):  # the name of /api/v1/activities, and the older one
        body = call(client, "GET", f"/api/v1/sessions?{name}={ids['convention']}&per_page=200").get_json()
        assert sorted(s["id"] for s in body["items"]) == sorted(ids["sessions"]) and body["total"] == 2
        assert {s["convention_id"] for s in body["items"]} == {ids["convention"]}
        body = call(client, "GET", f"/api/v1/sessions?{name}={ids['other_convention']}").get_json()
        assert [s["id"] for s in body["items"]] == ids["other_sessions"]
    assert call(client, "GET", "/api/v1/sessions").get_json()["total"] == 3
    activities = call(client, "GET", f"/api/v1/activities?convention={ids['convention']}")
    assert activities.status_code == 200
    params = {p["name"]: p for p in client.get("/api/v1/openapi.json").get_json()
              ["paths"]["/api/v1/sessions"]["get"]["parameters"]}
    assert params["convention"]["schema"]["type"] == "integer" and "convention_id" in params
