"""Template filters and globals: dates in Europe/Paris, money in euros, the menu, pagination links."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import dates as babel_dates
from flask import Flask, g, request, url_for
from flask_babel import format_decimal, get_locale
from markupsafe import Markup, escape

from coopnum.core import clock, formats, i18n, navigation


def _loc():
    """The request's locale: Flask-Babel's own cache of it read directly (a page formats thousands of values, and
    ``get_locale`` costs a few proxy lookups each time); ``get_locale`` when not cached yet or after ``refresh``."""
    try:
        locale = g._flask_babel.babel_locale  # None after a ``force_locale`` block: not cached
    except (AttributeError, RuntimeError):
        locale = None
    return locale or get_locale() or "fr"


def money(cents: int | None, currency: bool = True) -> str:
    """Integer cents → '1 234,56 €' (French) or '€1,234.56' (English)."""
    return formats.money(cents, _loc(), currency)


def percent(ratio, digits: int = 2) -> str:
    """A ratio (0–1) as a percentage in the reader's language: 0.5303 → '53,03 %' (French) or '53.03%'."""
    if ratio is None:
        return ""
    value = (Decimal(str(ratio)) * 100).quantize(Decimal(1).scaleb(-digits))
    text = format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")
    return f"{text}\u00a0%" if str(get_locale()).startswith("fr") else f"{text}%"


# Babel formats a date in ~25 µs, and a list shows hundreds: the most common formats take a shortcut to the same
# text (tests/core/test_formats.py compares them with Babel's).
FAST_DATETIME = {("HH:mm", None): "%H:%M", ("short", "fr"): "%d/%m/%Y %H:%M"}  # (format, language or None: any)
FAST_DATE = {("short", "fr"): "%d/%m/%Y"}


# The other formats are Babel's, kept per (value, format, language): a page shows the same sessions and dates on
# every request, and Babel takes 25–40 µs for each (the time zone is the application's, Europe/Paris, as
# Flask-Babel's ``format_datetime`` uses it: BABEL_DEFAULT_TIMEZONE).
@lru_cache(maxsize=32768)
def _babel_datetime(value: datetime, fmt: str, locale: str) -> str:
    return babel_dates.format_datetime(value, fmt, tzinfo=clock.PARIS, locale=locale)


@lru_cache(maxsize=32768)
def _babel_date(value: date, fmt: str, locale: str) -> str:
    return babel_dates.format_date(value, fmt, locale=locale)


def dt(value: datetime | None, fmt: str = "short") -> str:
    if not value:
        return ""
    locale = _loc()
    pattern = FAST_DATETIME.get((fmt, None)) or FAST_DATETIME.get((fmt, getattr(locale, "language", locale)))
    if pattern and value.year >= 1000:
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # naive: UTC, as Babel reads it
        return clock.to_paris(aware).strftime(pattern)
    return _babel_datetime(value, fmt, str(locale))


def d(value: date | None, fmt: str = "short") -> str:
    if not value:
        return ""
    locale = _loc()
    pattern = FAST_DATE.get((fmt, getattr(locale, "language", locale)))
    if pattern and value.year >= 1000:
        return value.strftime(pattern)
    return _babel_date(value, fmt, str(locale))


def hours(value, unit: str = "minutes") -> str:
    """A duration: 885 → '14 h 45' (pages, PDFs, mails; decimal hours only in spreadsheets). A value counted in
    hours (reports, conventions): {{ figures.hours_delivered|hours("hours") }}."""
    minutes = formats.minutes_of(value) if unit == "hours" else value
    return formats.hours(minutes, _loc())


def number(value, empty: str = "") -> str:
    """A count or quantity in the reader's language: 1 234; 12,5 (``empty`` for None, e.g. '—')."""
    return empty if value is None else formats.number(value, _loc())


def month(value: date | None) -> str:
    return formats.month(value, _loc())


def period(start: date | None, end: date | None = None) -> str:
    return formats.period(start, end, _loc())


def span(start: datetime | None, end: datetime | None) -> str:
    """{{ span(absence.start, absence.end) }}: whole days as dates, « du 14 au 18 décembre 2026 »; else with times
    (Paris)."""
    if start is None or end is None:
        return ""
    return formats.span(clock.to_paris(start), clock.to_paris(end), _loc())


def count(n, one: str, other: str) -> str:
    """{{ n|count(_("séance"), _("séances")) }} → '1 séance', '6 séances'."""
    return formats.count(n, one, other, _loc())


def plural_word(n, one: str, other: str) -> str:
    """Only the word agreeing with n: {{ n|plural_word(_("heure"), _("heures")) }}."""
    return other if formats.is_plural(n, _loc()) else one


def elide(text: str, *words: str | None) -> str:
    """{{ _("Relevé d'heures de %(name)s", name=n)|elide(n) }} → « Relevé d'heures d'Aurélie »."""
    if isinstance(text, Markup):
        return Markup(formats.elide(str(text), *(str(escape(w)) for w in words if w)))
    return formats.elide(str(text), *words)


def url_for_page(page: int) -> str:
    args = dict(request.view_args or {})
    # a query string's name that url_for reads itself (endpoint, _external, _scheme…) is left out: no 500, no link
    # to another scheme
    args.update({k: v for k, v in request.args.to_dict().items() if k != "endpoint" and not k.startswith("_")})
    args["page"] = page
    return url_for(request.endpoint, **args)


def ngettext(singular: str, plural: str, n) -> str:
    """The templates' ``ngettext`` with the language's own plural rule: French is the source language, shown
    without a catalogue, where gettext would take English's rule (« 0 lignes »); French's says « 0 ligne »."""
    return i18n.choose(singular, plural, n)


def init_app(app: Flask) -> None:
    # after Flask-Babel's own: the same callables, but ngettext follows the language's plural rule
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: i18n.get_translations().ugettext(s), ngettext=ngettext, newstyle=True,
        pgettext=lambda c, s: i18n.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: i18n.get_translations().unpgettext(c, s, p, n))
    app.jinja_env.filters.update(money=money, dt=dt, d=d, percent=percent, hours=hours, number=number, month=month,
                                 period=period, count=count, plural_word=plural_word, elide=elide)
    from coopnum.core.forms import ROLE_COUNT_LABELS, ROLE_LABELS

    app.jinja_env.globals.update(url_for_page=url_for_page, nav_items=navigation.items_for, nav_menu=navigation.menu_for,
                                 nav_side=navigation.side_menu, role_labels=ROLE_LABELS)
    app.jinja_env.globals.update(role_count_labels=ROLE_COUNT_LABELS, label_once=formats.label, span=span)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        return {"current_locale": str(get_locale()), "app_name": app.config["COOPNUM_NAME"]}
