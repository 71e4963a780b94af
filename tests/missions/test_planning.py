"""Planning services: missions generating their sessions, assignments, conflicts, absences, rule changes.

The missions live in the next two months (``START`` … ``END``, the convention's period): wholly in the future
whatever the day the suite runs on, so that every session can still be assigned, taken, moved or archived."""

from datetime import date, time, timedelta

import holidays
import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.core.clock import paris_midnight
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import AuditLog, Role
from coopnum.missions.models import Assignment, MissionSession, SessionStatus
from coopnum.missions.services import assignment, planning
from coopnum.missions.services.planning import MissionData
from tests import days, factories

NOW = days.NOW
START, END = days.month_start(1), days.month_end(2)  # the convention: next month and the one after
FIRST_TUESDAY = days.weekday_on_or_after(START, days.TUESDAY)
DAY_BEFORE = FIRST_TUESDAY - timedelta(days=1)
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def working_days(weekday: int, first: date = FIRST_TUESDAY, last: date = END) -> list[date]:
    """Every `weekday` from `first` to `last` but the French public holidays (a mission's rule skips them)."""
    off = holidays.country_holidays("FR", years=range(first.year, last.year + 1))
    found, day = [], days.weekday_on_or_after(first, weekday)
    while day <= last:
        if day not in off:
            found.append(day)
        day += timedelta(weeks=1)
    return found


TUESDAYS = working_days(days.TUESDAY)  # the days the weekly Tuesday mission has a session


def long_date(day: date) -> str:
    return format_date(day, "EEEE d MMMM y", locale="fr")


@pytest.fixture
def setup(session, users):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org, start_date=START, end_date=END)
    place = factories.place(session, organisation=org, name="Mairie de Testville")
    mediator2 = factories.user(session, roles=[Role.MEDIATOR], full_name="Léa Dubois")
    session.commit()
    return {"org": org, "conv": conv, "place": place, "coord": users["coordinator"], "med": users["mediator"],
            "med2": mediator2}


def data(setup, **kw) -> MissionData:
    values = dict(convention_id=setup["conv"].id, place_id=setup["place"].id, title="Permanence numérique",
                  first_date=FIRST_TUESDAY, start_time=time(9), end_time=time(12), rrule="FREQ=WEEKLY;BYDAY=TU")
    values.update(kw)
    return MissionData(**values)


def sessions_of(session, mission):
    return session.execute(select(MissionSession).where(MissionSession.mission_id == mission.id)
                           .order_by(MissionSession.start)).scalars().all()


def local_days(sessions) -> list[date]:
    return [clock.to_paris(s.start).date() for s in sessions]


def test_weekly_mission_generates_sessions_within_the_convention(session, setup):
    assert len(TUESDAYS) >= 6  # two months hold at least 8 Tuesdays, at most 2 of them public holidays
    mission, report = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    found = sessions_of(session, mission)
    # every Tuesday from the first one to the end of the convention, none past it, public holidays skipped
    assert local_days(found) == TUESDAYS
    assert len(found) == report.created == len(TUESDAYS)
    assert found[0].start == days.at(TUESDAYS[0], 9)  # 09:00 in Paris, summer or winter
    assert {(clock.to_paris(s.start).time(), clock.to_paris(s.end).time()) for s in found} == {
        (time(9), time(12))}
    assert session.execute(select(AuditLog).where(AuditLog.object_type == "Mission")).scalar_one()


def test_public_holidays_are_skipped(session, setup):
    # The next Armistice (11 November), whatever its weekday, with a rule on that weekday around it.
    armistice = date(days.TODAY.year, 11, 11)
    if armistice <= days.TODAY:
        armistice = armistice.replace(year=armistice.year + 1)
    conv = factories.convention(session, organisation=setup["org"], start_date=armistice - timedelta(days=14),
                                end_date=armistice + timedelta(days=14))
    rule = f"FREQ=WEEKLY;BYDAY={BYDAY[armistice.weekday()]}"
    mission, _ = planning.create_mission(session, setup["coord"], data(
        setup, convention_id=conv.id, rrule=rule, first_date=armistice - timedelta(days=7)), now=NOW)
    found = local_days(sessions_of(session, mission))
    assert armistice not in found  # Armistice
    assert found == [armistice + timedelta(days=n) for n in (-7, 7, 14)]


