"""The cooperative's legal identity (settings ``company.*``), as printed on invoices and frozen into each issued
invoice (``Invoice.seller``)."""

from sqlmodel import Session

from coopnum.core import settings

FIELDS = ("name", "legal_form", "capital", "address", "postal_code", "city", "siret", "rcs", "rna", "vat_number",
          "iban", "bic", "training_declaration", "email", "phone", "website")
# Needed before any invoice can be issued (art. L441-9 C. com., art. 242 nonies A CGI).
REQUIRED = ("name", "legal_form", "address", "postal_code", "city", "siret")


def identity(session: Session) -> dict[str, str]:
    values = settings.get_many(session, [f"company.{name}" for name in FIELDS])
    return {name: values[f"company.{name}"] or "" for name in FIELDS}


def missing(identity_: dict[str, str]) -> list[str]:
    """The required fields still empty (also: RCS or RNA, one of them)."""
    gaps = [name for name in REQUIRED if not str(identity_.get(name) or "").strip()]
    if not (identity_.get("rcs") or identity_.get("rna")):
        gaps.append("rcs")
    return gaps


def siren(identity_: dict[str, str]) -> str:
    return (identity_.get("siret") or "").replace(" ", "")[:9]
