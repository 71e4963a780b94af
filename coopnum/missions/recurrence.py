"""Recurrence rules of missions: RRULE validation, occurrences and session sync.

Pure module (no Flask, no database). Session times are *wall-clock* times in the
mission's time zone (Europe/Paris by default): a 09:00–12:00 session stays at
09:00 local time across DST changes, so its UTC offset changes. Every datetime
returned by this module is timezone-aware in UTC.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from dateutil.rrule import rrulestr

from coopnum.core.clock import PARIS

MAX_OCCURRENCES = 1000
_ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_ALLOWED_KEYS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"}
_DAY_NAMES = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
_WEEKDAYS = dict(zip("MO TU WE TH FR SA SU".split(), _DAY_NAMES, strict=True))
# The `holidays` package knows Alsace as "6AE", not as its départements 67 and 68.
_SUBDIV_ALIASES = {"67": "6AE", "68": "6AE"}


class RecurrenceError(ValueError):
    """Invalid recurrence input; ``message`` is a French, user-facing text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, order=True)
class Occurrence:
    """One generated session slot (timezone-aware UTC datetimes)."""

    start: datetime
    end: datetime


@dataclass
class ExistingSession:
    """A session already stored for the mission, as seen by :func:`plan_sync`."""

    key: Any
    start: datetime
    end: datetime
    status: str  # "planned" | "cancelled" | "held" | ...
    locked: bool  # hours/activities logged or held: never deleted nor moved
    manual: bool  # moved or edited by hand (an exception): kept as is


@dataclass
class SyncPlan:
    create: list[Occurrence] = field(default_factory=list)
    update: list[tuple[Any, Occurrence]] = field(default_factory=list)
    delete: list[Any] = field(default_factory=list)
    keep: list[Any] = field(default_factory=list)


def _split(rule: str) -> dict[str, str]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or ":" in text:
        raise RecurrenceError("La règle de récurrence est vide ou mal formée.")
    parts: dict[str, str] = {}
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        key, sep, value = chunk.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value or key in parts:
            raise RecurrenceError(f"Élément de règle de récurrence invalide : « {chunk} ».")
        parts[key] = value
    return parts


def _check_feasible(p: dict[str, str]) -> None:
    """Refuse values out of range and day combinations that can never occur
    (dateutil would otherwise scan, silently, up to the year 9999)."""
    try:
        interval, count = int(p.get("INTERVAL", "1")), int(p.get("COUNT", "1"))
        months = [int(m) for m in p["BYMONTH"].split(",")] if "BYMONTH" in p else list(range(1, 13))
        mdays = [abs(int(d)) for d in p["BYMONTHDAY"].split(",")] if "BYMONTHDAY" in p else []
        days = p["BYDAY"].split(",") if "BYDAY" in p else []
        ordinals = [int(d[:-2]) for d in days if d[:-2] not in ("", "+", "-")]
        positions = [abs(int(s)) for s in p["BYSETPOS"].split(",")] if "BYSETPOS" in p else []
    except ValueError as exc:
        raise RecurrenceError("Valeur numérique invalide dans la règle de récurrence.") from exc
    if min(interval, count, *months) < 1 or max(months) > 12 or not all(1 <= d <= 31 for d in mdays):
        raise RecurrenceError("Intervalle, nombre, mois ou jour du mois hors limites dans la règle.")
    if "UNTIL" in p and not re.fullmatch(r"\d{8}(T\d{6}Z?)?", p["UNTIL"]):
        raise RecurrenceError("La date de fin (UNTIL) doit s'écrire AAAAMMJJ ou AAAAMMJJTHHMMSSZ.")
    if mdays and not any(d <= calendar.monthrange(2000, m)[1] for m in months for d in mdays):
        raise RecurrenceError("Ces jours du mois n'existent dans aucun des mois choisis.")
    not_monthly = p["FREQ"] != "MONTHLY" or "BYMONTHDAY" in p
    if ordinals and (not_monthly or positions or not all(1 <= abs(n) <= 5 for n in ordinals)):
        raise RecurrenceError("Un rang de jour (ex. « 2TU ») n'est accepté qu'en mensuel, entre 1 et 5.")
    limit = 5 if len(days) == 1 else 4 * len(days)  # every month has 4 of each weekday, some 5
    if positions and (not_monthly or not all(1 <= n <= limit for n in positions)):
        raise RecurrenceError("BYSETPOS n'est accepté qu'en mensuel avec BYDAY et un rang existant.")


