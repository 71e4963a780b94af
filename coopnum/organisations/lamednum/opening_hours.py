"""OSM ``opening_hours`` (common subset): parsing, validation message and French rendering."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

WEEKDAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAY_FR = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
_MONTH_FR = (
    "Janvier", "Février", "Mars", "Avril", "Mai", "Juin",
    "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre",
)  # fmt: skip
_HOLIDAYS_FR = {"PH": "Jours fériés", "SH": "Vacances scolaires"}
_EXAMPLE = "« Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 »"
_DASH = "\u2013"

_DAY_ITEM = re.compile(
    r"(?P<start>Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?P<end>Mo|Tu|We|Th|Fr|Sa|Su))?|(?P<holiday>PH|SH)"
)
_MONTH_ITEM = re.compile(r"(?P<start>[A-Z][a-z]{2})(?:-(?P<end>[A-Z][a-z]{2}))?")
_SPAN = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", re.ASCII)


class OpeningHoursError(ValueError):
    """An opening_hours value outside the supported subset; ``str(error)`` is a French message."""


@dataclass(frozen=True)
class DayRange:
    start: str  # "Mo"… or "PH"/"SH"
    end: str | None = None


@dataclass(frozen=True)
class OpeningRule:
    months: tuple[tuple[int, int], ...] = ()  # 1-based (start, end)
    days: tuple[DayRange, ...] = ()  # empty: every day
    spans: tuple[tuple[int, int], ...] = ()  # minutes since midnight, end exclusive, end ≤ 1440
    closed: bool = False
    always: bool = False  # "24/7"
    comment: str | None = None

    def weekdays(self) -> frozenset[int]:
        """Weekday indexes (0 = Monday) the rule applies to; all seven when it names no day."""
        if not self.days:
            return frozenset(range(7))
        result: set[int] = set()
        for item in self.days:
            if item.start in WEEKDAYS:
                first = WEEKDAYS.index(item.start)
                last = WEEKDAYS.index(item.end or item.start)
                result.update(day % 7 for day in range(first, first + (last - first) % 7 + 1))
        return frozenset(result)


def _split_rules(text: str) -> list[str]:
    rules: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            rules.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise OpeningHoursError("un commentaire entre guillemets n'est pas refermé.")
    rules.append("".join(current))
    return [rule.strip() for rule in rules if rule.strip()]


def _parse_months(token: str) -> tuple[tuple[int, int], ...]:
    result: list[tuple[int, int]] = []
    for item in token.split(","):
        match = _MONTH_ITEM.fullmatch(item)
        if match is None or match["start"] not in MONTHS or (match["end"] and match["end"] not in MONTHS):
            raise OpeningHoursError(f"« {item} » n'est pas un mois reconnu (Jan, Feb, … Dec).")
        start = MONTHS.index(match["start"]) + 1
        result.append((start, MONTHS.index(match["end"]) + 1 if match["end"] else start))
    return tuple(result)


def _parse_days(token: str) -> tuple[DayRange, ...]:
    result: list[DayRange] = []
    for item in token.split(","):
        match = _DAY_ITEM.fullmatch(item)
        if match is None:
            raise OpeningHoursError(
                f"« {item} » n'est pas un jour reconnu : utilisez Mo, Tu, We, Th, Fr, Sa, Su "
                f"(ou PH pour les jours fériés), par exemple {_EXAMPLE}."
            )
        result.append(
            DayRange(match["holiday"]) if match["holiday"] else DayRange(match["start"], match["end"])
        )
    return tuple(result)


def _parse_spans(token: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    for item in token.split(","):
        match = _SPAN.fullmatch(item)
        if match is None:
            raise OpeningHoursError(
                f"« {item} » n'est pas une plage horaire au format HH:MM-HH:MM (par ex. 09:00-12:00)."
            )
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        if start_h > 23 or start_m > 59:
            raise OpeningHoursError(f"« {item[:5]} » n'est pas une heure valide.")
        if end_h > 24 or end_m > 59 or (end_h == 24 and end_m):
            raise OpeningHoursError(f"« {item[6:]} » n'est pas une heure valide.")
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if end <= start:
            raise OpeningHoursError(f"« {item} » : l'heure de fin doit être après l'heure de début.")
        spans.append((start, end))
    ordered = sorted(spans)
    for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            raise OpeningHoursError(f"les plages horaires de « {token} » se chevauchent.")
    return tuple(spans)


def _parse_rule(rule: str) -> OpeningRule:
    comment: str | None = None
    if match := re.search(r'\s*"([^"]*)"$', rule):
        comment = match[1].strip() or None
        rule = rule[: match.start()]
    if '"' in rule:
        raise OpeningHoursError("un commentaire entre guillemets doit être placé en fin de règle.")
    tokens = re.sub(r"\s*([,-])\s*", r"\1", rule.strip()).split()
    if not tokens:
        if comment is None:
            raise OpeningHoursError("règle vide.")
        return OpeningRule(comment=comment)
    if tokens == ["24/7"]:
        return OpeningRule(always=True, comment=comment)
    months: tuple[tuple[int, int], ...] = ()
    days: tuple[DayRange, ...] = ()
    if tokens[0][:3] in MONTHS:
        months = _parse_months(tokens.pop(0))
    if tokens and not tokens[0][0].isdigit() and tokens[0] not in {"off", "closed", "24/7"}:
        days = _parse_days(tokens.pop(0))
    if not tokens:
        raise OpeningHoursError(
            f"précisez les horaires ou « off » après « {rule.strip()} », par exemple {_EXAMPLE}."
        )
    if len(tokens) > 1:
        raise OpeningHoursError(
            f"« {' '.join(tokens[1:])} » n'est pas compris ; exemple attendu : {_EXAMPLE}."
        )
    body = tokens[0]
    if body in {"off", "closed"}:
        return OpeningRule(months=months, days=days, closed=True, comment=comment)
    if body == "24/7":
        raise OpeningHoursError(
            "« 24/7 » s'emploie seul ; pour des jours précis, écrivez « Mo-Fr 00:00-24:00 »."
        )
    return OpeningRule(months=months, days=days, spans=_parse_spans(body), comment=comment)


def parse_opening_hours(text: str) -> list[OpeningRule]:
    """Parse the supported subset of OSM ``opening_hours``; raises ``OpeningHoursError``.

    Supported: ``24/7``; rules separated by ``;``, each made of an optional month selector (``Jul-Aug``), an
    optional weekday selector (``Mo-Fr``, ``Tu,Th``, ``Sa-Mo``, ``PH``, ``SH``), then ``HH:MM-HH:MM`` spans joined
    by ``,`` (end after start, up to ``24:00``, no overlap) or ``off``/``closed``, and an optional ``"comment"``.
    Not supported (rejected): ``||`` fallbacks, ``Mo[1]``, week numbers, dates, sunrise/sunset, ``+``.
    Two open rules with exactly the same days are rejected too: in OSM the second one replaces the first.
    """
    rules = [_parse_rule(rule) for rule in _split_rules(text.strip())]
    if not rules:
        raise OpeningHoursError("aucun horaire n'est indiqué.")
    seen: dict[tuple[tuple[tuple[int, int], ...], frozenset[int]], OpeningRule] = {}
    for rule in rules:
        key = (rule.months, rule.weekdays())
        if rule.spans and key[1] and key in seen:
            raise OpeningHoursError(
                "deux règles portent sur les mêmes jours et la seconde remplace la première : "
                "regroupez les plages, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »."
            )
        if rule.spans:
            seen[key] = rule
    return rules


def validate_opening_hours(text: str) -> str | None:
    """``None`` if ``text`` is empty or valid in the supported subset, else a French error message."""
    if not text or not text.strip():
        return None
    try:
        parse_opening_hours(text)
    except OpeningHoursError as error:
        message = str(error)
        return message[0].upper() + message[1:]
    return None


def _describe_days(days: Sequence[DayRange]) -> str:
    parts: list[str] = []
    for item in days:
        if item.start in _HOLIDAYS_FR:
            parts.append(_HOLIDAYS_FR[item.start])
        else:
            first = _WEEKDAY_FR[WEEKDAYS.index(item.start)]
            parts.append(f"{first}{_DASH}{_WEEKDAY_FR[WEEKDAYS.index(item.end)]}" if item.end else first)
    return ", ".join(parts)


def _describe_rule(rule: OpeningRule) -> str:
    if rule.always:
        text = "Ouvert 24 h/24, 7 j/7"
    elif not (rule.spans or rule.closed):
        text = ""  # comment only
    else:
        months = ", ".join(
            _MONTH_FR[start - 1] if start == end else f"{_MONTH_FR[start - 1]}{_DASH}{_MONTH_FR[end - 1]}"
            for start, end in rule.months
        )
        selector = ", ".join(part for part in (months, _describe_days(rule.days)) if part)
        if rule.closed:
            text = f"{selector} : fermé" if selector else "Fermé"
        else:
            times = ", ".join(
                f"{s // 60:02d}:{s % 60:02d}{_DASH}{e // 60:02d}:{e % 60:02d}" for s, e in rule.spans
            )
            text = f"{selector or 'Tous les jours'} {times}"
    if rule.comment:
        text = f"{text} ({rule.comment})" if text else rule.comment
    return text


def describe_opening_hours(text: str) -> str:
    """French rendering, e.g. ``Lundi–Vendredi 09:00–12:00, 14:00–17:00 ; Samedi 09:00–12:00``.

    Text that does not parse is returned unchanged (stripped), so a page can always show something.
    """
    if not text or not text.strip():
        return ""
    try:
        rules = parse_opening_hours(text)
    except OpeningHoursError:
        return text.strip()
    return " ; ".join(_describe_rule(rule) for rule in rules)
