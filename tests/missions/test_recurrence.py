"""Tests of the recurrence module: pure calendar functions (no clock, no database) given explicit dates.

The fixed dates are the point here (the 2026 DST changes, Armistice on a Wednesday, Christmas on a Friday, the
26th of December in Alsace-Moselle…): nothing below depends on the day the suite runs on."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from coopnum.missions.recurrence import (
    MAX_OCCURRENCES,
    ExistingSession,
    Occurrence,
    RecurrenceError,
    build_rrule,
    describe_rrule,
    ensure_some,
    generate_occurrences,
    parse_rrule,
    plan_sync,
)

PARIS = ZoneInfo("Europe/Paris")
NINE, NOON = time(9), time(12)


def gen(rule: str, first: date, start: date, end: date, **kwargs) -> list[Occurrence]:
    return generate_occurrences(rule, first, NINE, NOON, start, end, **kwargs)


def local_days(occurrences: list[Occurrence]) -> list[date]:
    return [o.start.astimezone(PARIS).date() for o in occurrences]


def paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


# --- parse_rrule -------------------------------------------------------------------------------


def test_parse_rrule_normalises_prefix_case_and_order():
    assert parse_rrule("rrule:byday=tu;freq=weekly") == "FREQ=WEEKLY;BYDAY=TU"
    assert parse_rrule(" FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2 ") == "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("n'importe quoi", "invalide"),
        ("", "vide"),
        ("FREQ=WEEKLY;BYDAY=XX", "invalide"),
        ("BYDAY=TU", "fréquence"),
        ("FREQ=FORTNIGHTLY", "inconnue"),
        ("FREQ=HOURLY", "plus fine"),
        ("FREQ=MINUTELY", "plus fine"),
        ("FREQ=DAILY;BYHOUR=9", "plus fine"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20261231", "à la fois"),
        ("FREQ=YEARLY;BYWEEKNO=3", "non pris en charge"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "n'existent dans aucun"),
        ("FREQ=WEEKLY;INTERVAL=0", "hors limites"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9", "BYSETPOS"),
    ],
)
def test_parse_rrule_refuses_with_french_message(text, fragment):
    with pytest.raises(RecurrenceError) as info:
        parse_rrule(text)
    assert fragment in info.value.message
    assert isinstance(info.value, ValueError)
    assert str(info.value) == info.value.message


# --- build / describe --------------------------------------------------------------------------


def test_build_rrule_presets():
    assert build_rrule("weekly", byweekday=["TU"]) == "FREQ=WEEKLY;BYDAY=TU"
    assert build_rrule("weekly", 2, ["TH", "MO"]) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
    assert build_rrule("monthly", byweekday=["TU"], bysetpos=2) == "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"
    assert build_rrule("monthly", byweekday=["FR"], bysetpos=-1) == "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1"
    assert build_rrule("daily", until=date(2026, 12, 31)) == "FREQ=DAILY;UNTIL=20261231"
    assert build_rrule("weekly", byweekday=["WE"], count=10) == "FREQ=WEEKLY;BYDAY=WE;COUNT=10"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"freq": "hourly"},
        {"freq": "weekly", "interval": 0},
        {"freq": "weekly", "byweekday": ["XX"]},
        {"freq": "weekly", "byweekday": ["TU"], "bysetpos": 2},
        {"freq": "monthly", "byweekday": ["TU", "TH"], "bysetpos": 2},
        {"freq": "weekly", "byweekday": ["TU"], "until": date(2026, 12, 31), "count": 3},
    ],
)
def test_build_rrule_refuses_inconsistent_presets(kwargs):
    with pytest.raises(RecurrenceError):
        build_rrule(**kwargs)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "Chaque semaine le mardi"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH,MO", "Toutes les 2 semaines le lundi et le jeudi"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,TH", "Chaque semaine le lundi, le mardi et le jeudi"),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "Chaque mois le 2e mardi"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1WE", "Chaque mois le 1er mercredi"),
        ("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1", "Chaque mois le dernier vendredi"),
        ("FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR", "Tous les 3 mois le dernier vendredi"),
        ("FREQ=DAILY", "Chaque jour"),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231", "Chaque semaine le mardi, jusqu'au 31/12/2026"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=10", "Chaque semaine le mardi, 10 fois"),
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8"),
        ("pas une règle", "pas une règle"),
    ],
)
def test_describe_rrule(rule, expected):
    assert describe_rrule(rule) == expected


# --- generate_occurrences ----------------------------------------------------------------------


def test_weekly_keeps_local_wall_clock_across_dst_end():
    # Summer time ends on Sunday 25 October 2026.
    occ = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 10, 6), date(2026, 10, 13), date(2026, 11, 3))
    assert local_days(occ) == [date(2026, 10, 13), date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3)]
    assert all(o.start.tzinfo is UTC and o.end.tzinfo is UTC for o in occ)
    assert [o.start.hour for o in occ] == [7, 7, 8, 8]  # UTC+2 then UTC+1
    assert [o.end.hour for o in occ] == [10, 10, 11, 11]
    assert {o.start.astimezone(PARIS).time() for o in occ} == {NINE}
    assert occ[1] == Occurrence(datetime(2026, 10, 20, 7, tzinfo=UTC), datetime(2026, 10, 20, 10, tzinfo=UTC))


def test_weekly_keeps_local_wall_clock_across_dst_start():
    # Summer time starts on Sunday 29 March 2026.
    occ = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 3, 24), date(2026, 3, 24), date(2026, 3, 31))
    assert [o.start for o in occ] == [
        datetime(2026, 3, 24, 8, tzinfo=UTC),
        datetime(2026, 3, 31, 7, tzinfo=UTC),
    ]


def test_start_in_the_spring_gap_keeps_its_duration():
    # 02:30 does not exist in Paris on 29 March 2026: it becomes 03:30 (01:30 UTC), still one hour long.
    occ = generate_occurrences(
        "FREQ=DAILY",
        date(2026, 3, 29),
        time(2, 30),
        time(3, 30),
        date(2026, 3, 29),
        date(2026, 3, 29),
        exclude_holidays=False,
    )
    assert occ == [
        Occurrence(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 2, 30, tzinfo=UTC))
    ]


def test_every_other_week_is_aligned_on_first_date_not_window():
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
    occ = gen(rule, date(2026, 9, 7), date(2026, 9, 14), date(2026, 10, 9))
    assert local_days(occ) == [date(2026, 9, 21), date(2026, 9, 24), date(2026, 10, 5), date(2026, 10, 8)]


def test_window_before_first_date_starts_at_first_date():
    occ = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 15), date(2026, 9, 1), date(2026, 9, 22))
    assert local_days(occ) == [date(2026, 9, 15), date(2026, 9, 22)]


def test_monthly_second_tuesday():
    occ = gen("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", date(2026, 9, 1), date(2026, 9, 1), date(2026, 12, 31))
    assert local_days(occ) == [date(2026, 9, 8), date(2026, 10, 13), date(2026, 11, 10), date(2026, 12, 8)]


def test_monthly_last_friday_and_christmas():
    rule = build_rrule("monthly", byweekday=["FR"], bysetpos=-1)
    args = (rule, date(2026, 9, 1), date(2026, 9, 1), date(2026, 12, 31))
    all_fridays = [date(2026, 9, 25), date(2026, 10, 30), date(2026, 11, 27), date(2026, 12, 25)]
    assert local_days(gen(*args, exclude_holidays=False)) == all_fridays
    assert local_days(gen(*args)) == all_fridays[:3]  # 25 December 2026 is a Friday


def test_armistice_excluded_from_wednesday_sessions():
    args = ("FREQ=WEEKLY;BYDAY=WE", date(2026, 11, 4), date(2026, 11, 4), date(2026, 11, 18))
    assert local_days(gen(*args)) == [date(2026, 11, 4), date(2026, 11, 18)]
    assert local_days(gen(*args, exclude_holidays=False)) == [
        date(2026, 11, 4),
        date(2026, 11, 11),
        date(2026, 11, 18),
    ]


def test_moselle_and_alsace_also_exclude_saint_etienne():
    # The holidays package lists 26 December for Moselle ("57") and Alsace ("6AE", not "67"/"68").
    assert date(2026, 12, 26) not in holidays.country_holidays("FR", years=2026)
    assert date(2026, 12, 26) in holidays.country_holidays("FR", subdiv="57", years=2026)
    args = ("FREQ=WEEKLY;BYDAY=FR,SA", date(2026, 12, 18), date(2026, 12, 18), date(2026, 12, 27))
    assert local_days(gen(*args)) == [date(2026, 12, 18), date(2026, 12, 19), date(2026, 12, 26)]
    for subdiv in ("57", "6AE", "67", "68"):
        assert local_days(gen(*args, holiday_subdiv=subdiv)) == [date(2026, 12, 18), date(2026, 12, 19)]


def test_moselle_excludes_good_friday():
    args = ("FREQ=WEEKLY;BYDAY=FR", date(2026, 3, 27), date(2026, 3, 27), date(2026, 4, 10))
    assert date(2026, 4, 3) in local_days(gen(*args))
    assert local_days(gen(*args, holiday_subdiv="57")) == [date(2026, 3, 27), date(2026, 4, 10)]


def test_unknown_subdivision_is_refused():
    with pytest.raises(RecurrenceError, match="Subdivision inconnue"):
        gen(
            "FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 30), holiday_subdiv="99"
        )


def test_exdates_are_skipped():
    occ = gen(
        "FREQ=WEEKLY;BYDAY=TU",
        date(2026, 9, 1),
        date(2026, 9, 1),
        date(2026, 9, 29),
        exdates=[date(2026, 9, 15), date(2026, 9, 29)],
    )
    assert local_days(occ) == [date(2026, 9, 1), date(2026, 9, 8), date(2026, 9, 22)]


def test_count_is_counted_from_first_date_and_until_date_is_inclusive():
    count = gen("FREQ=WEEKLY;BYDAY=TU;COUNT=4", date(2026, 9, 1), date(2026, 9, 15), date(2026, 12, 31))
    assert local_days(count) == [date(2026, 9, 15), date(2026, 9, 22)]
    until = gen("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260922", date(2026, 9, 1), date(2026, 9, 1), date(2026, 12, 31))
    assert local_days(until)[-1] == date(2026, 9, 22)
    utc_until = gen(
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260922T070000Z", date(2026, 9, 1), date(2026, 9, 1), date(2026, 12, 31)
    )
    assert local_days(utc_until)[-1] == date(2026, 9, 22)  # 07:00Z is exactly 09:00 in Paris


def test_end_before_start_is_refused():
    for end in (time(8), NINE):
        with pytest.raises(RecurrenceError) as info:
            generate_occurrences(
                "FREQ=DAILY", date(2026, 9, 1), NINE, end, date(2026, 9, 1), date(2026, 9, 30)
            )
        assert info.value.message == "L'heure de fin doit être après l'heure de début."


def test_invalid_rule_is_refused_by_generate():
    with pytest.raises(RecurrenceError, match="plus fine"):
        gen("FREQ=HOURLY", date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 30))


def test_cap_on_number_of_occurrences():
    with pytest.raises(RecurrenceError, match=str(MAX_OCCURRENCES)):
        gen("FREQ=DAILY", date(2026, 1, 1), date(2026, 1, 1), date(2029, 12, 31))
    # Just under the cap is fine (holidays are not counted).
    occ = gen("FREQ=DAILY", date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=999))
    assert MAX_OCCURRENCES - 40 < len(occ) < MAX_OCCURRENCES


def test_empty_result_and_ensure_some():
    occ = gen("FREQ=WEEKLY;BYDAY=TU;COUNT=2", date(2026, 9, 1), date(2026, 10, 1), date(2026, 10, 31))
    assert occ == []
    with pytest.raises(RecurrenceError) as info:
        ensure_some(occ)
    assert info.value.message == "Cette règle de récurrence ne produit aucune séance dans la période choisie."
    some = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 8))
    assert ensure_some(some) is some


# --- plan_sync ---------------------------------------------------------------------------------

SEPT = (date(2026, 9, 1), date(2026, 9, 30))


def session(key, day: date, start: int = 9, end: int = 12, *, status="planned", locked=False, manual=False):
    return ExistingSession(key, paris(day, start), paris(day, end), status, locked, manual)


def test_sync_rule_moved_from_tuesday_to_thursday():
    existing = [
        session("tu01", date(2026, 9, 1), status="held", locked=True),  # hours logged
        session("tu08", date(2026, 9, 8)),
        session("tu15", date(2026, 9, 15)),
        session("tu22", date(2026, 9, 22), status="cancelled", manual=True),
        session("tu29", date(2026, 9, 29), status="cancelled"),
    ]
    thursdays = gen("FREQ=WEEKLY;BYDAY=TH", date(2026, 9, 1), *SEPT)
    plan = plan_sync(existing, thursdays)
    assert plan.delete == ["tu08", "tu15", "tu29"]
    assert plan.keep == ["tu01", "tu22"]
    assert plan.update == []
    assert plan.create == thursdays
    assert local_days(plan.create) == [date(2026, 9, d) for d in (3, 10, 17, 24)]


def test_sync_time_change_updates_unlocked_sessions_only():
    existing = [
        session("a", date(2026, 9, 1), locked=True),
        session("b", date(2026, 9, 8)),
        session("c", date(2026, 9, 15), 10, 11, manual=True),  # edited by hand
        session("d", date(2026, 9, 22), status="cancelled", manual=True),
        session("e", date(2026, 9, 29), 14, 17),  # already at the new time
    ]
    afternoon = generate_occurrences("FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 1), time(14), time(17), *SEPT)
    plan = plan_sync(existing, afternoon)
    assert plan.update == [("b", afternoon[1])]
    assert plan.update[0][1].start == datetime(2026, 9, 8, 12, tzinfo=UTC)
    assert plan.keep == ["a", "c", "d", "e"]
    assert plan.delete == [] and plan.create == []


def test_sync_identical_rule_is_a_no_op():
    occ = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 1), *SEPT)
    existing = [session(i, o.start.astimezone(PARIS).date()) for i, o in enumerate(occ)]
    plan = plan_sync(existing, occ)
    assert plan.keep == list(range(len(occ)))
    assert plan.create == plan.update == plan.delete == []


def test_sync_moved_manual_session_matches_its_original_date():
    # The 8 September session was moved by hand to Wednesday 9 September.
    existing = [session("moved", date(2026, 9, 9), manual=True), session("tu15", date(2026, 9, 15))]
    occ = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 8), date(2026, 9, 8), date(2026, 9, 15))
    plan = plan_sync(existing, occ, original_starts={"moved": paris(date(2026, 9, 8), 9)})
    assert plan.keep == ["moved", "tu15"]
    assert plan.create == [] and plan.delete == []
    # Without its original start it looks added by hand: kept, and Tuesday is recreated beside it.
    naive = plan_sync(existing, occ)
    assert naive.delete == [] and "moved" in naive.keep and local_days(naive.create) == [date(2026, 9, 8)]


def test_sync_does_not_recreate_on_a_kept_session_date():
    # Two sessions on the same date: the locked one claims it, the duplicate is deleted.
    existing = [session("dup", date(2026, 9, 1)), session("held", date(2026, 9, 1), 14, 17, locked=True)]
    occ = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 8))
    plan = plan_sync(existing, occ)
    assert plan.keep == ["held"] and plan.delete == ["dup"]
    assert local_days(plan.create) == [date(2026, 9, 8)]


def test_sync_matches_on_paris_date_and_reads_naive_datetimes_as_utc():
    # 23:30 UTC on 31 August is 01:30 on 1 September in Paris.
    late = ExistingSession(
        "late", datetime(2026, 8, 31, 23, 30), datetime(2026, 9, 1, 0, 30), "planned", False, False
    )
    occ = gen("FREQ=WEEKLY;BYDAY=TU", date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 1))
    plan = plan_sync([late], occ)
    assert plan.update == [("late", occ[0])]
    assert plan.create == [] and plan.delete == []


def test_sync_moved_session_already_on_a_new_rule_date_is_not_duplicated():
    # Tuesday 8 September was moved by hand to Thursday 10; the rule then switches to Thursdays.
    existing = [session("moved", date(2026, 9, 10), manual=True), session("tu15", date(2026, 9, 15))]
    thursdays = gen("FREQ=WEEKLY;BYDAY=TH", date(2026, 9, 8), date(2026, 9, 8), date(2026, 9, 17))
    plan = plan_sync(existing, thursdays, original_starts={"moved": paris(date(2026, 9, 8), 9)})
    assert plan.keep == ["moved"] and plan.delete == ["tu15"]
    assert local_days(plan.create) == [date(2026, 9, 17)]