def test_default_mediators_are_assigned_and_conflicts_reported(session, setup):
    other = planning.create_mission(session, setup["coord"], data(setup, title="Autre", rrule="",
                                    first_date=TUESDAYS[1], start_time=time(10), end_time=time(11),
                                    default_mediator_ids=[setup["med"].id]), now=NOW)[0]
    assert len(sessions_of(session, other)) == 1
    mission, report = planning.create_mission(
        session, setup["coord"], data(setup, default_mediator_ids=[setup["med"].id]), now=NOW)
    assigned = [s for s in sessions_of(session, mission) if s.assignments]
    assert len(assigned) == len(TUESDAYS) - 1  # the second Tuesday's conflicts with "Autre"
    assert TUESDAYS[1] not in local_days(assigned)
    assert len(report.conflicts) == 1
    assert "déjà affecté·e à « Autre »" in report.conflicts[0]
    assert format_date(TUESDAYS[1], "d MMMM y", locale="fr") in report.conflicts[0]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"end_time": time(8)}, "end_time", "L'heure de fin doit être après"),
    ({"first_date": days.month_start(3)}, "first_date", "période de la convention"),  # the day after it ends
    ({"rrule": "FREQ=MINUTELY"}, "rrule", ""),
    ({"rrule": "n'importe quoi"}, "rrule", ""),
    ({"rrule": f"FREQ=WEEKLY;BYDAY=TU;UNTIL={DAY_BEFORE:%Y%m%d}"}, "rrule", "aucune séance"),
    ({"until_date": days.month_start(3)}, "until_date", "fin de la convention"),
    ({"title": "  "}, "title", "titre"),
])
def test_invalid_missions_are_refused_in_french(session, setup, changes, field, message):
    with pytest.raises(DomainError) as exc:
        planning.create_mission(session, setup["coord"], data(setup, **changes), now=NOW)
    assert exc.value.field == field
    assert message in exc.value.message
    assert exc.value.message[0].isupper()


