from datetime import UTC, datetime
from decimal import Decimal

from coopnum.missions.models import SessionStatus, VolumeUnit
from coopnum.missions.services.conventions import volume_summaries
from tests import factories


def test_volume_used_and_planned(session):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org, contracted_volume=Decimal("10"))
    other = factories.convention(session, organisation=org, volume_unit=VolumeUnit.SESSIONS,
                                 contracted_volume=Decimal("4"))
    place = factories.place(session, organisation=org)
    m = factories.mission(session, convention=conv, place=place)
    m2 = factories.mission(session, convention=other, place=place)
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)

    def at(day, h1, h2, mission=m, **kw):
        return factories.mission_session(session, mission=mission, start=datetime(2026, 11, day, h1, tzinfo=UTC),
                                         end=datetime(2026, 11, day, h2, 30, tzinfo=UTC), **kw)

    at(2, 8, 11, status=SessionStatus.HELD)  # 3.5 h used
    at(9, 8, 9)  # past and planned: counts as used, 1.5 h
    at(16, 8, 9, status=SessionStatus.CANCELLED)  # never counts
    at(17, 8, 9, status=SessionStatus.NOT_HELD)  # never counts
    at(30, 8, 10)  # future: 2.5 h planned
    at(2, 8, 9, mission=m2, status=SessionStatus.HELD)
    at(30, 8, 9, mission=m2)
    result = volume_summaries(session, [conv.id, other.id], now=now)
    assert result[conv.id].used == Decimal("5.00")
    assert result[conv.id].planned == Decimal("2.50")
    assert result[conv.id].percent_used == 50
    assert result[conv.id].remaining == Decimal("2.50")
    assert result[other.id].used == 1 and result[other.id].planned == 1
    assert result[other.id].unit == VolumeUnit.SESSIONS
    assert volume_summaries(session, [], now=now) == {}


def test_convention_without_sessions(session):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    result = volume_summaries(session, [conv.id], now=datetime(2026, 1, 1, tzinfo=UTC))
    assert result[conv.id].used == 0 and result[conv.id].planned == 0
