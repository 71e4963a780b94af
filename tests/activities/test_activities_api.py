"""/api/v1/activities: list with the filters of the activity list, create through the same service (422 with the
field in error, 403 for someone else's session)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.activities.models import Activity
from coopnum.core import clock, services
from coopnum.missions.models import MissionSession
from tests import days, factories

SESSION_DAY = factories.LAST_MONTH_10TH + timedelta(days=7)  # the world's past session (the 17th of last month)
FREE_DAY = days.month_start(-1).replace(day=19)  # a past day of an open month


@pytest.fixture
def world(session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    return ids


@pytest.fixture
def bearer(session, users):
    def make(role):
        _token, clear = services.create_token(session, users[role], users[role], "test", now=clock.now())
        session.commit()
        return {"Authorization": f"Bearer {clear}"}

    return make


def test_list_with_filters_and_national_spellings(client, session, users, world, bearer):
    factories.activity(session, mediator=users["mediator"], day=days.month_start(-3), kind="Collectif",
                       workshop_title="Atelier", participants=5, thematiques=["AideAuxDemarchesAdministratives"],
                       thematiques_demarche=["SocialSante"], workshop_level="Debutant")
    session.commit()
    headers = bearer("coordinator")
    body = client.get("/api/v1/activities", headers=headers).get_json()
    assert body["total"] == 3 and body["page"] == 1
    workshop = next(i for i in body["items"] if i["kind"] == "Collectif")
    assert workshop["kind_api"] == "collectif" and workshop["place_type_api"] == "lieu_activite"
    assert workshop["thematiques_api"] == ["aide_aux_demarches_administratives"]
    assert workshop["thematiques_demarche_api"] == ["social_sante"] and workshop["workshop_level_api"] == "debutant"
    assert workshop["participants"] == 5 and workshop["anonymous_participants"] == 5
    assert workshop["notes"] is None  # someone else's notes are not shown to the coordinator
    filtered = client.get("/api/v1/activities?kind=collectif", headers=headers).get_json()
    assert [i["kind"] for i in filtered["items"]] == ["Collectif"]
    filtered = client.get(f"/api/v1/activities?from={days.month_start(-1).isoformat()}&mediator={world['other_mediator']}",
                          headers=headers).get_json()
    assert [i["id"] for i in filtered["items"]] == [world["other_activity"]]
    assert client.get("/api/v1/activities?theme=SocialSante", headers=headers).get_json()["total"] == 1
    assert client.get("/api/v1/activities?theme=social_sante", headers=headers).get_json()["total"] == 1
    page = client.get("/api/v1/activities?per_page=2&page=2", headers=headers).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    response = client.get(f"/api/v1/activities?to={days.month_start(-2).isoformat()}"
                          f"&from={days.month_start(-1).isoformat()}", headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "to"


def test_a_mediator_lists_their_own_and_others_are_refused(client, session, users, world, bearer):
    body = client.get("/api/v1/activities", headers=bearer("mediator")).get_json()
    assert [i["id"] for i in body["items"]] == [world["own_activity"]]
    assert body["items"][0]["notes"] == ""
    for role in ("authority", "member"):
        response = client.get("/api/v1/activities", headers=bearer(role))
        assert response.status_code == 403
    assert client.get("/api/v1/activities").status_code == 401


def test_create_from_a_session(client, session, users, world, bearer):
    response = client.post("/api/v1/activities", headers=bearer("mediator"), json={
        "kind": "individuel", "duration_minutes": 45, "session_id": world["past_session"],
        "thematiques": ["email", "Sante"], "materiel": ["telephone"], "autonomie": "autonome",
        "beneficiary_genre": "feminin", "beneficiary_tranche_age": "SoixanteDixPlus"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "Individuel" and body["date"] == SESSION_DAY.isoformat() and body["place_id"] == world["own_place"]
    assert body["thematiques"] == ["Email", "Sante"] and body["materiel_api"] == ["telephone"]
    assert body["mediator_id"] == users["mediator"].id and body["convention_id"] == world["own_convention"]
    a = session.get(Activity, body["id"])
    assert a.autonomie == "Autonome" and a.beneficiary_genre == "Feminin"


def test_create_without_a_session_with_a_new_followed_person(client, session, users, world, bearer):
    response = client.post("/api/v1/activities", headers=bearer("coordinator"), json={
        "kind": "Collectif", "duration_minutes": 90, "date": FREE_DAY.isoformat(), "place_type": "Autre",
        "commune": "Chasseneuil", "thematiques": ["Bureautique"], "workshop_title": "Tableur", "participants": 4,
        "mediator_id": users["mediator"].id, "beneficiary_ids": [world["own_beneficiary"]]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["beneficiary_ids"] == [world["own_beneficiary"]] and body["anonymous_participants"] == 3
    response = client.post("/api/v1/activities", headers=bearer("mediator"), json={
        "kind": "Individuel", "duration_minutes": 30, "date": FREE_DAY.isoformat(), "place_type": "ADistance",
        "thematiques": ["Email"], "new_beneficiary": {"first_name": "Jeanne", "last_name": "Durand"}})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "duplicate" and error["details"]["candidates"] == [world["own_beneficiary"]]


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"duration_minutes": -5}, "duration_minutes", "La durée doit être supérieure à 0 minute."),
    ({"duration_minutes": 800}, "duration_minutes", "ne peut pas dépasser 12 heures"),
    ({"thematiques": ["Astrologie"]}, "thematiques", "Thématique inconnue : Astrologie"),
    ({"date": days.days(1).isoformat()}, "date", "ne peut pas être dans le futur"),
    ({"place_type": "Domicile"}, "commune", "La commune est obligatoire"),
])
def test_create_errors_are_french_with_their_field(client, session, users, world, bearer, payload, field, message):
    body = {"kind": "Individuel", "duration_minutes": 30, "date": FREE_DAY.isoformat(), "place_type": "ADistance",
            "thematiques": ["Email"], **payload}
    response = client.post("/api/v1/activities", headers=bearer("mediator"), json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field and message in error["message"]
    assert any(e["field"] == field for e in error["details"]["errors"])


def test_create_body_errors(client, session, users, world, bearer):
    headers = bearer("mediator")
    response = client.post("/api/v1/activities", headers=headers, json={"kind": "Individuel"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"]["duration_minutes"] == "champ obligatoire"
    response = client.post("/api/v1/activities", headers=headers, json={"kind": "Individuel", "duration_minutes": 3,
                                                                        "colour": "blue"})
    assert response.get_json()["error"]["details"]["fields"]["colour"] == "champ inconnu"
    response = client.post("/api/v1/activities", headers=headers, data="pas du json")
    assert response.status_code == 422


def test_another_mediators_session_is_403(client, session, users, world, bearer):
    other = session.get(MissionSession, world["other_session"])
    past = SESSION_DAY + timedelta(days=1)  # a past session, of another mediator
    other.start, other.end = days.at(past, 9), days.at(past, 12)
    session.commit()
    response = client.post("/api/v1/activities", headers=bearer("mediator"), json={
        "kind": "Individuel", "duration_minutes": 30, "session_id": other.id, "thematiques": ["Email"]})
    assert response.status_code == 403
    assert "pas affecté·e à cette séance" in response.get_json()["error"]["message"]
    assert session.execute(select(Activity).where(Activity.session_id == other.id)).first() is None
    for role in ("authority", "member"):
        response = client.post("/api/v1/activities", headers=bearer(role), json={})
        assert response.status_code == 403
