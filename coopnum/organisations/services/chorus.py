"""The Chorus Pro references of a public buyer, checked once for the organisation's page, its form and its API:
the *code service* (the buyer's department that receives the invoice, up to 100 characters) and the *numéro
d'engagement* (the purchase order or legal commitment, up to 50 characters), both made of letters without accents,
digits and the separators ``- _ / .`` (what Chorus Pro accepts in these identifiers), spaces around removed."""

import re

from coopnum.core.errors import DomainError

SERVICE_CODE_MAX = 100
ENGAGEMENT_MAX = 50
ALLOWED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/\-]*$")


def _normalise(value: str | None, *, field: str, label: str, limit: int, example: str) -> str | None:
    text = re.sub(r"\s+", " ", (value or "").strip())
    if not text:
        return None
    if len(text) > limit:
        raise DomainError(f"{label} ne doit pas dépasser {limit} caractères (limite de Chorus Pro).", field=field)
    if not ALLOWED.match(text):
        raise DomainError(f"{label} ne contient que des lettres sans accent, des chiffres et les séparateurs - _ / . "
                          f"(par exemple {example}).", field=field)
    return text


def normalise_service_code(value: str | None) -> str | None:
    return _normalise(value, field="chorus_service_code", label="Le code service", limit=SERVICE_CODE_MAX,
                      example="SERV-NUMERIQUE")


def normalise_engagement_number(value: str | None) -> str | None:
    return _normalise(value, field="chorus_engagement_number", label="Le numéro d'engagement", limit=ENGAGEMENT_MAX,
                      example="EJ-2026-0042")


def clean(data) -> dict:
    """The Chorus Pro fields of an ``OrganisationData``, normalised."""
    return {
        "chorus_service_code": normalise_service_code(data.chorus_service_code),
        "chorus_engagement_number": normalise_engagement_number(data.chorus_engagement_number),
        "chorus_engagement_required": bool(data.chorus_engagement_required),
    }
