"""The words of a proposed invoice line: a place named once, sessions counted in the plural, hours as a duration."""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from coopnum.billing.services import billable
from coopnum.organisations.models import PricingMode


def _sessions(title: str, place: str, minutes: list[int]):
    mission = SimpleNamespace(title=title, place=SimpleNamespace(name=place), service_id=None)
    return [SimpleNamespace(id=i, mission=mission, start=datetime(2026, 11, 2 + 7 * i, 9, tzinfo=UTC),
                            delivered_minutes=m) for i, m in enumerate(minutes)]


def test_a_mission_named_after_its_place_says_it_once():
    convention = SimpleNamespace(pricing_mode=PricingMode.HOURLY)
    line = billable._mission_line(convention, _sessions("Permanence numérique — Médiathèque François-Mitterrand",
                                                        "Médiathèque François-Mitterrand", [180, 165]), 4500, 2000)
    assert line.description == "Permanence numérique — Médiathèque François-Mitterrand : 2 séances, 5 h 45"
    assert line.quantity == Decimal("5.75")  # the billed quantity stays a number of hours


def test_one_session_is_singular_and_another_place_is_added():
    convention = SimpleNamespace(pricing_mode=PricingMode.PER_SESSION)
    line = billable._mission_line(convention, _sessions("Permanence numérique", "Mairie annexe", [120]), 9000, 2000)
    assert line.description == "Permanence numérique — Mairie annexe : 1 séance"