def parse_rrule(text: str) -> str:
    """Validate an RFC 5545 RRULE and return it normalised (no ``RRULE:``, FREQ first).

    Refused: unparsable text, frequency finer than DAILY, BYHOUR/BYMINUTE/BYSECOND
    (times come from the mission), COUNT together with UNTIL, parts not supported
    by the back-office (BYWEEKNO, BYYEARDAY...) and day combinations that never occur.
    """
    parts = _split(text)
    freq = parts.get("FREQ")
    if freq is None:
        raise RecurrenceError("La règle de récurrence doit préciser une fréquence (FREQ).")
    if freq in ("SECONDLY", "MINUTELY", "HOURLY") or {"BYHOUR", "BYMINUTE", "BYSECOND"} & set(parts):
        raise RecurrenceError("La récurrence ne peut pas être plus fine qu'une séance par jour.")
    if freq not in _ALLOWED_FREQS:
        raise RecurrenceError(f"Fréquence de récurrence inconnue : « {freq} ».")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError(
            "Une règle de récurrence ne peut pas avoir à la fois un nombre de séances et une date de fin."
        )
    unknown = sorted(set(parts) - _ALLOWED_KEYS)
    if unknown:
        raise RecurrenceError(f"Élément de règle de récurrence non pris en charge : {', '.join(unknown)}.")
    _check_feasible(parts)
    normalised = ";".join(f"{k}={v}" for k, v in sorted(parts.items(), key=lambda kv: kv[0] != "FREQ"))
    try:
        rrulestr(normalised, dtstart=datetime(2000, 1, 1), ignoretz=True)
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise RecurrenceError(f"Règle de récurrence invalide ({exc}).") from exc
    return normalised


def build_rrule(
    freq: str,
    interval: int = 1,
    byweekday: list[str] | None = None,
    bysetpos: int | None = None,
    until: date | None = None,
    count: int | None = None,
) -> str:
    """Build a rule from the UI presets: "daily", "weekly" (every N weeks on given
    days) or "monthly" (e.g. 2nd Tuesday: ``byweekday=["TU"], bysetpos=2``; -1 = last)."""
    freq_key = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}.get(freq.lower())
    if freq_key is None:
        raise RecurrenceError(f"Fréquence inconnue : « {freq} ».")
    days = [d.upper() for d in byweekday or []]
    if any(d not in _WEEKDAYS for d in days):
        raise RecurrenceError("Jour de la semaine inconnu.")
    if bysetpos is not None and (freq_key != "MONTHLY" or len(days) != 1):
        raise RecurrenceError("Le rang (2e, dernier…) demande une récurrence mensuelle sur un jour.")
    parts = [f"FREQ={freq_key}"] + ([f"INTERVAL={interval}"] if interval != 1 else [])
    if days:
        parts.append("BYDAY=" + ",".join(sorted(set(days), key=list(_WEEKDAYS).index)))
    if bysetpos is not None:
        parts.append(f"BYSETPOS={bysetpos}")
    if until is not None:
        parts.append(f"UNTIL={until:%Y%m%d}")
    if count is not None:
        parts.append(f"COUNT={count}")
    return parse_rrule(";".join(parts))


