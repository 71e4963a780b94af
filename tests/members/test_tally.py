"""The tally's arithmetic (exact fractions): the worked example, the empty-college rule, the majorities."""

from fractions import Fraction

import pytest

from coopnum.core import clock, settings
from coopnum.members.models import Assembly, Resolution
from coopnum.members.services import assemblies as services
from coopnum.members.services import tally
from tests.members import test_assemblies_world as w


def _college(cid, weight, n_for, n_against, n_abstain=0, n_blank=0):
    return tally.CollegeCounts(cid, f"C{cid}", Fraction(weight, 100),
                               {"for": n_for, "against": n_against, "abstain": n_abstain, "blank": n_blank})


def test_worked_example_exactly():
    colleges = [_college(1, 40, 10, 2, 1), _college(2, 20, 1, 4), _college(3, 20, 8, 12, 3), _college(4, 20, 5, 8)]
    share = tally.weighted_for(colleges, "redistribute")
    assert share == Fraction(4, 10) * Fraction(10, 12) + Fraction(2, 10) * (Fraction(1, 5) + Fraction(8, 20)
                                                                            + Fraction(5, 13))
    assert round(float(share) * 100, 2) == 53.03
    assert tally.majority_reached("AGO", share, Fraction(1, 2)) is True
    assert tally.majority_reached("AGE", share, Fraction(2, 3)) is False


def test_an_empty_college_under_both_rules():
    # the authorities (20 %) cast no vote (two abstain): their weight is shared, or counts as 0
    colleges = [_college(1, 40, 10, 2, 1), _college(2, 20, 0, 0, 2), _college(3, 20, 8, 12, 3), _college(4, 20, 5, 8)]
    redistributed = tally.weighted_for(colleges, "redistribute")
    zero = tally.weighted_for(colleges, "zero")
    expected_zero = Fraction(4, 10) * Fraction(10, 12) + Fraction(2, 10) * (Fraction(8, 20) + Fraction(5, 13))
    assert zero == expected_zero
    assert redistributed == expected_zero / Fraction(8, 10)
    assert round(float(redistributed) * 100, 2) == 61.28
    assert round(float(zero) * 100, 2) == 49.03
    # the rule changes the outcome of an AGO resolution
    assert tally.majority_reached("AGO", redistributed, Fraction(1, 2)) is True
    assert tally.majority_reached("AGO", zero, Fraction(1, 2)) is False


def test_majorities_at_the_boundary():
    assert tally.majority_reached("AGO", Fraction(1, 2), Fraction(1, 2)) is False  # more than half
    assert tally.majority_reached("AGE", Fraction(2, 3), Fraction(2, 3)) is True  # at least two thirds
    assert tally.weighted_for([], "redistribute") == 0
    assert tally.quorum_reached(0, 0, Fraction(0)) is True
    assert tally.quorum_reached(1, 5, Fraction(1, 5)) is True and tally.quorum_reached(1, 6, Fraction(1, 5)) is False


@pytest.mark.parametrize(("rule", "adopted", "percent"), [("redistribute", True, 61.28), ("zero", False, 49.03)])
def test_an_empty_college_from_the_database(session, users, rule, adopted, percent):
    coordinator = users["coordinator"]
    now = clock.now()
    settings.set_value(session, coordinator, "members.empty_college_rule", rule, now=now)
    colleges = w.colleges(session)
    assembly = w.assembly(session)
    votes = ((10, 2, 1), (0, 0, 2), (8, 12, 3), (5, 8, 0))
    voters = []
    for college, counts in zip(colleges, votes, strict=True):
        for choice, count in zip(("for", "against", "abstain"), counts, strict=True):
            voters += [(w.member(session, college), choice) for _ in range(count)]
    for m, _choice in voters:
        services.record_attendance(session, coordinator, assembly, m, mode="present", now=now)
    resolution = services.add_resolution(session, coordinator, assembly, title="R", now=now)
    services.open_vote(session, coordinator, resolution, now=now)
    for m, choice in voters:
        services.cast_ballot(session, coordinator, resolution, m, choice, now=now)
    services.close_vote(session, coordinator, resolution, now=now)
    result = session.get(Resolution, resolution.id).result
    assert result["empty_college_rule"] == rule
    assert round(result["weighted_for"] * 100, 2) == percent
    assert result["adopted"] is adopted
    empty = next(c for c in result["per_college"] if c["college_id"] == colleges[1].id)
    assert empty["votes_cast"] == 0 and empty["share_for"] is None and empty["abstain"] == 2
    # the frozen result does not move when the setting changes afterwards
    settings.set_value(session, coordinator, "members.empty_college_rule",
                       "zero" if rule == "redistribute" else "redistribute", now=now)
    assert tally.tally(session, resolution, session.get(Assembly, assembly.id))["adopted"] is adopted


def test_the_tallies_of_an_assembly_at_once_are_each_ones_tally(session, users):
    """``tallies_of`` (the assembly page: one read of the settings, quorum and colleges for every resolution) answers
    what ``tally`` answers resolution by resolution, frozen or live, in the order given."""
    coordinator = users["coordinator"]
    now = clock.now()
    colleges = w.colleges(session)
    assembly = w.assembly(session)
    voters = [w.member(session, college) for college in colleges for _ in range(2)]
    for m in voters[:-1]:
        services.record_attendance(session, coordinator, assembly, m, mode="present", now=now)
    resolutions = [services.add_resolution(session, coordinator, assembly, title=f"R{n}", now=now) for n in range(3)]
    for n, resolution in enumerate(resolutions):
        services.open_vote(session, coordinator, resolution, now=now)
        for k, m in enumerate(voters[:-1]):
            services.cast_ballot(session, coordinator, resolution, m, ("for", "against", "abstain")[(k + n) % 3],
                                 now=now)
    services.close_vote(session, coordinator, resolutions[0], now=now)
    assembly = session.get(Assembly, assembly.id)
    at_once = tally.tallies_of(session, assembly, resolutions[::-1])
    assert list(at_once) == [r.id for r in resolutions[::-1]]
    assert at_once == {r.id: tally.tally(session, r, assembly) for r in resolutions}
    assert at_once[resolutions[0].id]["frozen"] is True and at_once[resolutions[1].id]["frozen"] is False
    assert at_once[resolutions[1].id] != at_once[resolutions[2].id]  # each its own counts
    quorum = tally.quorum(session, assembly)
    assert tally.tallies_of(session, assembly, resolutions, quorum_=quorum) == at_once
    assert tally.tallies_of(session, assembly, []) == {}
