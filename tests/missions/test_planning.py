from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import AuditLog, Role
from coopnum.missions.models import Assignment, MissionSession, SessionStatus
from coopnum.missions.services import planning
from coopnum.missions.services.planning import MissionData
from tests import factories

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday


@pytest.fixture
def setup(session, users):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org, start_date=date(2026, 11, 1), end_date=date(2026, 12, 31))
    place = factories.place(session, organisation=org, name="Mairie de Testville")
    mediator2 = factories.user(session, roles=[Role.MEDIATOR], full_name="Léa Dubois")
    session.commit()
    return {"conv": conv, "place": place, "coord": users["coordinator"], "med": users["mediator"], "med2": mediator2}


def data(setup, **kw) -> MissionData:
    values = dict(convention_id=setup["conv"].id, place_id=setup["place"].id, title="Permanence numérique",
                  first_date=date(2026, 11, 3), start_time=time(9), end_time=time(12), rrule="FREQ=WEEKLY;BYDAY=TU")
    values.update(kw)
    return MissionData(**values)


def sessions_of(session, mission):
    return session.execute(select(MissionSession).where(MissionSession.mission_id == mission.id)
                           .order_by(MissionSession.start)).scalars().all()


def test_weekly_mission_generates_sessions_within_the_convention(session, setup):
    mission, report = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    found = sessions_of(session, mission)
    # Tuesdays from 3 Nov to 29 Dec 2026: 9 Tuesdays, none a public holiday (11 Nov is a Wednesday)
    assert len(found) == report.created == 9
    assert found[0].start == datetime(2026, 11, 3, 8, tzinfo=UTC)  # 09:00 Paris in winter
    assert found[-1].start.date() == date(2026, 12, 29)
    assert session.execute(select(AuditLog).where(AuditLog.object_type == "Mission")).scalar_one()


def test_public_holidays_are_skipped(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup, rrule="FREQ=WEEKLY;BYDAY=WE"), now=NOW)
    days = [planning.local(s.start).date() for s in sessions_of(session, mission)]
    assert date(2026, 11, 11) not in days  # Armistice
    assert date(2026, 11, 4) in days and date(2026, 11, 18) in days


def test_default_mediators_are_assigned_and_conflicts_reported(session, setup):
    other = planning.create_mission(session, setup["coord"], data(setup, title="Autre", rrule="",
                                    first_date=date(2026, 11, 10), start_time=time(10), end_time=time(11),
                                    default_mediator_ids=[setup["med"].id]), now=NOW)[0]
    assert len(sessions_of(session, other)) == 1
    mission, report = planning.create_mission(
        session, setup["coord"], data(setup, default_mediator_ids=[setup["med"].id]), now=NOW)
    assigned = [s for s in sessions_of(session, mission) if s.assignments]
    assert len(assigned) == 8  # the 10 November one conflicts with "Autre"
    assert len(report.conflicts) == 1
    assert "déjà affecté·e à « Autre »" in report.conflicts[0] and "10 novembre 2026" in report.conflicts[0]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"end_time": time(8)}, "end_time", "L'heure de fin doit être après"),
    ({"first_date": date(2027, 2, 1)}, "first_date", "période de la convention"),
    ({"rrule": "FREQ=MINUTELY"}, "rrule", ""),
    ({"rrule": "n'importe quoi"}, "rrule", ""),
    ({"rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261102"}, "rrule", "aucune séance"),
    ({"until_date": date(2027, 3, 1)}, "until_date", "fin de la convention"),
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
    planning.assign(session, setup["coord"], s1, setup["med"], now=NOW)
    with pytest.raises(Conflict) as exc:
        planning.assign(session, setup["coord"], s2, setup["med"], now=NOW)
    assert "déjà affecté·e à « Permanence numérique » (Mairie de Testville) le mardi 3 novembre 2026 de 09:00 à 12:00" \
        in exc.value.message
    # another mediator is fine; the same mediator on a non-overlapping session too
    planning.assign(session, setup["coord"], s2, setup["med2"], now=NOW)
    planning.assign(session, setup["coord"], sessions_of(session, m2)[1], setup["med"], now=NOW)


