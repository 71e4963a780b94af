"""One formatter per kind of value, the same on pages, PDFs, mails and exports.

Pure functions: each takes the value and the locale ("fr", "en"; a babel Locale also works) and returns text.
``core.filters`` registers them as Jinja filters with the reader's locale; documents and exports import them and
pass the locale they are written in.

- durations: ``hours(150)`` → « 2 h 30 » everywhere a person reads it; ``decimal_hours(150)`` → Decimal("2.5")
  only where a number is needed (spreadsheets, CSV);
- numbers: ``number(Decimal("12.50"))`` → « 12,5 »; money: ``money(157950)`` → « 1 579,50 € »;
- dates: ``day``, ``month`` (« novembre 2026 »), ``period`` (« du 1 au 30 novembre 2026 »);
- counts: ``count(6, "séance", "séances")`` → « 6 séances » (the plural rule of the locale: 0 and 1 are singular in
  French, only 1 in English; the two words are already translated);
- French elision: ``elide("Relevé d'heures de Aurélie", "Aurélie")`` → « Relevé d'heures d'Aurélie ».
"""

import functools
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, get_group_symbol

NBSP = "\u00a0"


def _locale(locale) -> Locale:
    return locale if isinstance(locale, Locale) else Locale.parse(str(locale or "fr"))


def _french(locale) -> bool:
    return _locale(locale).language == "fr"


# --- numbers, money, durations -----------------------------------------------------------------------------------

def number(value, locale="fr") -> str:
    """A count or a quantity: 1234 → « 1 234 »; Decimal("12.50") → « 12,5 » (French), « 12.5 » (English)."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return format_decimal(Decimal(str(value)).normalize(), format="#,##0.##", locale=_locale(locale))
    if type(value) is int and value >= 0:  # a count, hundreds on a report: Babel's grouping without Babel's cost
        return f"{value:,}".replace(",", _group_symbol(str(locale)))
    return format_decimal(value, format="#,##0", locale=_locale(locale))


@functools.lru_cache(maxsize=16)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(_locale(locale))


def money(cents: int | None, locale="fr", currency: bool = True, nbsp: bool = False) -> str:
    """Integer cents → « 1 234,56 € » (French) or « €1,234.56 » (English), on pages, in mails and in messages;
    ``nbsp``: a no-break space before the sign, for the printed documents (the sign never wraps alone)."""
    if cents is None:
        return ""
    value = (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))
    text = format_decimal(value, format="#,##0.00", locale=_locale(locale))
    if not currency:
        return text
    if not _french(locale):
        return f"€{text}"
    return f"{text}\u00a0€" if nbsp else f"{text} €"  # a plain space, as the pages have always shown it


def hours(minutes: int | None, locale="fr") -> str:
    """A duration as people read it, in every language and on every page and PDF: 885 → « 14 h 45 »,
    180 → « 3 h », 45 → « 45 min », 0 → « 0 h »."""
    if minutes is None:
        return ""
    if minutes == 0:
        return "0 h"
    sign, minutes = ("-", -minutes) if minutes < 0 else ("", minutes)
    h, m = divmod(int(minutes), 60)
    if not h:
        return f"{sign}{m} min"
    return f"{sign}{number(h, locale)} h {m:02d}" if m else f"{sign}{number(h, locale)} h"


def minutes_of(hours_value) -> int | None:
    """A number of hours (Decimal("14.75"), as reports and conventions count them) → minutes (885)."""
    if hours_value is None:
        return None
    return int((Decimal(str(hours_value)) * 60).quantize(Decimal(1)))


def decimal_hours(minutes: int | None) -> Decimal | None:
    """A duration as a number of hours, for spreadsheets and CSV only: 885 → Decimal("14.75")."""
    if minutes is None:
        return None
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


# --- dates ---------------------------------------------------------------------------------------------------------

def day(value: date | None, locale="fr", fmt: str = "long") -> str:
    """« 1 novembre 2026 » (long), « 01/11/2026 » (short)."""
    return format_date(value, fmt, locale=_locale(locale)) if value else ""


def month(value: date | None, locale="fr") -> str:
    """« novembre 2026 », « November 2026 »."""
    return format_date(value, "MMMM y", locale=_locale(locale)) if value else ""


def period(start: date | None, end: date | None, locale="fr") -> str:
    """« du 1 au 30 novembre 2026 », « du 15 octobre au 14 novembre 2026 », « du 1 décembre 2026 au 31 janvier
    2027 »; « le 3 novembre 2026 » for one day. English: « from 1 to 30 November 2026 », « on 3 November 2026 »."""
    if start is None or end is None:
        return day(start or end, locale)
    loc = _locale(locale)
    fr = loc.language == "fr"
    last = format_date(end, "d MMMM y", locale=loc)
    if start == end:
        return f"{'le' if fr else 'on'} {last}"
    if (start.year, start.month) == (end.year, end.month):
        first = format_date(start, "d", locale=loc)
    elif start.year == end.year:
        first = format_date(start, "d MMMM", locale=loc)
    else:
        first = format_date(start, "d MMMM y", locale=loc)
    return f"du {first} au {last}" if fr else f"from {first} to {last}"


# --- counts and words ------------------------------------------------------------------------------------------------

def is_plural(n, locale="fr") -> bool:
    """The locale's plural rule (CLDR): French « 0 séance », « 1,5 heure », « 2 séances »; English « 1 session »,
    « 0 sessions », « 1.5 hours »."""
    if n is None:
        return False
    value = Decimal(str(n)) if isinstance(n, float) else n
    return _locale(locale).plural_form(abs(value)) != "one"


def count(n, one: str, other: str, locale="fr") -> str:
    """« 1 séance », « 6 séances », « 14,75 heures », « 31 sociétaires »: the number in the locale's writing and the
    word agreeing with it (``one`` and ``other`` already translated)."""
    if n is None:
        return ""
    return f"{number(n, locale)} {other if is_plural(n, locale) else one}"


# words whose h is aspirated: no elision before them (« de Haute-Vienne », « de hauteur »)
_ASPIRATED_H = ("haut", "hall", "hameau", "hangar", "handicap", "hasard", "hâte", "hausse", "héros", "hibou", "hollande",
                "hongrie", "honte", "hockey", "hors", "hui", "halte", "hache", "haie", "haine", "harpe", "hêtre")
_VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"


def elides(word: str | None) -> bool:
    """Whether French drops the e of « de », « que », « le » before ``word``: a vowel or a mute h."""
    text = (word or "").strip().lower()
    if not text:
        return False
    if text[0] in _VOWELS:
        return True
    return text[0] == "h" and len(text) > 1 and not text.startswith(_ASPIRATED_H)


def elide(text: str, *words: str | None) -> str:
    """French elision in a sentence where ``words`` (names, labels) were put after « de » or « que »:
    « Relevé d'heures de Aurélie » → « Relevé d'heures d'Aurélie ». Other languages' text is left as it is."""
    for word in words:
        if not word or not elides(word):
            continue
        pattern = re.compile(r"\b([dDqQ])(u?)e (?=" + re.escape(word.strip()) + ")")
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}'", text)
    return text


def of(name: str | None, locale="fr") -> str:
    """« de Camille », « d'Aurélie » (French); « of Camille » (English)."""
    if not name:
        return ""
    if not _french(locale):
        return f"of {name}"
    return f"d'{name}" if elides(name) else f"de {name}"


