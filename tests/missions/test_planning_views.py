"""Planning pages: missions, sessions, assignments and absences in the browser flow, on the world's data (an
assigned session tomorrow, an open one in 8 days; conventions from a year ago to a year ahead)."""

from datetime import timedelta

import holidays
from babel.dates import format_date
from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.missions.models import Mission, MissionSession
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.conftest import login, text_of

FIRST_THURSDAY = days.weekday_on_or_after(days.month_start(1), days.THURSDAY)  # a future Thursday


def working_thursdays(first, last) -> list:
    """The Thursdays from `first` to `last` but the French public holidays (a mission's rule skips them)."""
    off = holidays.country_holidays("FR", years=range(first.year, last.year + 1))
    day, found = days.weekday_on_or_after(first, days.THURSDAY), []
    while day <= last:
        if day not in off:
            found.append(day)
        day += timedelta(weeks=1)
    return found


def form_datetime(day, hour=0) -> str:
    """A Paris wall-clock time as the absence form sends it (datetime-local)."""
    return f"{day.isoformat()}T{hour:02d}:00"


def mission_form(world_ids, **kw):
    data = {"convention_id": world_ids["own_convention"], "place_id": world_ids["own_place"], "service_id": "0",
            "kind": "permanence", "title": "Permanence du jeudi", "recurrence": "weekly", "weekdays": ["TH"],
            "monthly_position": "1", "monthly_weekday": "TU", "first_date": FIRST_THURSDAY.isoformat(),
            "start_time": "14:00", "end_time": "17:00", "exclude_holidays": "y", "holiday_subdiv": "",
            "mediators_needed": "1"}
    data.update(kw)
    return data


def count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_coordinator_creates_a_weekly_mission(client, users, session):
    ids = factories.world(session, users, billing=False)
    # a convention of two months, next month and the one after: the mission runs until its end
    short = factories.convention(session, organisation=session.get(Organisation, ids["own_org"]),
                                 start_date=days.month_start(1), end_date=days.month_end(2))
    session.commit()
    login(client, users["coordinator"])
    before = count(session, MissionSession)
    response = client.post("/missions/missions/new", data=mission_form(
        ids, convention_id=short.id, default_mediators=[str(ids["mediator"])]))
    assert response.status_code == 302, text_of(response)[:3000]
    mission = session.execute(select(Mission).where(Mission.title == "Permanence du jeudi")).scalar_one()
    assert mission.rrule == "FREQ=WEEKLY;BYDAY=TH"
    created = count(session, MissionSession) - before
    thursdays = working_thursdays(FIRST_THURSDAY, days.month_end(2))
    assert created == len(thursdays) >= 6  # each Thursday to the end of the convention but public holidays
    sessions = session.execute(select(MissionSession).where(MissionSession.mission_id == mission.id)
                               .order_by(MissionSession.start)).scalars().all()
    assert [clock.to_paris(s.start).date() for s in sessions] == thursdays
    page = text_of(client.get(response.headers["Location"]))
    assert "Chaque semaine le jeudi" in page and f"Mission enregistrée : {created} séances créées" in page


def test_bad_inputs_give_french_messages_and_save_nothing(client, users, session):
    ids = factories.world(session, users, billing=False)
    session.commit()
    login(client, users["coordinator"])
    before = count(session, Mission)
    day_before = FIRST_THURSDAY - timedelta(days=1)  # the day before the first session
    cases = [
        (dict(end_time="13:00"), "L'heure de fin doit être après l'heure de début."),
        (dict(recurrence="custom", rrule_custom="FREQ=WEEKLY;BYDAY=XX"), ""),
        (dict(recurrence="custom", rrule_custom=f"FREQ=WEEKLY;BYDAY=TH;UNTIL={day_before:%Y%m%d}"),
         "ne produit aucune séance"),
        (dict(first_date=days.month_start(12).isoformat()), "période de la convention"),  # the day after its end
        (dict(first_date=""), "Ce champ est requis."),
        (dict(until_date=day_before.isoformat()), "postérieure à la première séance"),
    ]
    for changes, message in cases:
        response = client.post("/missions/missions/new", data=mission_form(ids, **changes))
        assert response.status_code == 400, changes
        body = text_of(response)
        assert 'class="field-error"' in body, changes
        assert message in body, (changes, message)
    assert count(session, Mission) == before


def test_double_booking_in_the_browser_flow_is_refused_with_the_conflict(client, users, session):
    ids = factories.world(session, users, billing=False)
    own_mission = session.get(Mission, ids["own_mission"])
    tomorrow = days.days(1)  # the mediator's assigned session is tomorrow 09:00–12:00
    clash = factories.mission_session(session, mission=own_mission, start=days.at(tomorrow, 10),
                                      end=days.at(tomorrow, 11))
    session.commit()
    login(client, users["coordinator"])
    response = client.post(f"/missions/sessions/{clash.id}/assign", data={"assign-user_id": ids["mediator"]},
                           follow_redirects=True)
    body = text_of(response)
    assert "est déjà affecté·e à « " in body
    assert f"{format_date(tomorrow, 'EEEE d MMMM y', locale='fr')} de 09:00 à 12:00" in body
    session.expire_all()
    assert session.get(MissionSession, clash.id).assignments == []


