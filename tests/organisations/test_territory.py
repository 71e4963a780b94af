"""The territory of an organisation (the INSEE codes of an intercommunalité's communes): checked and normalised,
given by the form and the API, shown on its page; its conventions' missions may take place in those communes (a
département's: anywhere in the département), other places stay refused."""

from datetime import time

import pytest
from sqlalchemy import select

from coopnum.core.errors import DomainError
from coopnum.missions.services import availability, planning
from coopnum.missions.services.planning import MissionData
from coopnum.organisations.models import Organisation, OrganisationKind
from coopnum.organisations.services import organisations as services
from tests import days, factories
from tests.conftest import login, text_of
from tests.missions.test_planning import END, FIRST_TUESDAY, START
from tests.organisations.test_organisations import FORM, bearer


def test_territory_is_normalised():
    assert services.normalise_territory(" 86194, 86041 ;86062\n86194 2a004 ") == "86194 86041 86062 2A004"
    assert services.normalise_territory("") == "" and services.normalise_territory(None) == ""


@pytest.mark.parametrize("value", ["86000x", "8619", "Poitiers", "20123"])
def test_a_bad_code_in_the_territory_is_refused_by_name(value):
    with pytest.raises(DomainError) as refused:
        services.normalise_territory(f"86194 {value}")
    assert refused.value.field == "territory"
    assert f"Code commune INSEE invalide dans le territoire : « {value.upper()} »" in refused.value.message


def test_a_territory_too_large_is_refused():
    codes = " ".join(f"86{n:03d}" for n in range(1, 1000)) + " 87001 87002"
    with pytest.raises(DomainError, match="au plus 1000 communes"):
        services.normalise_territory(codes)


@pytest.fixture
def epci(session):
    grand = factories.organisation(session, name="Grand Poitiers", kind=OrganisationKind.EPCI,
                                   territory="86194 86041")
    departement = factories.organisation(session, name="Département de la Vienne",
                                         kind=OrganisationKind.DEPARTEMENT)
    conv = factories.convention(session, organisation=grand, start_date=START, end_date=END, reference="GP-2026")
    dep_conv = factories.convention(session, organisation=departement, start_date=START, end_date=END,
                                    reference="CD86-2026")
    buxerolles = factories.place(session, name="Mairie de Buxerolles", city="Buxerolles", postal_code="86180",
                                 insee_code="86041")
    loudun = factories.place(session, name="Mairie de Loudun", city="Loudun", postal_code="86200",
                             insee_code="86137")
    limoges = factories.place(session, name="Bibliothèque de Limoges", city="Limoges", postal_code="87000",
                              insee_code="87085")
    session.commit()
    return {"conv": conv, "dep_conv": dep_conv, "buxerolles": buxerolles, "loudun": loudun, "limoges": limoges}


def test_places_of_an_epci_are_those_of_its_communes(session, epci):
    allowed = availability.places_by_convention(session, [epci["conv"], epci["dep_conv"]])
    assert epci["buxerolles"].id in allowed[epci["conv"].id]
    assert epci["loudun"].id not in allowed[epci["conv"].id] and epci["limoges"].id not in allowed[epci["conv"].id]
    # a département's conventions: every commune of the département (86), none of the next one (87)
    assert {epci["buxerolles"].id, epci["loudun"].id} <= set(allowed[epci["dep_conv"].id])
    assert epci["limoges"].id not in allowed[epci["dep_conv"].id]


def test_a_mission_of_the_epci_goes_to_a_member_commune_not_elsewhere(session, users, epci):
    def data(place):
        return MissionData(convention_id=epci["conv"].id, place_id=place.id, title="Permanence",
                           first_date=FIRST_TUESDAY, start_time=time(9), end_time=time(12),
                           rrule="FREQ=WEEKLY;BYDAY=TU")

    mission, _report = planning.create_mission(session, users["coordinator"], data(epci["buxerolles"]),
                                               now=days.NOW)
    assert mission.place_id == epci["buxerolles"].id
    with pytest.raises(DomainError) as refused:
        planning.create_mission(session, users["coordinator"], data(epci["loudun"]), now=days.NOW)
    assert "choisissez un lieu de cette structure ou de son territoire" in refused.value.message


def test_the_form_saves_the_territory_and_the_page_shows_it(client, session, users):
    login(client, users["coordinator"])
    response = client.post("/missions/organisations/new",
                           data=FORM | {"kind": "epci", "territory": "86139, 86041;86041"})
    assert response.status_code == 302, text_of(response)
    org = session.execute(select(Organisation).where(Organisation.name == FORM["name"])).scalar_one()
    assert org.territory == "86139 86041"
    page = text_of(client.get(f"/missions/organisations/{org.id}"))
    assert "2 communes" in page and "86139, 86041" in page
    response = client.post(f"/missions/organisations/{org.id}/edit", data=FORM | {"territory": "86139 Lusignan"})
    assert response.status_code == 400
    assert "Code commune INSEE invalide dans le territoire : « LUSIGNAN »" in text_of(response)
    session.expire_all()
    assert session.get(Organisation, org.id).territory == "86139 86041"


def test_the_api_gives_and_changes_the_territory(client, session, users):
    org = factories.organisation(session, name="Grand Châtellerault", kind=OrganisationKind.EPCI)
    headers = bearer(session, users["coordinator"])
    response = client.patch(f"/api/v1/organisations/{org.id}", json={"territory": "86066,86128"}, headers=headers)
    assert response.status_code == 200 and response.json["territory"] == "86066 86128"
    response = client.patch(f"/api/v1/organisations/{org.id}", json={"territory": "86066 x"}, headers=headers)
    assert response.status_code == 422 and response.json["error"]["field"] == "territory"