def _until_local(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as a naive local datetime; a bare date includes that whole day."""
    if len(value) == 8:
        return datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59)
    moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    if value.endswith("Z"):
        moment = moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return moment


def describe_rrule(rule: str, locale: str = "fr") -> str:
    """Human French description, e.g. "Chaque mois le 2e mardi"; raw rule when not describable."""
    try:
        p = _split(rule)
        n = int(p.get("INTERVAL", "1"))
        days = p["BYDAY"].split(",") if "BYDAY" in p else []
        pos = p.get("BYSETPOS")
    except (RecurrenceError, ValueError):
        return rule
    if locale != "fr" or set(p) - {"FREQ", "INTERVAL", "BYDAY", "BYSETPOS", "UNTIL", "COUNT", "WKST"}:
        return rule
    freq = p.get("FREQ")
    if freq == "DAILY" and not days and pos is None:
        text = "Chaque jour" if n == 1 else f"Tous les {n} jours"
    elif freq == "WEEKLY" and pos is None and all(d in _WEEKDAYS for d in days):
        names = [f"le {_WEEKDAYS[d]}" for d in sorted(days, key=list(_WEEKDAYS).index)]
        text = "Chaque semaine" if n == 1 else f"Toutes les {n} semaines"
        if names:
            text += " " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1])
    elif freq == "MONTHLY" and len(days) <= 1 and (pos is None or days):
        text = "Chaque mois" if n == 1 else f"Tous les {n} mois"
        if days:
            day, rank = days[0][-2:], (days[0][:-2] or pos or "").lstrip("+")
            ordinal = {"1": "le 1er", "-1": "le dernier", "-2": "l'avant-dernier"}.get(rank)
            if ordinal is None and rank.isdigit() and 1 < int(rank) <= 5:
                ordinal = f"le {rank}e"
            if day not in _WEEKDAYS or ordinal is None:
                return rule
            text += f" {ordinal} {_WEEKDAYS[day]}"
    else:
        return rule
    if "UNTIL" in p:
        try:
            text += f", jusqu'au {_until_local(p['UNTIL'], PARIS):%d/%m/%Y}"
        except ValueError:
            return rule
    elif "COUNT" in p:
        text += f", {p['COUNT']} fois"
    return text


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecurrenceError(f"Fuseau horaire inconnu : « {tz} ».") from exc


def _local_date(value: date, zone: ZoneInfo) -> date:
    """Local calendar date; naive datetimes are taken as UTC (database convention)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(zone).date()
    return value


def _holiday_dates(year: int, subdiv: str | None) -> set[date]:
    code = _SUBDIV_ALIASES.get(subdiv, subdiv) if subdiv else None
    try:
        return set(holidays.country_holidays("FR", subdiv=code, years=year))
    except NotImplementedError as exc:
        raise RecurrenceError(f"Subdivision inconnue pour les jours fériés : « {subdiv} ».") from exc


def generate_occurrences(
    rule: str,
    first_date: date,
    start_time: time,
    end_time: time,
    window_start: date,
    window_end: date,
    *,
    tz: str = "Europe/Paris",
    exclude_holidays: bool = True,
    holiday_subdiv: str | None = None,
    exdates: Iterable[date] = (),
) -> list[Occurrence]:
    """Occurrences whose local date lies in [window_start, window_end] (inclusive).

    DTSTART is ``first_date`` at ``start_time`` in local wall-clock time (a tzinfo
    on the times is ignored), so COUNT and INTERVAL count from the first date, not
    from the window. French public holidays (plus those of ``holiday_subdiv``, e.g.
    "57" Moselle, "6AE"/"67"/"68" Alsace) and ``exdates`` are skipped; they are
    not counted in the MAX_OCCURRENCES cap, beyond which RecurrenceError is raised.
    """
    if end_time.replace(tzinfo=None) <= start_time.replace(tzinfo=None):
        raise RecurrenceError("L'heure de fin doit être après l'heure de début.")
    if window_end < window_start:
        raise RecurrenceError("La fin de la période doit être après son début.")
    zone = _zone(tz)
    parts = _split(parse_rrule(rule))
    if "UNTIL" in parts:  # dateutil wants UNTIL in the same (naive local) frame as DTSTART
        parts["UNTIL"] = f"{_until_local(parts['UNTIL'], zone):%Y%m%dT%H%M%S}"
    start_t, end_t = start_time.replace(tzinfo=None), end_time.replace(tzinfo=None)
    rule_text = ";".join(f"{k}={v}" for k, v in parts.items())
    rr = rrulestr(rule_text, dtstart=datetime.combine(first_date, start_t))
    excluded = {_local_date(d, zone) for d in exdates}
    holiday_years: dict[int, set[date]] = {}
    if exclude_holidays:  # also validates holiday_subdiv up front
        holiday_years[window_start.year] = _holiday_dates(window_start.year, holiday_subdiv)
    days: list[date] = []
    for moment in rr.xafter(datetime.combine(window_start, time.min), inc=True):
        day = moment.date()
        if day > window_end:
            break
        if exclude_holidays and day.year not in holiday_years:
            holiday_years[day.year] = _holiday_dates(day.year, holiday_subdiv)
        if day in excluded or day in holiday_years.get(day.year, ()):
            continue
        days.append(day)
        if len(days) > MAX_OCCURRENCES:
            raise RecurrenceError(
                f"Cette règle produirait plus de {MAX_OCCURRENCES} séances sur la période : "
                "raccourcissez la période."
            )
    return [occurrence_on(d, start_t, end_t, zone) for d in days]


def occurrence_on(day: date, start: time, end: time, zone: ZoneInfo) -> Occurrence:
    """Local wall times → UTC. A start in the spring DST gap is pushed forward an hour
    (02:30 → 03:30); the wall-clock duration is then kept so the session is never empty."""
    begin = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    finish = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
    if finish <= begin:
        finish = begin + (datetime.combine(day, end) - datetime.combine(day, start))
    return Occurrence(begin, finish)


def ensure_some(occurrences: list[Occurrence]) -> list[Occurrence]:
    """Return ``occurrences`` unchanged, or raise if the rule produced none."""
    if not occurrences:
        raise RecurrenceError("Cette règle de récurrence ne produit aucune séance dans la période choisie.")
    return occurrences


def plan_sync(
    existing: list[ExistingSession],
    occurrences: list[Occurrence],
    *,
    original_starts: dict[Any, datetime] | None = None,
    tz: str = "Europe/Paris",
) -> SyncPlan:
    """Plan how to bring ``existing`` sessions in line with new ``occurrences``.

    ``existing`` must cover the same window as ``occurrences``: anything outside
    it looks unmatched. Naive datetimes are read as UTC.

    Matching is by local date. A session is matched first by the date of its
    original start (``original_starts[key]`` for sessions moved by hand, else its
    start), then, failing that, by its current date. Locked or manual sessions
    claim a date before plain ones; one session per date, extra ones are unmatched.

    * matched, locked (or status "held") or manual → keep, untouched;
    * matched, same start and end → keep; otherwise → update to the occurrence;
    * unmatched, locked → keep (logged work is never lost);
    * unmatched, manual and cancelled → keep (a cancellation is an exception record);
    * unmatched, manual with no original start (added by hand, not from the rule) → keep;
    * unmatched otherwise (planned, cancelled, or moved by hand from a date the rule no longer has) → delete;
    * unmatched occurrence → create. No occurrence is recreated where a kept session
      sits: the second matching pass gives every free date to the session on it.
    """
    zone = _zone(tz)
    originals = original_starts or {}
    slots: dict[date, Occurrence] = {}
    for occ in occurrences:
        slots.setdefault(_local_date(occ.start, zone), occ)
    match_of = _match_dates(existing, slots, originals, zone)
    plan = SyncPlan()
    for i, session in enumerate(existing):
        day = match_of.get(i)
        if day is not None and not (_is_locked(session) or session.manual):
            occ = slots[day]
            if (_utc(session.start), _utc(session.end)) != (occ.start, occ.end):
                plan.update.append((session.key, occ))
                continue
        elif day is None and not (
            _is_locked(session)
            or (session.manual and session.status == "cancelled")
            or (session.manual and session.key not in originals)
        ):
            plan.delete.append(session.key)
            continue
        plan.keep.append(session.key)
    matched = set(match_of.values())
    plan.create = [occ for day, occ in slots.items() if day not in matched]
    return plan


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _is_locked(session: ExistingSession) -> bool:
    return session.locked or session.status == "held"


def _match_dates(existing: list[ExistingSession], slots: dict[date, Occurrence], originals: dict[Any, datetime],
                 zone) -> dict[int, date]:
    """Index of an existing session → the date of the occurrence it answers: by the date of its original start,
    then by its current date; locked or manual sessions claim a date first; one session per date."""
    order = sorted(range(len(existing)), key=lambda i: not (_is_locked(existing[i]) or existing[i].manual))
    matched: dict[date, int] = {}
    match_of: dict[int, date] = {}
    for pick in (lambda s: originals.get(s.key, s.start), lambda s: s.start):
        for i in order:
            day = _local_date(pick(existing[i]), zone)
            if i not in match_of and day in slots and day not in matched:
                matched[day], match_of[i] = i, day
    return match_of
