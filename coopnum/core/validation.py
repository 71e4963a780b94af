"""The limits every input must respect at the boundary (forms, API bodies, queries, paths, imports).

One place for them so that the HTML forms (WTForms validators in ``core.forms``) and the API (pydantic types
in ``core.api``) refuse the same things with the same French words: characters that PostgreSQL or XML cannot
store (NUL, other control characters, lone surrogates), integers beyond the database's columns, years that no
cooperative record can have. No Flask import here: services may call these too."""

import re
from datetime import date, datetime

# PostgreSQL INTEGER / BIGINT. An id or a count beyond INT_MAX can match no row: refuse it before the database does.
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
BIGINT_MAX = 2**63 - 1

# The years a record of the cooperative can have: 1900 (a birth year, an old purchase) to 2199.
MIN_YEAR = 1900
MAX_YEAR = 2199
MIN_DATE = date(MIN_YEAR, 1, 1)
MAX_DATE = date(MAX_YEAR, 12, 31)

# XML 1.0 (Factur-X, iCal consumers, PDF text) and PostgreSQL TEXT accept neither NUL nor most C0 controls,
# nor lone surrogates, nor U+FFFE/U+FFFF. Tab, line feed and carriage return are allowed in multi-line text only.
_FORBIDDEN_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

CONTROL_CHARS_MESSAGE = "Ce texte contient des caractères de contrôle ou invisibles non autorisés."
NUMBER_RANGE_MESSAGE = "Nombre hors des limites autorisées."
DATE_RANGE_MESSAGE = f"Date hors des limites autorisées (années {MIN_YEAR} à {MAX_YEAR})."


def forbidden_chars(text: str, *, multiline: bool = False) -> bool:
    """True when ``text`` holds a character no field may store."""
    pattern = _FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_SINGLE_LINE
    return bool(pattern.search(text))




def int_in_range(value: int, *, low: int = INT_MIN, high: int = INT_MAX) -> bool:
    return low <= value <= high




def date_in_range(value: date | datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR




def bounded_int(text: str) -> int:
    """``int(text)`` within INT_MIN..INT_MAX, else ValueError: a ``type=`` for ``request.args.get`` (a value
    beyond the database's INTEGER becomes the default, as an unreadable one does)."""
    value = int(text)
    if not int_in_range(value):
        raise ValueError(NUMBER_RANGE_MESSAGE)
    return value


def domain_text(value: str | None, *, field: str, label: str, multiline: bool = False,
                max_length: int | None = None, required: bool = False) -> str:
    """The text a service stores, stripped: DomainError (French, naming ``label`` and the ``field``) when it holds
    a character that would break the documents made from it (Factur-X XML, PDF, iCal, PostgreSQL itself), when it
    is longer than ``max_length``, or empty while ``required``. For every text that ends in a document, whatever
    its way in (a page, the API, an import)."""
    from coopnum.core.errors import DomainError

    text = (value or "").strip()
    if forbidden_chars(text, multiline=multiline):
        raise DomainError(f"{label} : {CONTROL_CHARS_MESSAGE[0].lower()}{CONTROL_CHARS_MESSAGE[1:]}", field=field)
    if required and not text:
        raise DomainError(f"{label} : ce champ est obligatoire.", field=field)
    if max_length is not None and len(text) > max_length:
        raise DomainError(f"{label} : {max_length} caractères au plus.", field=field)
    return text


def _refuse_control_chars(session, _flush_context, _instances) -> None:
    """``before_flush``: no text column of a new or changed row may hold a character that breaks the documents
    made from it (NUL, C0/C1 controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF)."""
    from sqlalchemy import inspect as sa_inspect

    from coopnum.core.errors import DomainError

    new = session.new  # a new IdentitySet at each access: read once (in the loop it made a flush quadratic)
    for obj in [*new, *session.dirty]:
        state = sa_inspect(obj, raiseerr=False)
        if state is None:
            continue
        columns = state.mapper.columns
        for attr in state.attrs:
            if attr.key not in columns:
                continue
            value = attr.value if obj in new else (attr.history.added or [None])[0]
            if isinstance(value, str) and forbidden_chars(value, multiline=True):
                raise DomainError(f"{CONTROL_CHARS_MESSAGE} ({state.mapper.class_.__name__}.{attr.key})",
                                  field=attr.key)


def install_text_guard() -> None:
    """Refuse control characters in every text column of every ORM session, whatever the code path (a form, the
    API, an import, a service, the shell): the last boundary before PostgreSQL, Factur-X, PDF and iCal. Idempotent."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", _refuse_control_chars):
        event.listen(Session, "before_flush", _refuse_control_chars)


def parse_id(text) -> int | None:
    """A posted or queried id: its int when ``text`` is digits within INT_MAX, else None (never an exception,
    whatever the text: thousands of digits, a sign, NUL…)."""
    text = str(text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(INT_MAX)):
        return None
    value = int(text)
    return value if value <= INT_MAX else None
