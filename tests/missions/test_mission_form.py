"""The mission form's flow: the places a convention allows (its organisation's, and its commune's), refused by the
service otherwise; the convention's end date and volume left shown before saving; one summary per default mediator
busy on some sessions (not one warning per session), and the preview of the sessions and conflicts before saving."""

import re
from datetime import time

import pytest
from sqlalchemy import func, select

from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.missions.models import Mission, MissionSession
from coopnum.missions.services import availability, planning
from coopnum.missions.services.planning import MissionData
from tests import days, factories
from tests.conftest import login, text_of
from tests.missions.test_planning import END, FIRST_TUESDAY, START, TUESDAYS
from tests.queries import counting

NOW = days.NOW


@pytest.fixture
def world(session, users):
    poitiers = factories.organisation(session, name="Ville de Poitiers")
    loudun = factories.organisation(session, name="Ville de Loudun", city="Loudun", postal_code="86200",
                                    insee_code="86137")
    conv = factories.convention(session, organisation=poitiers, start_date=START, end_date=END,
                                reference="POI-2026")
    loudun_conv = factories.convention(session, organisation=loudun, start_date=START, end_date=END,
                                       reference="LOU-2026")
    media = factories.place(session, organisation=poitiers, name="Médiathèque de Poitiers")
    ccas = factories.place(session, name="CCAS de Poitiers")  # no organisation, but in Poitiers
    mairie = factories.place(session, organisation=loudun, name="Mairie de Loudun", city="Loudun",
                             postal_code="86200", insee_code="86137")
    camille = factories.user(session, roles=[Role.MEDIATOR], full_name="Camille Martin")
    other = factories.mission(session, convention=conv, place=media, title="Atelier du mardi")
    busy_days = TUESDAYS[1:3]
    for day in busy_days:  # Camille is busy on two of the Tuesdays, 10:00–11:00
        s = factories.mission_session(session, mission=other, start=days.at(day, 10), end=days.at(day, 11))
        factories.assignment(session, mission_session=s, user=camille)
    session.commit()
    return {"conv": conv, "loudun_conv": loudun_conv, "media": media, "ccas": ccas, "mairie": mairie,
            "camille": camille, "busy_days": busy_days}


def data(w, **kw) -> MissionData:
    values = dict(convention_id=w["conv"].id, place_id=w["media"].id, title="Permanence numérique",
                  first_date=FIRST_TUESDAY, start_time=time(9), end_time=time(12), rrule="FREQ=WEEKLY;BYDAY=TU")
    values.update(kw)
    return MissionData(**values)


# --- services -------------------------------------------------------------------------------------------------------

def test_places_of_a_convention_are_its_organisation_and_commune(session, world):
    allowed = availability.places_by_convention(session, [world["conv"], world["loudun_conv"]])
    assert world["media"].id in allowed[world["conv"].id] and world["ccas"].id in allowed[world["conv"].id]
    assert world["mairie"].id not in allowed[world["conv"].id]
    assert allowed[world["loudun_conv"].id] == [world["mairie"].id]


def test_a_place_outside_the_convention_is_refused(session, users, world):
    with pytest.raises(DomainError) as refused:
        planning.create_mission(session, users["coordinator"], data(world, place_id=world["mairie"].id), now=NOW)
    assert refused.value.field == "place_id"
    assert "« Mairie de Loudun » (Loudun) n'est pas couvert par la convention POI-2026" in refused.value.message
    mission, _report = planning.create_mission(session, users["coordinator"],
                                               data(world, place_id=world["ccas"].id), now=NOW)
    assert mission.place_id == world["ccas"].id


def test_a_mission_saved_before_the_rule_keeps_its_place(session, users, world):
    legacy = factories.mission(session, convention=world["conv"], place=world["mairie"], first_date=FIRST_TUESDAY)
    session.commit()
    planning.update_mission(session, users["coordinator"], legacy,
                            data(world, place_id=world["mairie"].id, title="Renommée"), now=NOW)
    assert legacy.title == "Renommée"
    elsewhere = factories.place(session, name="Salle de Loudun", city="Loudun", postal_code="86200",
                                insee_code="86137")
    with pytest.raises(DomainError, match="« Salle de Loudun » \\(Loudun\\) n'est pas couvert"):
        planning.update_mission(session, users["coordinator"], legacy, data(world, place_id=elsewhere.id), now=NOW)


def test_one_summary_per_busy_mediator(session, users, world):
    mission, report = planning.create_mission(
        session, users["coordinator"], data(world, default_mediator_ids=[world["camille"].id]), now=NOW)
    summaries = report.busy_summaries()
    assert len(summaries) == 1 and len(report.conflicts) == 2
    sentence = summaries[0]
    assert sentence.startswith(f"Camille Martin est déjà occupé·e sur 2 des {len(TUESDAYS)} séances : ")
    assert sentence.endswith("— ces séances restent à pourvoir.")
    for day in world["busy_days"]:
        assert availability.short_date(day) in sentence
    free = session.execute(select(func.count()).select_from(MissionSession).where(
        MissionSession.mission_id == mission.id, ~MissionSession.assignments.any())).scalar_one()
    assert free == 2


