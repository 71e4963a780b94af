"""Texts of the missions domain that end in a PDF report, an iCal feed, an invoice's buyer block (Factur-X) or an
open-data file are refused when they hold a control character (issue 12): organisation names and addresses, place
names, mission titles, cancellation reasons… by the services with a French message naming the field, and in any
case at flush (``validation.install_text_guard``)."""

from datetime import time

import pytest

from coopnum.core.errors import DomainError
from coopnum.missions.services import planning
from coopnum.missions.services.planning import MissionData
from coopnum.organisations.models import Organisation
from coopnum.organisations.services import organisations as org_services
from coopnum.organisations.services import places as place_services
from tests import days, factories
from tests.organisations.test_organisations import values as org_values
from tests.organisations.test_places import full_values

HOSTILE = ["abc\x00def", "\x1b[31m", "bip\u0007", "x\udcffy"]


def _refused(call, field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    error = info.value
    assert "caractères de contrôle" in (error.message + str(error.details))
    if field:
        assert error.field == field or field in error.details.get("fields", {})
    return error


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("field", ["name", "address", "address_complement", "city"])
def test_an_organisation_with_a_control_character_is_refused(session, users, field, text):
    data = org_services.OrganisationData(**org_values(**{field: f"Ville{text}"}))
    _refused(lambda: org_services.create_organisation(session, users["coordinator"], data, now=days.NOW), field)


def test_internal_notes_keep_their_line_breaks(session, users):
    data = org_services.OrganisationData(**org_values(notes="ligne 1\nligne 2\tfin"))
    org = org_services.create_organisation(session, users["coordinator"], data, now=days.NOW)
    assert org.notes == "ligne 1\nligne 2\tfin"


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("field", ["nom", "adresse", "commune"])
def test_a_place_with_a_control_character_is_refused(session, users, field, text):
    _refused(lambda: place_services.create_place(session, users["coordinator"],
                                                 full_values(**{field: f"Lieu{text}"}), now=days.NOW), field)


@pytest.fixture
def plan(session, users):
    org = session.get(Organisation, users["authority"].organisation_id)
    place = factories.place(session, organisation=org)
    conv = factories.convention(session, organisation=org)
    mission = factories.mission(session, convention=conv, place=place)
    s = factories.mission_session(session, mission=mission, start=days.at(days.days(3), 9),
                                  end=days.at(days.days(3), 12))
    return {"conv": conv, "place": place, "session": s}


@pytest.mark.parametrize("text", HOSTILE)
def test_a_mission_title_with_a_control_character_is_refused(session, users, plan, text):
    data = MissionData(convention_id=plan["conv"].id, place_id=plan["place"].id, title=f"Permanence{text}",
                       first_date=days.days(5), start_time=time(9), end_time=time(12))
    _refused(lambda: planning.create_mission(session, users["coordinator"], data, now=days.NOW), "title")


def test_a_holiday_calendar_longer_than_its_column_is_refused(session, users, plan):
    data = MissionData(convention_id=plan["conv"].id, place_id=plan["place"].id, title="Permanence",
                       first_date=days.days(5), start_time=time(9), end_time=time(12), holiday_subdiv="x" * 6)
    with pytest.raises(DomainError) as info:
        planning.create_mission(session, users["coordinator"], data, now=days.NOW)
    assert info.value.field == "holiday_subdiv"


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cancellation_reason_with_a_control_character_is_refused(session, users, plan, text):
    _refused(lambda: planning.cancel_session(session, users["coordinator"], plan["session"], f"Grève{text}",
                                             now=days.NOW), "reason")
    assert plan["session"].cancel_reason in (None, "")


def test_no_row_is_flushed_with_a_control_character_whatever_the_path(session, plan):
    """The last boundary: a session note or a place name set directly is refused at flush."""
    plan["place"].name = "Médiathèque\x00"
    with pytest.raises(DomainError) as info:
        session.flush()
    assert info.value.field == "name"
    session.rollback()