def test_authority_sees_its_own_missions_only(client, users, session):
    ids = factories.world(session, users, billing=False)
    session.commit()
    login(client, users["authority"])
    assert client.get(f"/missions/missions/{ids['own_mission']}").status_code == 200
    assert client.get(f"/missions/missions/{ids['other_mission']}").status_code == 403
    assert client.get(f"/missions/sessions/{ids['other_session']}").status_code == 403
    assert client.get(f"/missions/sessions/{ids['assigned_session']}").status_code == 200


def test_mediator_takes_an_open_session_but_cannot_assign(client, users, session):
    ids = factories.world(session, users, billing=False)
    session.commit()
    login(client, users["mediator"])
    assert client.post(f"/missions/sessions/{ids['open_session']}/assign",
                       data={"assign-user_id": ids["mediator"]}).status_code == 403
    page = text_of(client.get(f"/missions/sessions/{ids['open_session']}"))
    assert "Je prends cette séance" in page
    client.post(f"/missions/sessions/{ids['open_session']}/take")
    session.expire_all()
    assert [a.user_id for a in session.get(MissionSession, ids["open_session"]).assignments] == [ids["mediator"]]
    assert "Séance" in text_of(client.get("/missions/sessions/open"))


def test_cancel_needs_a_reason_and_move_keeps_history(client, users, session):
    ids = factories.world(session, users, billing=False)
    session.commit()
    login(client, users["coordinator"])
    body = text_of(client.post(f"/missions/sessions/{ids['open_session']}/cancel", data={"cancel-reason": ""},
                               follow_redirects=True))
    assert "Indiquez le motif de l'annulation." in body
    # the open session (in 8 days, 09:00) moves to the next day, 14:00
    client.post(f"/missions/sessions/{ids['open_session']}/move",
                data={"move-day": days.days(9).isoformat(), "move-start_time": "14:00",
                      "move-end_time": "16:00"})
    session.expire_all()
    moved = session.get(MissionSession, ids["open_session"])
    assert clock.to_paris(moved.start).date() == days.days(9) and moved.manual
    assert (moved.start, moved.end) == (days.at(days.days(9), 14), days.at(days.days(9), 16))
    assert moved.original_start == days.at(days.days(8), 9)
    client.post(f"/missions/sessions/{ids['open_session']}/cancel", data={"cancel-reason": "Salle indisponible"})
    session.expire_all()
    assert session.get(MissionSession, ids["open_session"]).status == "cancelled"


def test_mediator_declares_an_absence_which_releases_its_session(client, users, session):
    ids = factories.world(session, users, billing=False)
    session.commit()
    login(client, users["mediator"])
    # tomorrow, the day of the mediator's assigned session
    response = client.post("/missions/absences", data={
        "kind": "sickness", "start": form_datetime(days.days(1)), "end": form_datetime(days.days(2)),
        "user_id": ids["mediator"]}, follow_redirects=True)
    assert "1 séance d" in text_of(response) and "est désormais à pourvoir" in text_of(response)
    session.expire_all()
    assert session.get(MissionSession, ids["assigned_session"]).assignments == []
    bad = client.post("/missions/absences", data={
        "kind": "leave", "start": form_datetime(days.days(7)), "end": form_datetime(days.days(6)),
        "user_id": ids["mediator"]})
    assert bad.status_code == 400 and "La fin de l'absence doit être après son début." in text_of(bad)


def test_mediator_cannot_declare_an_absence_for_someone_else(client, users, session):
    other = factories.user(session, roles=["mediator"])
    session.commit()
    login(client, users["mediator"])
    client.post("/missions/absences", data={"kind": "leave", "start": form_datetime(days.days(7)),
                                            "end": form_datetime(days.days(8)), "user_id": other.id})
    from coopnum.missions.models import Absence

    assert session.execute(select(Absence).where(Absence.user_id == other.id)).first() is None


def test_edit_mission_shows_its_rule_and_resyncs(client, users, session):
    ids = factories.world(session, users, billing=False)
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/missions/{ids['own_mission']}/edit"))
    assert '<option selected value="weekly">' in page
    assert 'checked id="weekdays-1" name="weekdays" type="checkbox" value="TU"' in page
    first_date = session.get(Mission, ids["own_mission"]).first_date  # kept
    response = client.post(f"/missions/missions/{ids['own_mission']}/edit",
                           data=mission_form(ids, first_date=first_date.isoformat(), weekdays=["TU"],
                                             start_time="09:30", end_time="12:00",
                                             title="Permanence renommée"))
    assert response.status_code == 302, text_of(response)[:2000]
    assert session.get(Mission, ids["own_mission"]).title == "Permanence renommée"


def test_list_pages_render(client, users, session):
    factories.world(session, users, billing=False)
    session.commit()
    login(client, users["coordinator"])
    body = text_of(client.get("/missions/"))
    assert "Permanence" in body and "Commune Voisine" in body