def test_adjacent_sessions_do_not_conflict(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    m2, _ = planning.create_mission(session, setup["coord"], data(setup, title="Après-midi", start_time=time(12),
                                                                  end_time=time(14)), now=NOW)
    planning.assign(session, setup["coord"], sessions_of(session, m1)[0], setup["med"], now=NOW)
    planning.assign(session, setup["coord"], sessions_of(session, m2)[0], setup["med"], now=NOW)


def test_cancelled_sessions_do_not_block(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    m2, _ = planning.create_mission(session, setup["coord"], data(setup, title="Atelier"), now=NOW)
    s1, s2 = sessions_of(session, m1)[0], sessions_of(session, m2)[0]
    planning.assign(session, setup["coord"], s1, setup["med"], now=NOW)
    planning.cancel_session(session, setup["coord"], s1, "Mairie fermée", now=NOW)
    planning.assign(session, setup["coord"], s2, setup["med"], now=NOW)
    with pytest.raises(Conflict):  # restoring the first would now double-book
        planning.restore_session(session, setup["coord"], s1, now=NOW)


def test_absence_blocks_assignment_and_releases_sessions(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup, default_mediator_ids=[setup["med"].id]),
                                    now=NOW)
    absence, released = planning.create_absence(
        session, setup["coord"], setup["med"], "sickness", datetime(2026, 11, 9, tzinfo=UTC),
        datetime(2026, 11, 21, tzinfo=UTC), now=NOW)
    assert [planning.local(s.start).date() for s in released] == [date(2026, 11, 10), date(2026, 11, 17)]
    session.expire_all()
    s = sessions_of(session, m1)[1]
    assert s.assignments == [] and planning.is_open(s)
    with pytest.raises(Conflict) as exc:
        planning.assign(session, setup["coord"], s, setup["med"], now=NOW)
    assert "absent·e (arrêt maladie)" in exc.value.message


def test_only_mediators_can_be_assigned(session, setup, users):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    with pytest.raises(DomainError):
        planning.assign(session, setup["coord"], sessions_of(session, m1)[0], users["member"], now=NOW)


def test_rule_change_keeps_logged_and_manual_sessions(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    tuesdays = sessions_of(session, mission)
    tuesdays[1].status = SessionStatus.HELD  # logged work on 10 Nov
    planning.assign(session, setup["coord"], tuesdays[2], setup["med"], now=NOW)  # 17 Nov, in people's calendars
    planning.move_session(session, setup["coord"], tuesdays[3], date(2026, 11, 25), time(14), time(17), now=NOW)
    extra = planning.add_session(session, setup["coord"], mission, date(2026, 12, 2), time(9), time(12), now=NOW)
    session.flush()
    report = planning.update_mission(session, setup["coord"], mission, data(setup, rrule="FREQ=WEEKLY;BYDAY=TH"),
                                     now=NOW)
    all_sessions = sessions_of(session, mission)
    by_day = {planning.local(s.start).date(): s for s in all_sessions}
    assert by_day[date(2026, 11, 10)].status == SessionStatus.HELD  # logged work never lost
    assert by_day[date(2026, 11, 17)].status == SessionStatus.CANCELLED  # assigned: kept, cancelled
    assert date(2026, 11, 25) not in by_day  # moved by hand from a Tuesday the rule no longer has, unassigned
    assert by_day[date(2026, 12, 2)].id == extra.id  # added by hand: kept
    assert date(2026, 11, 3) not in by_day  # plain unassigned Tuesday: removed
    thursdays = [d for d, s in by_day.items() if d.weekday() == 3 and s.status == SessionStatus.PLANNED]
    assert date(2026, 11, 5) in thursdays and date(2026, 12, 31) in thursdays
    assert report.created == len(thursdays) and report.cancelled == 1


def test_rule_change_never_moves_a_session_with_hours_or_an_activity_report(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    tuesdays = sessions_of(session, mission)
    factories.time_entry(session, user=setup["med"], mission_session=tuesdays[0], minutes=180)  # 3 Nov
    factories.activity(session, mediator=setup["med"], mission_session=tuesdays[1])  # 10 Nov
    unlogged = tuesdays[2].id
    assert planning.locked_session_ids(session, [s.id for s in tuesdays]) == {tuesdays[0].id, tuesdays[1].id}
    planning.update_mission(session, setup["coord"], mission, data(setup, start_time=time(14), end_time=time(17),
                                                                   rrule="FREQ=WEEKLY;BYDAY=TH"), now=NOW)
    by_id = {s.id: s for s in sessions_of(session, mission)}
    for kept in tuesdays[:2]:
        assert by_id[kept.id].start.date() == kept.start.date() and planning.local(by_id[kept.id].start).hour == 9
    assert unlogged not in by_id


def test_time_change_moves_sessions_and_bumps_sequence(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    first = sessions_of(session, mission)[0]
    seq = first.sequence
    planning.update_mission(session, setup["coord"], mission, data(setup, start_time=time(14), end_time=time(17)),
                            now=NOW)
    session.refresh(first)
    assert planning.local(first.start).hour == 14 and first.sequence == seq + 1


def test_take_an_open_session(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    s = sessions_of(session, mission)[0]
    planning.take_session(session, setup["med2"], s, now=NOW)
    assert [a.user_id for a in s.assignments] == [setup["med2"].id]
    with pytest.raises(DomainError):
        planning.take_session(session, setup["med"], s, now=NOW)  # no longer open
    open_ids = session.execute(planning.open_sessions_stmt(NOW)).scalars().all()
    assert s not in open_ids and len(open_ids) == 8


def test_move_refuses_a_conflict_and_changes_nothing(session, setup):
    m1, _ = planning.create_mission(session, setup["coord"], data(setup, default_mediator_ids=[setup["med"].id]),
                                    now=NOW)
    s1, s2 = sessions_of(session, m1)[:2]
    with pytest.raises(Conflict):
        planning.move_session(session, setup["coord"], s2, date(2026, 11, 3), time(10), time(11), now=NOW)
    assert planning.local(s2.start).date() == date(2026, 11, 10)


def test_archive_cancels_future_sessions(session, setup):
    mission, _ = planning.create_mission(session, setup["coord"], data(setup), now=NOW)
    count = planning.archive_mission(session, setup["coord"], mission,
                                     now=datetime(2026, 12, 1, tzinfo=UTC))
    assert count == 5  # 1, 8, 15, 22, 29 December
    assert session.execute(select(func.count()).select_from(Assignment)).scalar_one() == 0
