from decimal import Decimal

from coopnum.missions.models import SessionStatus
from coopnum.missions.services.volumes import volume_summaries
from coopnum.organisations.models import VolumeUnit
from tests import days, factories

PAST = days.month_start(-1)  # last month: wholly past
FUTURE = days.month_start(1)  # next month: wholly to come


def test_volume_used_and_planned(session, now):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org, contracted_volume=Decimal("10"))
    other = factories.convention(session, organisation=org, volume_unit=VolumeUnit.SESSIONS,
                                 contracted_volume=Decimal("4"))
    place = factories.place(session, organisation=org)
    m = factories.mission(session, convention=conv, place=place)
    m2 = factories.mission(session, convention=other, place=place)

    def at(day, h1, h2, mission=m, **kw):  # from h1:00 to h2:30 in Paris
        return factories.mission_session(session, mission=mission, start=days.at(day, h1),
                                         end=days.at(day, h2, 30), **kw)

    at(PAST.replace(day=2), 8, 11, status=SessionStatus.HELD)  # 3.5 h used
    at(PAST.replace(day=9), 8, 9)  # past and planned: counts as used, 1.5 h
    at(PAST.replace(day=16), 8, 9, status=SessionStatus.CANCELLED)  # never counts
    at(PAST.replace(day=17), 8, 9, status=SessionStatus.NOT_HELD)  # never counts
    at(FUTURE.replace(day=2), 8, 10)  # future: 2.5 h planned
    at(PAST.replace(day=2), 8, 9, mission=m2, status=SessionStatus.HELD)
    at(FUTURE.replace(day=2), 8, 9, mission=m2)
    result = volume_summaries(session, [conv.id, other.id], now=now)
    assert result[conv.id].used == Decimal("5.00")
    assert result[conv.id].planned == Decimal("2.50")
    assert result[conv.id].percent_used == 50
    assert result[conv.id].remaining == Decimal("2.50")
    assert result[other.id].used == 1 and result[other.id].planned == 1
    assert result[other.id].unit == VolumeUnit.SESSIONS
    assert volume_summaries(session, [], now=now) == {}


def test_convention_without_sessions(session, now):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    result = volume_summaries(session, [conv.id], now=now)
    assert result[conv.id].used == 0 and result[conv.id].planned == 0