def label(*parts: str | None, sep: str = " — ") -> str:
    """Parts of a label joined, without the empty ones and without a part the label already says:
    label("Permanence numérique — Médiathèque François-Mitterrand", "Médiathèque François-Mitterrand") →
    « Permanence numérique — Médiathèque François-Mitterrand »; label("Ville de Poitiers", "Mairie") → both."""
    kept: list[str] = []
    for part in parts:
        text = (part or "").strip()
        if not text:
            continue
        said = sep.join(kept).casefold()
        if text.casefold() in said:
            continue
        kept = [k for k in kept if k.casefold() not in text.casefold()]  # a longer part says the shorter one
        kept.append(text)
    return sep.join(kept)


def span(start: datetime, end: datetime, locale="fr") -> str:
    """A stretch of time, in local (Paris) datetimes: whole days as dates only (an end at midnight is the end of the
    day before), « le 14 décembre 2026 (toute la journée) », « du 14 au 18 décembre 2026 »; within a day
    « le 14 décembre 2026 de 09:00 à 12:00 »; otherwise « du 14 décembre 2026 à 09:00 au 15 décembre 2026 à 12:00 »."""
    loc = _locale(locale)
    fr = loc.language == "fr"
    whole = start.time() == end.time() == time(0) and end > start
    if whole:
        last = (end - timedelta(days=1)).date()
        if last == start.date():
            return f"{period(last, last, loc)} ({'toute la journée' if fr else 'all day'})"
        return period(start.date(), last, loc)
    first = format_date(start.date(), "d MMMM y", locale=loc)
    if start.date() == end.date():
        return (f"le {first} de {start:%H:%M} à {end:%H:%M}" if fr
                else f"on {first} from {start:%H:%M} to {end:%H:%M}")
    last = format_date(end.date(), "d MMMM y", locale=loc)
    return (f"du {first} à {start:%H:%M} au {last} à {end:%H:%M}" if fr
            else f"from {first} at {start:%H:%M} to {last} at {end:%H:%M}")
