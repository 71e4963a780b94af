"""Calendar edge cases of the planning: sessions across the clock changes, a month with five Wednesdays, the
horizon counted from the Paris day.

The fixed dates are the point of these tests (the two 2027 clock changes, September 2027 and its five
Wednesdays, New Year's night): the services get an explicit ``now`` and the pages an explicit ``?date=``; the
tests that read a feed move the clock next to those dates."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.clock import PARIS, paris_datetime
from coopnum.core.errors import DomainError
from coopnum.missions.models import CalendarFeed, FeedKind, MissionSession
from coopnum.missions.services import planning
from coopnum.missions.services.planning import MissionData
from coopnum.organisations.models import Organisation
from tests import factories
from tests.conftest import login, text_of

SPRING_FORWARD = date(2027, 3, 28)  # 02:00 → 03:00: a 23-hour day
FALL_BACK = date(2027, 10, 31)  # 03:00 → 02:00: a 25-hour day
SEPTEMBER = date(2027, 9, 1)  # a Wednesday: the month has five (1, 8, 15, 22, 29)
FIVE_WEDNESDAYS = [date(2027, 9, d) for d in (1, 8, 15, 22, 29)]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def org_place(session, users):
    org = session.get(Organisation, users["authority"].organisation_id)
    place = factories.place(session, organisation=org, name="Médiathèque")
    conv = factories.convention(session, organisation=org, start_date=date(2027, 1, 1),
                                end_date=date(2027, 12, 31))
    session.commit()
    return {"org": org, "place": place, "conv": conv, "coord": users["coordinator"]}


def create(session, org_place, *, now: datetime, **kw):
    values = dict(convention_id=org_place["conv"].id, place_id=org_place["place"].id, title="Permanence",
                  start_time=time(9), end_time=time(12))
    values.update(kw)
    mission, _ = planning.create_mission(session, org_place["coord"], MissionData(**values), now=now)
    session.commit()
    return mission


def sessions_of(session, mission) -> list[MissionSession]:
    return session.execute(select(MissionSession).where(MissionSession.mission_id == mission.id)
                           .order_by(MissionSession.start)).scalars().all()


def by_day(sessions) -> dict[date, MissionSession]:
    return {clock.to_paris(s.start).date(): s for s in sessions}


def feed_calendar(client, session, travel, kind, target_id, *, at: datetime) -> Calendar:
    """The public iCal feed of a target, fetched at the instant `at` (it covers 90 days back, 400 ahead)."""
    feed = CalendarFeed(kind=kind, target_id=target_id, token=f"edge-{kind}-{target_id}")
    session.add(feed)
    session.commit()
    travel.move_to(at)
    response = client.get(f"/ical/{feed.token}.ics")
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def ics_lines(calendar: Calendar) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", calendar.to_ical().decode()).split("\r\n")


# --- a weekly mission across the clock changes -------------------------------------------------------------------

def test_weekly_sessions_keep_nine_o_clock_in_paris_across_both_clock_changes(session, org_place):
    mission = create(session, org_place, now=utc(2027, 3, 1, 9), first_date=date(2027, 3, 16),
                     until_date=date(2027, 11, 9), rrule="FREQ=WEEKLY;BYDAY=TU")
    found = by_day(sessions_of(session, mission))
    # UTC+1 before the last Sunday of March, UTC+2 until the last Sunday of October, UTC+1 again
    expected = {date(2027, 3, 23): utc(2027, 3, 23, 8), date(2027, 3, 30): utc(2027, 3, 30, 7),
                date(2027, 10, 26): utc(2027, 10, 26, 7), date(2027, 11, 2): utc(2027, 11, 2, 8)}
    for day, start in expected.items():
        assert found[day].start == start, day
        assert found[day].end - found[day].start == timedelta(hours=3), day
    assert {(clock.to_paris(s.start).time(), clock.to_paris(s.end).time()) for s in found.values()} == {
        (time(9), time(12))}


def test_week_page_and_feed_show_nine_o_clock_on_both_sides_of_the_change(client, session, users, org_place,
                                                                          travel):
    mission = create(session, org_place, now=utc(2027, 3, 1, 9), first_date=date(2027, 3, 16),
                     until_date=date(2027, 4, 6), rrule="FREQ=WEEKLY;BYDAY=TU")
    login(client, users["coordinator"])
    for monday in (date(2027, 3, 22), date(2027, 3, 29)):  # the weeks before and after the change
        html = text_of(client.get(f"/missions/calendar/week?date={monday}"))
        tuesday = re.split(r'<section class="cal-day', html)[2]
        assert "Permanence" in tuesday and "09:00–12:00" in tuesday, monday
    cal = feed_calendar(client, session, travel, FeedKind.PLACE, org_place["place"].id, at=utc(2027, 3, 1, 9))
    lines = ics_lines(cal)
    for day in ("20270323", "20270330"):
        assert f"DTSTART;TZID=Europe/Paris:{day}T090000" in lines
        assert f"DTEND;TZID=Europe/Paris:{day}T120000" in lines
    starts = sorted(ev.start.astimezone(UTC) for ev in cal.walk("VEVENT"))
    assert starts == [s.start for s in sessions_of(session, mission)]
    assert starts[1:3] == [utc(2027, 3, 23, 8), utc(2027, 3, 30, 7)]


# --- a night session over the changed hour -----------------------------------------------------------------------

@pytest.mark.parametrize(("day", "hours"), [(SPRING_FORWARD, 2), (FALL_BACK, 4)])
def test_a_night_session_over_the_change_lasts_the_real_time(client, session, users, org_place, travel, day,
                                                             hours):
    # 01:00 → 04:00 in Paris: 2 hours on the night the clocks go forward, 4 when they go back
    mission = create(session, org_place, now=utc(2027, 3, 1, 9), first_date=day, rrule="",
                     title="Nuit du numérique", start_time=time(1), end_time=time(4))
    generated = sessions_of(session, mission)[0]
    assert generated.start == paris_datetime(day, time(1)) and generated.end == paris_datetime(day, time(4))
    assert generated.end - generated.start == timedelta(hours=hours)
    coord, now = org_place["coord"], utc(2027, 3, 1, 9)
    added = planning.add_session(session, coord, mission, day + timedelta(days=7), time(1), time(4), now=now)
    moved = planning.move_session(session, coord, added, day, time(1), time(4), now=now)
    session.commit()
    session.expire_all()
    assert moved.end - moved.start == timedelta(hours=hours)  # by hand as by the rule
    assert (moved.start, moved.end) == (generated.start, generated.end)
    login(client, users["coordinator"])
    html = text_of(client.get(f"/missions/calendar/week?date={day}"))
    sunday = re.split(r'<section class="cal-day', html)[7]
    assert sunday.count("01:00–04:00") == 2  # wall-clock times, as people read them
    cal = feed_calendar(client, session, travel, FeedKind.PLACE, org_place["place"].id, at=utc(2027, 3, 1, 9))
    events = cal.walk("VEVENT")
    assert len(events) == 2
    for ev in events:
        assert (ev.start.astimezone(UTC), ev.end.astimezone(UTC)) == (generated.start, generated.end)
        assert ev.end.astimezone(UTC) - ev.start.astimezone(UTC) == timedelta(hours=hours)


def test_the_hour_that_does_not_exist(session, org_place):
    # 02:00 → 03:00 on the night the clocks go forward does not exist: like a rule's session, a session added
    # by hand starts at 03:00 (summer time) and keeps its hour; never an empty session.
    mission = create(session, org_place, now=utc(2027, 3, 1, 9), first_date=SPRING_FORWARD, rrule="",
                     start_time=time(2), end_time=time(3))
    generated = sessions_of(session, mission)[0]
    assert (generated.start, generated.end) == (utc(2027, 3, 28, 1), utc(2027, 3, 28, 2))  # 03:00–04:00 CEST
    added = planning.add_session(session, org_place["coord"], mission, SPRING_FORWARD, time(2), time(3),
                                 now=utc(2027, 3, 1, 9))
    session.commit()
    session.expire_all()
    assert (added.start, added.end) == (generated.start, generated.end)
    assert added.end - added.start == timedelta(hours=1)


def test_the_hour_that_happens_twice(session, org_place):
    # 02:00 → 03:00 on the night the clocks go back: from the first 02:00 (summer time) to 03:00 (winter time)
    mission = create(session, org_place, now=utc(2027, 3, 1, 9), first_date=FALL_BACK, rrule="",
                     start_time=time(2), end_time=time(3))
    generated = sessions_of(session, mission)[0]
    assert (generated.start, generated.end) == (utc(2027, 10, 31, 0), utc(2027, 10, 31, 2))
    added = planning.add_session(session, org_place["coord"], mission, FALL_BACK, time(2), time(3),
                                 now=utc(2027, 3, 1, 9))
    session.commit()
    session.expire_all()
    assert (added.start, added.end) == (generated.start, generated.end)


def test_a_session_by_hand_is_limited_to_fourteen_real_hours(session, org_place):
    mission = create(session, org_place, now=utc(2027, 3, 1, 9), first_date=date(2027, 3, 2),
                     rrule="")
    # 01:00 → 15:30 lasts 13 h 30 on the 23-hour day, 15 h 30 on the 25-hour day
    short = planning.add_session(session, org_place["coord"], mission, SPRING_FORWARD, time(1), time(15, 30),
                                 now=utc(2027, 3, 1, 9))
    session.flush()
    assert short.end - short.start == timedelta(hours=13, minutes=30)
    with pytest.raises(DomainError, match="14 heures"):
        planning.add_session(session, org_place["coord"], mission, FALL_BACK, time(1), time(14, 30),
                             now=utc(2027, 3, 1, 9))


# --- a month with five Wednesdays --------------------------------------------------------------------------------

def test_every_wednesday_of_a_month_with_five(session, org_place):
    mission = create(session, org_place, now=utc(2027, 8, 1, 9), first_date=SEPTEMBER,
                     until_date=date(2027, 9, 30), rrule="FREQ=WEEKLY;BYDAY=WE")
    assert [clock.to_paris(s.start).date() for s in sessions_of(session, mission)] == FIVE_WEDNESDAYS


def test_last_wednesday_of_the_month_is_the_fifth_when_there_are_five(session, org_place):
    mission = create(session, org_place, now=utc(2027, 6, 1, 9), first_date=date(2027, 7, 1),
                     until_date=date(2027, 12, 31), rrule="FREQ=MONTHLY;BYDAY=WE;BYSETPOS=-1")
    assert [clock.to_paris(s.start).date() for s in sessions_of(session, mission)] == [
        date(2027, 7, 28), date(2027, 8, 25), date(2027, 9, 29), date(2027, 10, 27), date(2027, 11, 24),
        date(2027, 12, 29)]  # September and December have five Wednesdays: the last is the fifth
    fifth = create(session, org_place, now=utc(2027, 6, 1, 9), first_date=date(2027, 7, 1),
                   until_date=date(2027, 12, 31), rrule="FREQ=MONTHLY;BYDAY=5WE", title="Cinquième mercredi")
    assert [clock.to_paris(s.start).date() for s in sessions_of(session, fifth)] == [
        date(2027, 9, 29), date(2027, 12, 29)]  # only the months that have one


def test_month_view_and_feed_show_the_five_wednesdays(client, session, users, org_place, travel):
    mission = create(session, org_place, now=utc(2027, 8, 1, 9), first_date=SEPTEMBER,
                     until_date=date(2027, 9, 30), rrule="FREQ=WEEKLY;BYDAY=WE", title="Atelier du mercredi")
    ids = {s.id for s in sessions_of(session, mission)}
    login(client, users["coordinator"])
    html = text_of(client.get(f"/missions/calendar/month?date={SEPTEMBER}"))
    assert "Calendrier : septembre 2027" in html and "Séances ce mois-ci : 5" in html
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]  # after the header: 30 August → 3 October
    assert len(rows) == 5
    for row, wednesday in zip(rows, FIVE_WEDNESDAYS, strict=True):
        cells = re.split(r"<td ", row)[1:]
        assert f"date={wednesday}" in cells[2] and "Atelier du mercredi" in cells[2] and "09:00" in cells[2]
        assert all("Atelier du mercredi" not in cell for i, cell in enumerate(cells) if i != 2)
    assert {int(n) for n in re.findall(r'data-session="(\d+)"', html)} == ids
    cal = feed_calendar(client, session, travel, FeedKind.PLACE, org_place["place"].id,
                        at=utc(2027, 8, 15, 9))
    lines = ics_lines(cal)
    for wednesday in FIVE_WEDNESDAYS:
        assert f"DTSTART;TZID=Europe/Paris:{wednesday:%Y%m%d}T090000" in lines
    found = recurring_ical_events.of(cal).between(datetime(2027, 9, 1, tzinfo=PARIS),
                                                  datetime(2027, 10, 1, tzinfo=PARIS))
    assert sorted(ev.start.date() for ev in found) == FIVE_WEDNESDAYS


# --- the horizon is counted from the Paris day -------------------------------------------------------------------

def test_sessions_are_generated_400_days_from_the_paris_day(session, org_place):
    # 00:30 on 1 January in Paris is still 31 December in UTC: the horizon (400 days) counts from 1 January
    conv = factories.convention(session, organisation=org_place["org"], start_date=date(2027, 1, 1),
                                end_date=date(2029, 12, 31))
    session.commit()
    now = paris_datetime(date(2027, 1, 1), time(0, 30))
    assert now.date() == date(2026, 12, 31)
    last = date(2027, 1, 1) + timedelta(days=planning.HORIZON_DAYS)  # Saturday 5 February 2028
    mission = create(session, org_place, now=now, convention_id=conv.id, first_date=date(2027, 1, 2),
                     rrule=f"FREQ=WEEKLY;BYDAY={'MO TU WE TH FR SA SU'.split()[last.weekday()]}")
    assert clock.to_paris(sessions_of(session, mission)[-1].start).date() == last
