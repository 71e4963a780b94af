"""The formatters of core.formats: one per kind of value, in French and English."""

from datetime import date
from decimal import Decimal

import pytest

from coopnum.core import formats


@pytest.mark.parametrize(("minutes", "fr", "en"), [
    (885, "14 h 45", "14 h 45"), (180, "3 h", "3 h"), (45, "45 min", "45 min"), (0, "0 h", "0 h"),
    (-90, "-1 h 30", "-1 h 30"), (None, "", ""),
])
def test_one_display_of_a_duration(minutes, fr, en):
    assert formats.hours(minutes, "fr") == fr
    assert formats.hours(minutes, "en") == en


def test_a_duration_in_thousands_of_hours_is_grouped():
    assert formats.hours(1234 * 60 + 5, "en") == "1,234 h 05"
    assert formats.hours(1234 * 60, "fr") == "1\u202f234 h"


def test_decimal_hours_only_for_spreadsheets():
    assert formats.decimal_hours(885) == Decimal("14.75")
    assert formats.decimal_hours(20) == Decimal("0.33")
    assert formats.decimal_hours(None) is None


def test_numbers_and_money():
    assert formats.number(Decimal("12.50"), "fr") == "12,5"
    assert formats.number(Decimal("12.50"), "en") == "12.5"
    assert formats.number(31, "fr") == "31"
    assert formats.number(None) == ""
    assert formats.money(157950, "fr") == "1\u202f579,50 €"
    assert formats.money(157950, "en") == "€1,579.50"
    assert formats.money(157950, "fr", currency=False) == "1\u202f579,50"


def test_months_and_periods():
    assert formats.month(date(2026, 11, 1), "fr") == "novembre 2026"
    assert formats.month(date(2026, 11, 1), "en") == "November 2026"
    assert formats.period(date(2026, 11, 1), date(2026, 11, 30), "fr") == "du 1 au 30 novembre 2026"
    assert formats.period(date(2026, 11, 1), date(2026, 11, 30), "en") == "from 1 to 30 November 2026"
    assert formats.period(date(2026, 10, 15), date(2026, 11, 14), "fr") == "du 15 octobre au 14 novembre 2026"
    assert formats.period(date(2026, 12, 1), date(2027, 1, 31), "fr") == "du 1 décembre 2026 au 31 janvier 2027"
    assert formats.period(date(2026, 11, 3), date(2026, 11, 3), "fr") == "le 3 novembre 2026"
    assert formats.period(date(2026, 11, 3), date(2026, 11, 3), "en") == "on 3 November 2026"


@pytest.mark.parametrize(("n", "fr", "en"), [
    (0, "0 séance", "0 sessions"), (1, "1 séance", "1 session"), (6, "6 séances", "6 sessions"),
    (Decimal("1.5"), "1,5 séance", "1.5 sessions"), (Decimal("14.75"), "14,75 séances", "14.75 sessions"),
])
def test_counts_agree_with_their_number(n, fr, en):
    assert formats.count(n, "séance", "séances", "fr") == fr
    assert formats.count(n, "session", "sessions", "en") == en


def test_thirty_one_members_are_plural():
    assert formats.count(31, "sociétaire", "sociétaires", "fr") == "31 sociétaires"
    assert formats.count(1, "sociétaire", "sociétaires", "fr") == "1 sociétaire"


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("Relevé d'heures de Aurélie", "Aurélie", "Relevé d'heures d'Aurélie"),
    ("Relevé d'heures de Camille", "Camille", "Relevé d'heures de Camille"),
    ("Fiche de Élodie enregistrée.", "Élodie", "Fiche d'Élodie enregistrée."),
    ("Les séances de Hélène", "Hélène", "Les séances d'Hélène"),
    ("Les séances de Haute-Vienne Numérique", "Haute-Vienne Numérique", "Les séances de Haute-Vienne Numérique"),
    ("Alors que Yann arrive", "Yann", "Alors qu'Yann arrive"),
    ("De Aurélie", "Aurélie", "D'Aurélie"),
    ("Aurélie's timesheet", "Aurélie", "Aurélie's timesheet"),
    ("Inde Aurélie", "Aurélie", "Inde Aurélie"),
])
def test_french_elision(text, word, expected):
    assert formats.elide(text, word) == expected


def test_of_a_name():
    assert formats.of("Aurélie", "fr") == "d'Aurélie"
    assert formats.of("Camille", "fr") == "de Camille"
    assert formats.of("Aurélie", "en") == "of Aurélie"


def test_a_label_says_a_name_once():
    title = "Permanence numérique — Médiathèque François-Mitterrand"
    assert formats.label(title, "Médiathèque François-Mitterrand") == title
    assert formats.label("Médiathèque François-Mitterrand", "Médiathèque François-Mitterrand") == \
        "Médiathèque François-Mitterrand"
    assert formats.label("Atelier smartphone", "Médiathèque") == "Atelier smartphone — Médiathèque"
    assert formats.label("Ville de Poitiers", "", None, "Mairie", sep=" · ") == "Ville de Poitiers · Mairie"


def test_a_span_of_whole_days_shows_dates_only():
    from datetime import datetime

    assert formats.span(datetime(2026, 12, 14), datetime(2026, 12, 19), "fr") == "du 14 au 18 décembre 2026"
    assert formats.span(datetime(2026, 12, 14), datetime(2026, 12, 15), "fr") == \
        "le 14 décembre 2026 (toute la journée)"
    assert formats.span(datetime(2026, 12, 14), datetime(2026, 12, 15), "en") == "on 14 December 2026 (all day)"
    assert formats.span(datetime(2026, 12, 14, 9), datetime(2026, 12, 14, 12), "fr") == \
        "le 14 décembre 2026 de 09:00 à 12:00"
    assert formats.span(datetime(2026, 12, 14, 14), datetime(2026, 12, 15, 12), "fr") == \
        "du 14 décembre 2026 à 14:00 au 15 décembre 2026 à 12:00"
    assert "00:00" not in formats.span(datetime(2026, 12, 31), datetime(2027, 1, 3), "fr")


@pytest.mark.parametrize("locale", ["fr", "en", "fr_FR", "de"])
def test_whole_counts_are_grouped_as_babel_groups_them(locale):
    """Counts take a shortcut past Babel (hundreds on a report): the same text as Babel's, in every language."""
    from babel import Locale
    from babel.numbers import format_decimal

    for value in (0, 7, 999, 1000, 54321, 1234567, 10**12, -1234):
        assert formats.number(value, locale) == format_decimal(value, format="#,##0", locale=Locale.parse(locale))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_shortcut_dates_are_babels_dates(app, language):
    """The pages' filters take a shortcut past Babel for their most common formats: the same text as Babel's."""
    from datetime import UTC, datetime

    from flask_babel import force_locale, format_date, format_datetime

    from coopnum.core import filters

    moments = [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
               datetime(2027, 12, 31, 23, 5, tzinfo=UTC), datetime(2026, 7, 4, 9, 7)]  # the last one naive: UTC
    with app.test_request_context("/"), force_locale(language):
        for moment in moments:
            for fmt in ("short", "HH:mm"):
                assert filters.dt(moment, fmt) == format_datetime(moment, fmt)
            assert filters.d(moment.date()) == format_date(moment.date(), "short")
            assert filters.d(moment.date(), "long") == format_date(moment.date(), "long")