def test_double_booking_is_refused_naming_the_conflict(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    m2, _ = planning.create_mission(session, setup["coord"], data(setup, title="Atelier", start_time=time(11),
                                                                  end_time=time(13)), now=NOW)
    s1, s2 = sessions_of(session, m1)[0], sessions_of(session, m2)[0]
    assignment.assign(session, setup["coord"], s1, setup["med"], now=NOW)
    with pytest.raises(Conflict) as exc:
        assignment.assign(session, setup["coord"], s2, setup["med"], now=NOW)
    assert (f"déjà affecté·e à « Permanence numérique » (Mairie de Testville) le {long_date(TUESDAYS[0])} "
            f"de 09:00 à 12:00") in exc.value.message
    assert [a.user_id for a in s2.assignments] == []
    # another mediator is fine; the same mediator on a non-overlapping session too
    assignment.assign(session, setup["coord"], s2, setup["med2"], now=NOW)
    next_week = sessions_of(session, m2)[1]
    assignment.assign(session, setup["coord"], next_week, setup["med"], now=NOW)
    assert [a.user_id for a in s2.assignments] == [setup["med2"].id]
    assert [a.user_id for a in next_week.assignments] == [setup["med"].id]


def test_adjacent_sessions_do_not_conflict(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    m2, _ = planning.create_mission(session, setup["coord"], data(setup, title="Après-midi", start_time=time(12),
                                                                  end_time=time(14)), now=NOW)
    morning, afternoon = sessions_of(session, m1)[0], sessions_of(session, m2)[0]
    assert morning.end == afternoon.start  # 12:00: one ends when the other starts
    assignment.assign(session, setup["coord"], morning, setup["med"], now=NOW)
    assignment.assign(session, setup["coord"], afternoon, setup["med"], now=NOW)  # no Conflict raised
    session.flush()
    mine = session.execute(select(Assignment.session_id).where(Assignment.user_id == setup["med"].id)
                           .order_by(Assignment.session_id)).scalars().all()
    assert mine == sorted([morning.id, afternoon.id])  # the mediator is in both


def test_cancelled_sessions_do_not_block(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    m2, _ = planning.create_mission(session, setup["coord"], data(setup, title="Atelier"), now=NOW)
    s1, s2 = sessions_of(session, m1)[0], sessions_of(session, m2)[0]
    assignment.assign(session, setup["coord"], s1, setup["med"], now=NOW)
    planning.cancel_session(session, setup["coord"], s1, "Mairie fermée", now=NOW)
    assignment.assign(session, setup["coord"], s2, setup["med"], now=NOW)
    with pytest.raises(Conflict):  # restoring the first would now double-book
        planning.restore_session(session, setup["coord"], s1, now=NOW)


def test_absence_blocks_assignment_and_releases_sessions(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup, default_mediator_ids=[setup["med"].id]),
                                    now=NOW)
    # From the Monday before the second Tuesday to the Saturday after the third one
    absence, released = assignment.create_absence(
        session, setup["coord"], setup["med"], "sickness", paris_midnight(TUESDAYS[1] - timedelta(days=1)),
        paris_midnight(TUESDAYS[2] + timedelta(days=4)), now=NOW)
    assert local_days(released) == [TUESDAYS[1], TUESDAYS[2]]
    session.expire_all()
    s = sessions_of(session, m1)[1]
    assert s.assignments == [] and assignment.is_open(s)
    with pytest.raises(Conflict) as exc:
        assignment.assign(session, setup["coord"], s, setup["med"], now=NOW)
    assert "absent·e (arrêt maladie)" in exc.value.message


def test_only_mediators_can_be_assigned(session, setup, users):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    with pytest.raises(DomainError):
        assignment.assign(session, setup["coord"], sessions_of(session, m1)[0], users["member"], now=NOW)


def test_rule_change_keeps_logged_and_manual_sessions(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    tuesdays = sessions_of(session, mission)
    tuesdays[1].status = SessionStatus.HELD  # logged work on the second Tuesday
    assignment.assign(session, setup["coord"], tuesdays[2], setup["med"], now=NOW)  # in people's calendars
    moved_to = TUESDAYS[3] + timedelta(days=1)  # the fourth Tuesday's moved by hand to the Wednesday
    planning.move_session(session, setup["coord"], tuesdays[3], moved_to, time(14), time(17), now=NOW)
    extra_day = TUESDAYS[4] + timedelta(days=1)  # a Wednesday added by hand
    extra = planning.add_session(session, setup["coord"], mission, extra_day, time(9), time(12), now=NOW)
    session.flush()
    report = planning.update_mission(session, setup["coord"], mission, data(setup, rrule="FREQ=WEEKLY;BYDAY=TH"),
                                     now=NOW)
    all_sessions = sessions_of(session, mission)
    by_day = {clock.to_paris(s.start).date(): s for s in all_sessions}
    assert by_day[TUESDAYS[1]].status == SessionStatus.HELD  # logged work never lost
    assert by_day[TUESDAYS[2]].status == SessionStatus.CANCELLED  # assigned: kept, cancelled
    assert moved_to not in by_day  # moved by hand from a Tuesday the rule no longer has, unassigned
    assert by_day[extra_day].id == extra.id  # added by hand: kept
    assert TUESDAYS[0] not in by_day  # plain unassigned Tuesday: removed
    thursdays = sorted(d for d, s in by_day.items() if d.weekday() == days.THURSDAY
                       and s.status == SessionStatus.PLANNED)
    assert thursdays == working_days(days.THURSDAY)  # every Thursday of the convention, from the first one
    assert report.created == len(thursdays) and report.cancelled == 1


def test_rule_change_never_moves_a_session_with_hours_or_an_activity_report(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    tuesdays = sessions_of(session, mission)
    factories.time_entry(session, user=setup["med"], mission_session=tuesdays[0], minutes=180)
    factories.activity(session, mediator=setup["med"], mission_session=tuesdays[1])
    unlogged = tuesdays[2].id
    slots = {s.id: (s.start, s.end) for s in tuesdays[:2]}  # before the change
    assert planning.locked_session_ids(session, [s.id for s in tuesdays]) == {tuesdays[0].id, tuesdays[1].id}
    planning.update_mission(session, setup["coord"], mission, data(setup, start_time=time(14), end_time=time(17),
                                                                   rrule="FREQ=WEEKLY;BYDAY=TH"), now=NOW)
    session.expire_all()
    by_id = {s.id: s for s in sessions_of(session, mission)}
    for kept_id, (start, end) in slots.items():
        assert (by_id[kept_id].start, by_id[kept_id].end) == (start, end)  # still the Tuesday, 09:00–12:00
        assert clock.to_paris(by_id[kept_id].start).hour == 9
    assert unlogged not in by_id


def test_time_change_moves_sessions_and_bumps_sequence(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    first = sessions_of(session, mission)[0]
    seq = first.sequence
    planning.update_mission(session, setup["coord"], mission, data(setup, start_time=time(14), end_time=time(17)),
                            now=NOW)
    session.refresh(first)
    assert clock.to_paris(first.start).hour == 14 and first.sequence == seq + 1
    assert clock.to_paris(first.start).date() == TUESDAYS[0]


def test_take_an_open_session(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    s = sessions_of(session, mission)[0]
    assignment.take_session(session, setup["med2"], s, now=NOW)
    assert [a.user_id for a in s.assignments] == [setup["med2"].id]
    with pytest.raises(DomainError):
        assignment.take_session(session, setup["med"], s, now=NOW)  # no longer open
    still_open = session.execute(assignment.open_sessions_stmt(NOW)).scalars().all()
    assert s not in still_open and len(still_open) == len(TUESDAYS) - 1


def test_move_refuses_a_conflict_and_changes_nothing(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup, default_mediator_ids=[setup["med"].id]),
                                    now=NOW)
    s1, s2 = sessions_of(session, m1)[:2]
    with pytest.raises(Conflict):
        planning.move_session(session, setup["coord"], s2, TUESDAYS[0], time(10), time(11), now=NOW)
    assert clock.to_paris(s2.start).date() == TUESDAYS[1]


def test_archive_cancels_future_sessions(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    second_month = days.month_start(2)
    count = planning.archive_mission(session, setup["coord"], mission, now=paris_midnight(second_month))
    later = [d for d in TUESDAYS if d >= second_month]
    assert count == len(later) > 0  # the Tuesdays of the second month
    by_day = {clock.to_paris(s.start).date(): s.status for s in sessions_of(session, mission)}
    assert {by_day[d] for d in later} == {SessionStatus.CANCELLED}
    assert {by_day[d] for d in TUESDAYS if d < second_month} == {SessionStatus.PLANNED}
    assert session.execute(select(func.count()).select_from(Assignment)).scalar_one() == 0
