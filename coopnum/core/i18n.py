"""Translated messages built in Python (flashes, mails) with the language's own words for counts and names.

- ``ngettext(singular, plural, n, **vars)``: Flask-Babel's, but with the language's plural rule. French is the source
  language, shown without a catalogue, where gettext falls back on English's rule (« 0 relevés »); French's says
  « 0 relevé », « 1 relevé », « 2 relevés ». The templates' ``ngettext`` is the same choice (``choose``).
- ``elided(text, *words)``: French elision before the names and months put in a translated message
  (« relevés de avril 2027 » → « relevés d'avril 2027 »); other languages' text is left as it is.
"""

from flask import g, has_app_context
from flask_babel import get_locale
from flask_babel import get_translations as _babel_translations

from coopnum.core import formats


def get_translations():
    """Flask-Babel's catalogue of the current language, kept for the request (~10 µs a lookup, and a page
    translates hundreds of words); a ``force_locale`` block has its own locale object, hence its own catalogue."""
    if not has_app_context():
        return _babel_translations()
    locale = get_locale()
    cached = g.get("_coopnum_translations")
    if cached is None or cached[0] is not locale:
        cached = g._coopnum_translations = (locale, _babel_translations())
    return cached[1]


def _language() -> str:
    return str(get_locale() or "fr")


def choose(singular: str, plural: str, n) -> str:
    """The translation of the singular or the plural message, by the reader's language's plural rule."""
    translations = get_translations()
    if _language().startswith("fr"):
        return translations.ugettext(plural if formats.is_plural(n, "fr") else singular)
    return translations.ungettext(singular, plural, n)


def ngettext(singular: str, plural: str, num, **variables) -> str:
    """``ngettext("%(num)s relevé validé.", "%(num)s relevés validés.", n)`` → « 0 relevé validé. » (French),
    « 0 timesheets validated. » (English); ``num`` is there as ``%(num)s``, with the other variables."""
    variables.setdefault("num", num)
    return choose(singular, plural, num) % variables


def elided(text: str, *words: str | None) -> str:
    """French elision in a translated message where ``words`` were put after « de » or « que »."""
    return formats.elide(text, *words) if _language().startswith("fr") else text
