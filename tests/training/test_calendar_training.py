"""Trainings in the missions calendars and in the mediators' iCal feeds (``coopnum.core.calendar_sources``): one event
per half-day, a stable UID, the SEQUENCE increased at each change, CANCELLED kept in the feed."""

from icalendar import Calendar

from coopnum.missions.models import CalendarFeed
from coopnum.training.services import sessions as services
from tests import days, factories
from tests.conftest import login
from tests.training import factories_training as ft

DAY = days.days(3)


def _feed(client, token: str) -> dict:
    response = client.get(f"/ical/{token}.ics")
    assert response.status_code == 200
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_trainee_feed_contains_the_training(client, session, users, now):
    trainee_user = factories.user(session, roles=["mediator"], full_name="Inès Stagiaire")
    trainer = ft.person(session, user=users["mediator"])
    trainee = ft.person(session, user=trainee_user)
    training = services.create_training(session, services.TrainingInput(
        title="Accompagner les démarches CAF", trainer_ids=[trainer.id], trainee_ids=[trainee.id],
        half_days=[services.HalfDayInput(DAY, "am"), services.HalfDayInput(DAY, "pm")], location="Salle du conseil"),
        actor=users["coordinator"], now=now)
    session.add(CalendarFeed(kind="mediator", target_id=trainee_user.id, token="trainee-feed"))
    session.add(CalendarFeed(kind="mediator", target_id=users["coordinator"].id, token="other-feed"))
    session.commit()
    events = _feed(client, "trainee-feed")
    uid_am = f"training-{training.id}-{DAY.isoformat()}-am@coopnum.test"
    assert set(events) == {uid_am, f"training-{training.id}-{DAY.isoformat()}-pm@coopnum.test"}, set(events)
    am = events[uid_am]
    assert str(am["SUMMARY"]) == "Formation : Accompagner les démarches CAF"
    assert am.decoded("DTSTART") == days.at(DAY, 9) and am.decoded("DTEND") == days.at(DAY, 12, 30)
    assert int(am["SEQUENCE"]) == 0 and str(am["LOCATION"]) == "Salle du conseil"
    assert str(am["URL"]).endswith(f"/training/sessions/{training.id}")
    assert _feed(client, "other-feed") == {}  # not a participant
    services.cancel_training(session, training, "Formatrice absente", actor=users["coordinator"], now=now)
    session.commit()
    again = _feed(client, "trainee-feed")[uid_am]  # same UID, a higher SEQUENCE, cancelled
    assert int(again["SEQUENCE"]) == 1 and str(again["STATUS"]) == "CANCELLED"


def test_my_week_and_coordinator_week_show_the_training(client, session, users, now):
    trainer = ft.person(session, user=users["mediator"])
    training = ft.training(session, title="Atelier Pix", day=days.TODAY, trainers=[trainer], afternoon=False)
    session.commit()
    login(client, users["mediator"])
    page = client.get("/missions/my-week").get_data(as_text=True)
    assert "Formation : Atelier Pix" in page and f"/training/sessions/{training.id}" in page
    client.post("/logout")
    login(client, users["coordinator"])
    assert "Formation : Atelier Pix" in client.get("/missions/calendar/week").get_data(as_text=True)
    month = client.get(f"/missions/calendar/month?date={days.TODAY.isoformat()}").get_data(as_text=True)
    assert "Formation : Atelier Pix" in month and f"/training/sessions/{training.id}" in month
