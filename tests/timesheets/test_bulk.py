"""Bulk validation of timesheets: the review lists each selected sheet's anomalies (sessions held without hours or
report, days over 10 h, overlapping sessions, sheets not submitted, sessions to confirm) in a fixed number of
queries; one action validates the valid ones and reports the others; a sheet changed since the review is refused
(409 when nothing could be validated); « Relevé suivant » on a sheet's page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.core.db import db
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import OutboxMail
from coopnum.missions.models import SessionStatus
from coopnum.timesheets.models import Timesheet, TimesheetStatus
from coopnum.timesheets.services import bulk
from tests import days, factories
from tests.conftest import login, text_of
from tests.queries import counting

MONTH = days.month_start(-1)
M = days.month_key(-1)
NOW = days.NOW


def mday(day: int):
    return MONTH.replace(day=day)


@pytest.fixture
def team(session, users):
    """Three mediators with a submitted month: Alice's is clean, Bruno's has anomalies (a held session without
    hours nor report, an overlapping session, a 11 h day), Chloé's has an unconfirmed session. Denis has not
    submitted his."""
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=conv, place=place)
    people = {name: factories.user(session, full_name=name) for name in
              ("Alice Arnaud", "Bruno Bernard", "Chloé Caron", "Denis Dubois")}

    def held(user, day, hour=9, hours=True, report=True):
        s = factories.mission_session(session, mission=mission, start=days.at(mday(day), hour),
                                      end=days.at(mday(day), hour + 3), status=SessionStatus.HELD,
                                      held_minutes=180)
        factories.assignment(session, mission_session=s, user=user)
        if hours:
            factories.time_entry(session, user=user, mission_session=s, minutes=180)
        if report:
            factories.activity(session, mediator=user, mission_session=s)
        return s

    held(people["Alice Arnaud"], 3)
    held(people["Bruno Bernard"], 4, hours=False, report=False)
    held(people["Bruno Bernard"], 5, hour=9)
    held(people["Bruno Bernard"], 5, hour=11)  # overlaps the 09:00–12:00 one
    factories.time_entry(session, user=people["Bruno Bernard"], day=mday(6), minutes=11 * 60)
    planned = factories.mission_session(session, mission=mission, start=days.at(mday(7), 9),
                                        end=days.at(mday(7), 12))
    factories.assignment(session, mission_session=planned, user=people["Chloé Caron"])
    for name in ("Alice Arnaud", "Bruno Bernard", "Chloé Caron"):
        session.add(Timesheet(user_id=people[name].id, month=MONTH, status=TimesheetStatus.SUBMITTED,
                              submitted_at=NOW - timedelta(days=1), created_at=NOW, updated_at=NOW))
    session.commit()
    return people


def ids_of(team, *names):
    return [team[n].id for n in names]


def test_review_lists_blocking_then_anomalies_then_clean(session, users, team):
    reviews = bulk.review(session, users["coordinator"], ids_of(team, "Alice Arnaud", "Bruno Bernard",
                                                                "Chloé Caron", "Denis Dubois"), MONTH, now=NOW)
    names = [r.user.full_name for r in reviews]
    assert names == ["Chloé Caron", "Denis Dubois", "Bruno Bernard", "Alice Arnaud"]
    by_name = {r.user.full_name: r for r in reviews}
    assert "1 séance passée n'est pas encore confirmée" in by_name["Chloé Caron"].blocking
    assert "n'a pas été envoyé" in by_name["Denis Dubois"].blocking
    bruno = " | ".join(by_name["Bruno Bernard"].anomalies)
    assert "1 séance réalisée sans heures saisies : 04/" in bruno
    assert "1 séance réalisée sans compte rendu d'activité : 04/" in bruno
    assert "Séances qui se chevauchent : 05/" in bruno
    assert "Journée de plus de 10 h : 06/" in bruno and "(11 h)" in bruno
    assert by_name["Bruno Bernard"].blocking is None
    assert by_name["Alice Arnaud"].anomalies == [] and by_name["Alice Arnaud"].blocking is None


def test_review_reads_a_fixed_number_of_queries(session, users, team):
    with counting(db.engine) as few:
        bulk.review(session, users["coordinator"], ids_of(team, "Alice Arnaud"), MONTH, now=NOW)
    with counting(db.engine) as many:
        bulk.review(session, users["coordinator"], list(ids_of(team, *team)), MONTH, now=NOW)
    def reads(statements):
        return [s for s in statements if s.startswith("SELECT")]

    assert len(reads(many)) == len(reads(few)) <= 9


def test_review_refuses_others_and_empty_selection(session, users, team):
    with pytest.raises(Forbidden):
        bulk.review(session, users["mediator"], ids_of(team, "Alice Arnaud"), MONTH, now=NOW)
    with pytest.raises(DomainError, match="Sélectionnez au moins un relevé"):
        bulk.review(session, users["coordinator"], [], MONTH, now=NOW)


def _stamps(session, users, team, *names):
    return {r.user.id: r.stamp for r in bulk.review(session, users["coordinator"], ids_of(team, *names), MONTH,
                                                    now=NOW)}


def test_validate_many_validates_the_valid_and_reports_the_others(session, users, team):
    stamps = _stamps(session, users, team, "Alice Arnaud", "Bruno Bernard", "Chloé Caron", "Denis Dubois")
    result = bulk.validate_many(session, users["coordinator"], stamps, MONTH, now=NOW)
    session.commit()
    assert [u.full_name for u in result.validated] == ["Alice Arnaud", "Bruno Bernard"]
    refused = dict(result.refused)
    assert set(refused) == {"Chloé Caron", "Denis Dubois"} and "pas encore confirmées" in refused["Chloé Caron"]
    statuses = dict(session.execute(select(Timesheet.user_id, Timesheet.status)
                                    .where(Timesheet.month == MONTH)).all())
    assert statuses[team["Alice Arnaud"].id] == statuses[team["Bruno Bernard"].id] == TimesheetStatus.VALIDATED
    assert statuses[team["Chloé Caron"].id] == TimesheetStatus.SUBMITTED
    assert team["Denis Dubois"].id not in statuses  # reads and refusals never insert a row


def test_a_sheet_changed_since_the_review_is_refused(session, users, team):
    stamps = _stamps(session, users, team, "Alice Arnaud")
    ts = session.execute(select(Timesheet).where(Timesheet.user_id == team["Alice Arnaud"].id)).scalar_one()
    ts.updated_at = NOW + timedelta(minutes=5)  # sent back and submitted again meanwhile
    session.commit()
    result = bulk.validate_many(session, users["coordinator"], stamps, MONTH, now=NOW)
    assert result.validated == [] and result.conflicts == 1
    assert "a changé depuis votre relecture" in result.refused[0][1]


def test_next_submitted_follows_names_and_wraps(session, users, team):
    assert bulk.next_submitted(session, team["Alice Arnaud"], MONTH).full_name == "Bruno Bernard"
    assert bulk.next_submitted(session, team["Chloé Caron"], MONTH).full_name == "Alice Arnaud"


# --- pages ----------------------------------------------------------------------------------------------------------

def test_select_review_and_validate_in_one_post(client, session, users, team):
    login(client, users["coordinator"])
    page = client.get(f"/missions/timesheets?month={M}&status=submitted").get_data(as_text=True)
    assert 'data-select-all="ids"' in page and f'name="ids" value="{team["Alice Arnaud"].id}"' in page
    assert f'value="{team["Denis Dubois"].id}"' not in page  # only submitted sheets can be selected
    query = "&".join(f"ids={i}" for i in ids_of(team, "Alice Arnaud", "Bruno Bernard", "Chloé Caron"))
    review = client.get(f"/missions/timesheets/{M}/review?{query}")
    assert review.status_code == 200
    text = text_of(review)
    assert text.index("Chloé Caron") < text.index("Bruno Bernard") < text.index("Alice Arnaud")
    assert "sans heures saisies" in text and "Valider 2 relevés" in text
    html = review.get_data(as_text=True)
    stamp = {i: html.split(f'name="stamp-{i}" value="')[1].split('"')[0]
             for i in ids_of(team, "Alice Arnaud", "Bruno Bernard")}
    response = client.post(f"/missions/timesheets/{M}/validate",
                           data={"ids": list(stamp), **{f"stamp-{i}": v for i, v in stamp.items()}})
    assert response.status_code == 302
    done = text_of(client.get(response.headers["Location"]))
    assert "2 relevés d" in done and "validés et verrouillés : " in done and "Alice Arnaud, Bruno Bernard" in done
    mails = session.execute(select(OutboxMail)).scalars().all()
    assert sorted(m.recipients for m in mails) == sorted([team["Alice Arnaud"].email, team["Bruno Bernard"].email])


def test_a_stale_review_gives_409_with_the_current_state(client, session, users, team):
    login(client, users["coordinator"])
    alice = team["Alice Arnaud"].id
    response = client.post(f"/missions/timesheets/{M}/validate", data={"ids": [alice], f"stamp-{alice}": "old"})
    assert response.status_code == 409
    assert "a changé depuis votre relecture" in text_of(response)
    assert session.execute(select(Timesheet.status).where(Timesheet.user_id == alice)).scalar_one() == "submitted"


def test_bad_selection_is_a_message_not_an_error(client, users, team):
    login(client, users["coordinator"])
    assert client.get(f"/missions/timesheets/{M}/review?ids=abc").status_code == 400
    response = client.get(f"/missions/timesheets/{M}/review", follow_redirects=True)
    assert "Sélectionnez au moins un relevé" in text_of(response)
    response = client.get(f"/missions/timesheets/{M}/review?ids=999999", follow_redirects=True)
    assert "Personne introuvable" in text_of(response)


def test_next_sheet_link_on_a_timesheet(client, users, team):
    login(client, users["coordinator"])
    page = client.get(f"/missions/timesheets/{team['Alice Arnaud'].id}/{M}").get_data(as_text=True)
    assert "Relevé suivant : Bruno Bernard" in page
    assert f'/missions/timesheets/{team["Bruno Bernard"].id}/{M}' in page