def test_preview_tells_the_same_before_saving_and_writes_nothing(session, users, world):
    before = session.execute(select(func.count()).select_from(Mission)).scalar_one()
    with counting(db.engine) as statements:
        preview = planning.preview_mission(session, data(world, default_mediator_ids=[world["camille"].id]),
                                           now=NOW)
    assert preview.count == len(TUESDAYS) and len(preview.busy) == 1
    assert "sur 2 des" in preview.busy[0]
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert session.execute(select(func.count()).select_from(Mission)).scalar_one() == before
    with pytest.raises(DomainError, match="n'est pas couvert"):
        planning.preview_mission(session, data(world, place_id=world["mairie"].id), now=NOW)


def test_preview_reads_a_fixed_number_of_queries(session, users, world):
    many = [factories.user(session, roles=[Role.MEDIATOR]).id for _ in range(4)]
    session.commit()
    session.expire_all()
    with counting(db.engine) as one:
        planning.preview_mission(session, data(world, default_mediator_ids=[world["camille"].id]), now=NOW)
    session.expire_all()
    with counting(db.engine) as five:
        planning.preview_mission(session, data(world, default_mediator_ids=[world["camille"].id, *many]), now=NOW)

    def reads(statements):
        return [s for s in statements if s.startswith("SELECT")]

    assert len(reads(five)) == len(reads(one))


# --- pages ----------------------------------------------------------------------------------------------------------

def test_form_tells_places_and_end_date_of_each_convention(client, users, world):
    login(client, users["coordinator"])
    html = client.get(f"/missions/missions/new?convention_id={world['conv'].id}").get_data(as_text=True)
    option = re.search(rf'<option[^>]*value="{world["conv"].id}"[^>]*>', html).group(0)
    places = re.search(r'data-places="([^"]*)"', option).group(1).split()
    assert str(world["media"].id) in places and str(world["mairie"].id) not in places
    assert "Convention valable jusqu&#39;au" in option or "Convention valable jusqu'au" in option
    hint = re.search(r'<small id="convention_id-hint">([^<]*)</small>', html).group(1)
    assert "Convention valable jusqu" in hint and "Volume restant" in hint
    assert 'data-places-of="convention_id"' in html and 'id="mission-check"' in html


def test_a_convention_whose_period_is_over_is_not_offered_for_a_new_mission(client, session, users, world):
    poitiers = world["conv"].organisation
    over = factories.convention(session, organisation=poitiers, start_date=days.days(-400), end_date=days.days(-1),
                                reference="POI-OLD")
    session.commit()
    login(client, users["coordinator"])
    html = client.get("/missions/missions/new").get_data(as_text=True)
    assert "POI-2026" in html and "POI-OLD" not in html
    response = client.post("/missions/missions/new", data=form_data(world, convention_id=over.id))
    assert response.status_code == 400 and session.scalar(select(func.count()).select_from(Mission).where(
        Mission.convention_id == over.id)) == 0


def form_data(world, **kw):
    values = {"convention_id": world["conv"].id, "place_id": world["media"].id, "kind": "permanence",
              "title": "Permanence du mardi", "recurrence": "weekly", "weekdays": ["TU"],
              "first_date": FIRST_TUESDAY.isoformat(), "start_time": "09:00", "end_time": "12:00",
              "exclude_holidays": "y", "mediators_needed": "1", "monthly_position": "1", "monthly_weekday": "TU"}
    values.update(kw)
    return values


def test_saving_a_place_outside_the_convention_shows_the_message(client, users, world):
    login(client, users["coordinator"])
    response = client.post("/missions/missions/new", data=form_data(world, place_id=world["mairie"].id))
    assert response.status_code == 400
    assert "n'est pas couvert par la convention POI-2026" in text_of(response)


def test_saving_with_a_busy_mediator_warns_once(client, users, world):
    login(client, users["coordinator"])
    response = client.post("/missions/missions/new", data=form_data(world, default_mediators=[world["camille"].id]),
                           follow_redirects=True)
    page = text_of(response)
    assert page.count("Camille Martin est déjà occupé·e") == 1 and "Affectation impossible" not in page
    assert f"sur 2 des {len(TUESDAYS)} séances" in page


def test_check_endpoint_shows_the_conflicts_before_saving(client, users, world):
    login(client, users["coordinator"])
    response = client.post("/missions/missions/check", data=form_data(world, default_mediators=[world["camille"].id]))
    assert response.status_code == 200
    text = text_of(response)
    assert f"{len(TUESDAYS)} séances prévues" in text and "Camille Martin est déjà occupé·e sur 2 des" in text
    refused = text_of(client.post("/missions/missions/check", data=form_data(world, place_id=world["mairie"].id)))
    assert "n'est pas couvert" in refused
    empty = text_of(client.post("/missions/missions/check", data={}))
    assert "Renseignez la convention" in empty
    assert db.session.execute(select(func.count()).select_from(Mission)
                              .where(Mission.title == "Permanence du mardi")).scalar_one() == 0
