"""Tests for the iCalendar feed builder (coopnum.missions.ical).

The builder is a pure function of the events and of ``now`` given explicitly: the fixed dates below (a summer
and a winter day, the 2025-10-26 fall-back hour) are the point of these tests and never meet the clock, except in
``test_stamp_defaults_to_the_app_clock``."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Event

from coopnum.missions.ical import CalendarEvent, build_calendar, feed_token
from tests import days

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=PARIS)  # 10:00 UTC

SUMMER = CalendarEvent(
    uid="session-1@coopnum.example",
    start=datetime(2025, 7, 1, 9, 0, tzinfo=PARIS),
    end=datetime(2025, 7, 1, 11, 0, tzinfo=PARIS),
    summary="Permanence numérique",
    location="Mairie, salle 2; RDC",
    description="Apporter sa carte Vitale.\nAccès PMR : oui; café, thé",
    url="https://coopnum.example/sessions/1",
    sequence=3,
    last_modified=datetime(2025, 5, 20, 18, 30, tzinfo=PARIS),
    categories=("atelier", "démarches, CAF"),
)
# Given in UTC on purpose: 08:00 UTC is 09:00 in Paris in winter.
WINTER = CalendarEvent(
    uid="session-2@coopnum.example",
    start=datetime(2025, 12, 3, 8, 0, tzinfo=UTC),
    end=datetime(2025, 12, 3, 10, 0, tzinfo=UTC),
    summary="Atelier smartphone",
    cancelled=True,
    sequence=1,
)
EVENTS = [WINTER, SUMMER]


def build(events=EVENTS, **kwargs) -> bytes:
    kwargs.setdefault("name", "Séances, coopnum; Lyon")
    kwargs.setdefault("now", NOW)
    return build_calendar(events, **kwargs)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def by_uid(cal: Calendar) -> dict[str, Event]:
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def unfolded_lines(data: bytes) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", data.decode("utf-8")).split("\r\n")


def test_calendar_properties() -> None:
    data = build(description="Toutes les séances,\nmises à jour chaque heure", refresh_minutes=30)
    cal = parse(data)
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == "-//coopnum//coopnum//FR"
    assert cal["CALSCALE"] == "GREGORIAN"
    assert cal["METHOD"] == "PUBLISH"
    assert cal["X-WR-TIMEZONE"] == "Europe/Paris"
    assert cal["DESCRIPTION"] == "Toutes les séances,\nmises à jour chaque heure"
    assert cal.refresh_interval == timedelta(minutes=30)
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    lines = unfolded_lines(data)
    # NAME / X-WR-* are not typed as TEXT by icalendar: check they are escaped anyway.
    assert "NAME:Séances\\, coopnum\\; Lyon" in lines
    assert "X-WR-CALNAME:Séances\\, coopnum\\; Lyon" in lines
    assert "X-WR-CALDESC:Toutes les séances\\,\\nmises à jour chaque heure" in lines
    assert "X-PUBLISHED-TTL:PT30M" in lines
    assert "UID" not in cal  # no random calendar UID: output must be deterministic


def test_no_description_and_invalid_refresh() -> None:
    cal = parse(build())
    assert "DESCRIPTION" not in cal and "X-WR-CALDESC" not in cal
    assert cal["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    with pytest.raises(ValueError):
        build(refresh_minutes=0)


def test_vtimezone_for_paris() -> None:
    data = build()
    cal = parse(data)
    [vtz] = cal.walk("VTIMEZONE")
    assert vtz["TZID"] == "Europe/Paris"
    assert vtz.standard and vtz.daylight
    assert {c["TZOFFSETTO"].td for c in vtz.daylight} == {timedelta(hours=2)}
    assert {c["TZOFFSETTO"].td for c in vtz.standard} == {timedelta(hours=1)}
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    # An empty feed still carries it (RFC 5545 wants at least one component).
    assert parse(build([])).walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"


@pytest.mark.parametrize(("event", "offset"), [(SUMMER, 2), (WINTER, 1)])
def test_nine_o_clock_paris_in_summer_and_winter(event: CalendarEvent, offset: int) -> None:
    data = build()
    dtstart = by_uid(parse(data))[event.uid]["DTSTART"]
    assert dtstart.params["TZID"] == "Europe/Paris"
    start = dtstart.dt
    assert (start.hour, start.minute) == (9, 0)
    assert start.utcoffset() == timedelta(hours=offset)
    assert start == event.start
    day = start.strftime("%Y%m%d")
    assert f"DTSTART;TZID=Europe/Paris:{day}T090000" in unfolded_lines(data)


def test_vtimezone_alone_gives_right_offsets() -> None:
    # A client that does not know "Europe/Paris" must rely on the VTIMEZONE only.
    data = build().replace(b"Europe/Paris", b"Coopnum-Paris")
    events = by_uid(parse(data))
    assert events[SUMMER.uid].start.utcoffset() == timedelta(hours=2)
    assert events[WINTER.uid].start.utcoffset() == timedelta(hours=1)
    assert events[SUMMER.uid].start == SUMMER.start
    assert events[WINTER.uid].end == WINTER.end


def test_repeated_hour_at_dst_fall_back_keeps_the_instant() -> None:
    # 2025-10-26: 02:00-03:00 happens twice in Paris; 01:30 UTC is the *second* 02:30.
    first = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 CET
    ev = CalendarEvent(uid="dst@coopnum.example", start=first, end=second, summary="Nuit")
    parsed = by_uid(parse(build([ev])))[ev.uid]
    # PEP 495: an ambiguous time never compares equal across zones, so compare in UTC.
    assert parsed.start.astimezone(UTC) == first and parsed.end.astimezone(UTC) == second
    assert parsed.start.astimezone(PARIS).hour == 2


def test_stamp_defaults_to_the_app_clock() -> None:
    # Without ``now``, DTSTAMP is the application's clock (pinned by the tests to days.NOW).
    event = by_uid(parse(build_calendar([SUMMER], name="Séances")))[SUMMER.uid]
    assert event.stamp == days.NOW
    assert event["DTSTAMP"].to_ical() == f"{days.NOW:%Y%m%dT%H%M%S}Z".encode()


def test_event_properties() -> None:
    events = by_uid(parse(build()))
    summer, winter = events[SUMMER.uid], events[WINTER.uid]
    assert summer["SUMMARY"] == "Permanence numérique"
    assert summer["URL"] == "https://coopnum.example/sessions/1"
    assert summer["SEQUENCE"] == 3 and winter["SEQUENCE"] == 1
    assert summer["STATUS"] == "CONFIRMED"
    assert winter["STATUS"] == "CANCELLED"  # cancelled sessions stay in the feed
    assert summer.stamp == winter.stamp == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    assert summer["DTSTAMP"].to_ical() == b"20250601T100000Z"
    assert summer["LAST-MODIFIED"].to_ical() == b"20250520T163000Z"
    assert "LAST-MODIFIED" not in winter
    assert summer.categories == ["atelier", "démarches, CAF"]
    assert summer.end == SUMMER.end
    # Empty optional fields are omitted rather than emitted empty.
    assert "LOCATION" not in winter and "URL" not in winter and "DESCRIPTION" not in winter


def test_text_escaping_round_trips() -> None:
    data = build()
    summer = by_uid(parse(data))[SUMMER.uid]
    assert summer["LOCATION"] == "Mairie, salle 2; RDC"
    assert summer["DESCRIPTION"] == "Apporter sa carte Vitale.\nAccès PMR : oui; café, thé"
    lines = unfolded_lines(data)
    assert "LOCATION:Mairie\\, salle 2\\; RDC" in lines
    assert "DESCRIPTION:Apporter sa carte Vitale.\\nAccès PMR : oui\\; café\\, thé" in lines
    assert "Permanence numérique".encode() in data  # UTF-8, not an escape


def test_events_sorted_by_start() -> None:
    late = CalendarEvent(
        "z@x", datetime(2026, 1, 5, 14, tzinfo=PARIS), datetime(2026, 1, 5, 15, tzinfo=PARIS), "C"
    )
    uids = [str(ev["UID"]) for ev in parse(build([late, WINTER, SUMMER])).walk("VEVENT")]
    assert uids == [SUMMER.uid, WINTER.uid, "z@x"]


def test_recurring_ical_events_window() -> None:
    query = recurring_ical_events.of(parse(build()))
    found = query.between(datetime(2025, 6, 1, tzinfo=PARIS), datetime(2026, 1, 1, tzinfo=PARIS))
    status = {str(ev["UID"]): ev["STATUS"] for ev in found}
    # recurring_ical_events does not filter cancelled events: it reports them with their STATUS.
    assert status == {SUMMER.uid: "CONFIRMED", WINTER.uid: "CANCELLED"}
    assert [ev.start for ev in query.at((2025, 12, 3))] == [WINTER.start]
    assert query.between(datetime(2025, 7, 2, tzinfo=PARIS), datetime(2025, 12, 1, tzinfo=PARIS)) == []


def test_output_is_deterministic() -> None:
    shuffled = EVENTS[::-1]
    random.Random(4).shuffle(shuffled)
    first, second = build(), build(shuffled)
    assert first == second
    later = parse(build(now=NOW + timedelta(days=1)))
    assert sorted(by_uid(later)) == sorted(by_uid(parse(first))) == sorted([SUMMER.uid, WINTER.uid])


def test_crlf_and_folding() -> None:
    long_text = "Médiation numérique — accompagnement aux démarches en ligne, " * 6
    ev = CalendarEvent("long@x", SUMMER.start, SUMMER.end, long_text, description=long_text)
    data = build([ev])
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")[:-1]
    assert any(line.startswith(b" ") for line in lines)  # long lines really were folded
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a multi-byte character
    assert by_uid(parse(data))["long@x"]["DESCRIPTION"] == long_text


def test_rejects_naive_or_inverted_datetimes() -> None:
    naive = CalendarEvent("n@x", datetime(2025, 7, 1, 9), datetime(2025, 7, 1, 10), "Naïf")
    with pytest.raises(ValueError, match="timezone-aware"):
        build([naive])
    with pytest.raises(ValueError, match="timezone-aware"):
        build(now=datetime(2025, 7, 1))
    inverted = CalendarEvent("i@x", SUMMER.end, SUMMER.start, "Inversé")
    with pytest.raises(ValueError, match="end must be after start"):
        build([inverted])


def test_feed_token() -> None:
    token = feed_token()
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)
    assert feed_token() != token
