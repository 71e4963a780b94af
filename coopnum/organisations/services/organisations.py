"""Services of the organisations domain: organisations (structures) and their contacts (interlocuteurs).

Identifiers are checked here, once, for the pages and the API: SIRET (python-stdnum, 14 digits with Luhn keys),
RNA, INSEE commune code, postal code, intra-community VAT number. A public buyer needs a SIRET (Chorus Pro)."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from coopnum.core import audit, spreadsheet
from coopnum.core import services as core_services
from coopnum.core.commands import Command
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import Role, User
from coopnum.core.validation import domain_text
from coopnum.organisations.models import Contact, Organisation, OrganisationKind
from coopnum.organisations.services import chorus

SIRET_MESSAGE = "SIRET invalide : 14 chiffres avec une clé de contrôle correcte."
RNA_RE = re.compile(r"^W\d{9}$")
INSEE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
POSTAL_RE = re.compile(r"^\d{5}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .\-()]{5,28}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)



@dataclass(frozen=True)
class OrganisationData(Command):
    """An organisation as a page or the API gives it; ``clean_organisation`` checks and normalises it."""

    name: str = ""
    kind: str | None = OrganisationKind.OTHER
    siret: str | None = None
    rna: str | None = None
    vat_number: str | None = None
    insee_code: str | None = None
    address: str | None = ""
    address_complement: str | None = ""
    postal_code: str | None = ""
    city: str | None = ""
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    notes: str | None = ""
    chorus_service_code: str | None = None
    chorus_engagement_number: str | None = None
    chorus_engagement_required: bool = False
    territory: str | None = ""


@dataclass(frozen=True)
class ContactData(Command):
    """A contact (interlocuteur) of an organisation as a page or the API gives it."""

    first_name: str = ""
    last_name: str = ""
    job_title: str | None = ""
    email: str | None = None
    phone: str | None = None
    receives_invoices: bool = False
    receives_reports: bool = False


# --- identifiers (also used by the forms and the conventions) -----------------------------------------------------

def normalise_siret(value: str | None, *, field: str = "siret") -> str | None:
    """'732 829 320 00074' → '73282932000074'; None when empty; DomainError when invalid."""
    text = re.sub(r"[\s.\u00a0\u202f-]", "", value or "")
    if not text:
        return None
    if not (len(text) == 14 and text.isdigit() and stdnum_siret.is_valid(text)):
        raise DomainError(SIRET_MESSAGE, field=field)
    return text


def normalise_rna(value: str | None) -> str | None:
    text = re.sub(r"\s", "", value or "").upper()
    if not text:
        return None
    if not RNA_RE.match(text):
        raise DomainError("Numéro RNA invalide : la lettre W suivie de 9 chiffres.", field="rna")
    return text


def normalise_insee(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    if not text:
        return None
    if not INSEE_RE.match(text):
        raise DomainError("Code commune INSEE invalide : 5 caractères, par exemple 86194 ou 2A004.",
                          field="insee_code")
    return text


MAX_TERRITORY = 1000  # communes: the largest EPCI counts ~200, a département ~750


def normalise_territory(value: str | None) -> str:
    """'86194, 86041 ;86100' → '86194 86041 86100': INSEE codes of communes, each once, in the order given."""
    codes: list[str] = []
    for code in re.split(r"[\s,;]+", (value or "").strip().upper()):
        if not code:
            continue
        if not INSEE_RE.match(code):
            raise DomainError(f"Code commune INSEE invalide dans le territoire : « {code[:20]} » (5 caractères, par "
                              "exemple 86194 ou 2A004).", field="territory")
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_TERRITORY:
        raise DomainError(f"Un territoire compte au plus {MAX_TERRITORY} communes.", field="territory")
    return " ".join(codes)


def normalise_postal_code(value: str | None) -> str:
    text = re.sub(r"\s", "", value or "")
    if text and not POSTAL_RE.match(text):
        raise DomainError("Code postal invalide : 5 chiffres.", field="postal_code")
    return text


def normalise_vat_number(value: str | None) -> str | None:
    text = re.sub(r"[\s.\-]", "", value or "").upper()
    if not text:
        return None
    if not stdnum_tva.is_valid(text):
        raise DomainError("Numéro de TVA intracommunautaire invalide (par exemple FR40303265045).",
                          field="vat_number")
    return "FR" + stdnum_tva.compact(text)


def normalise_phone(value: str | None, *, field: str = "phone") -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if not PHONE_RE.match(text) or sum(c.isdigit() for c in text) < 6:
        raise DomainError("Numéro de téléphone invalide (par exemple 05 49 00 00 00).", field=field)
    return text


def normalise_optional_email(value: str | None) -> str | None:
    text = (value or "").strip()
    return core_services.normalise_email(text) if text else None


def _text(value: str | None, key: str, limit: int, label: str, *, required: bool = False,
          formula_free: bool = False) -> str:
    text = domain_text(value, field=key, label=label, multiline=key == "notes")
    if required and not text:
        raise DomainError(f"{label} est obligatoire.", field=key)
    if len(text) > limit:
        raise DomainError(f"{label} ne doit pas dépasser {limit} caractères.", field=key)
    if formula_free:
        check_formula_free(text, label=label, field=key)
    return text


def check_formula_free(value: str | None, *, label: str, field: str) -> None:
    """Refuse a text that a spreadsheet would run as a formula (``=HYPERLINK(…)``): names and addresses go into
    the exports (FEC, sales CSV, reports) that spreadsheets open."""
    if spreadsheet.is_formula_like((value or "").strip()):
        raise DomainError(f"{label} ne doit pas commencer par =, +, -, @ ni par une tabulation : un tableur "
                          "le prendrait pour une formule.", field=field)


def clean_organisation(data: OrganisationData) -> dict:
    """Check and normalise an organisation's fields; the first problem raises a DomainError on its field."""
    try:
        kind = OrganisationKind(data.kind or OrganisationKind.OTHER)
    except ValueError as exc:
        raise DomainError("Type de structure inconnu.", field="kind") from exc
    website = (data.website or "").strip() or None
    if website and (len(website) > 300 or not URL_RE.match(website)):
        raise DomainError("Adresse de site web invalide : elle commence par https:// ou http://.", field="website")
    clean = {
        "name": _text(data.name, "name", 200, "Le nom", required=True, formula_free=True),
        "kind": kind.value,
        "siret": normalise_siret(data.siret),
        "rna": normalise_rna(data.rna),
        "vat_number": normalise_vat_number(data.vat_number),
        "insee_code": normalise_insee(data.insee_code),
        "address": _text(data.address, "address", 300, "L'adresse", formula_free=True),
        "address_complement": _text(data.address_complement, "address_complement", 300, "Le complément d'adresse",
                                    formula_free=True),
        "postal_code": normalise_postal_code(data.postal_code),
        "city": _text(data.city, "city", 120, "La commune", formula_free=True),
        "email": normalise_optional_email(data.email),
        "phone": normalise_phone(data.phone),
        "website": website,
        "notes": (data.notes or "").strip(),
        "territory": normalise_territory(data.territory),
        **chorus.clean(data),
    }
    if kind.is_public and not clean["siret"]:
        raise DomainError("Une structure publique doit avoir un SIRET : Chorus Pro en a besoin pour la facturation.",
                          field="siret")
    if clean["vat_number"] and clean["siret"] and clean["vat_number"][-9:] != clean["siret"][:9]:
        raise DomainError("Ce numéro de TVA ne correspond pas au SIREN de la structure.", field="vat_number")
    return clean


def _check_siret_free(session: Session, siret: str | None, organisation_id: int | None) -> None:
    if not siret:
        return
    stmt = select(Organisation.name).where(Organisation.siret == siret)
    if organisation_id is not None:
        stmt = stmt.where(Organisation.id != organisation_id)
    name = session.execute(stmt.limit(1)).scalar_one_or_none()
    if name is not None:
        raise Conflict(f"Une structure a déjà ce SIRET : {name}.", field="siret")


def write_changes(session, actor, obj, values: dict, summary, now: datetime) -> dict:
    """Give ``obj`` the checked ``values``; when something changed, audit it (``summary(obj)``, read after the
    change) and stamp ``updated_at``. Returns the changes (empty when nothing changed)."""
    before = audit.snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    changes = audit.diff(before, audit.snapshot(obj))
    if changes:
        obj.updated_at = now
        audit.record(session, actor, "update", obj, summary=summary(obj),
                     before={k: v[0] for k, v in changes.items()}, after={k: v[1] for k, v in changes.items()},
                     now=now)
    return changes


# --- organisations ----------------------------------------------------------------------------------------------------

def create_organisation(session: Session, actor: User | None, data: OrganisationData, *,
                        now: datetime) -> Organisation:
    clean = clean_organisation(data)
    _check_siret_free(session, clean["siret"], None)
    org = Organisation(**clean, created_at=now, updated_at=now)
    session.add(org)
    audit.record(session, actor, "create", org, summary=f"Structure créée : {org.name}", after=audit.snapshot(org),
                 now=now)
    return org


def update_organisation(session: Session, actor: User | None, org: Organisation, data: OrganisationData, *,
                        now: datetime) -> Organisation:
    """Give the organisation the values of ``data`` (``OrganisationData.of(org).but(…)`` changes some fields only);
    the whole organisation is checked again."""
    clean = clean_organisation(data)
    _check_siret_free(session, clean["siret"], org.id)
    write_changes(session, actor, org, clean, lambda o: f"Structure modifiée : {o.name}", now)
    return org


def set_organisation_archived(session: Session, actor: User | None, org: Organisation, archived: bool, *,
                              now: datetime) -> Organisation:
    if org.archived == archived:
        return org
    org.archived = archived
    org.updated_at = now
    audit.record(session, actor, "archive" if archived else "restore", org,
                 summary=f"Structure {'archivée' if archived else 'désarchivée'} : {org.name}",
                 before={"archived": not archived}, after={"archived": archived}, now=now)
    return org


def organisations_query(*, q: str | None = None, kind: str | None = None, archived: bool | None = False,
                        organisation_id: int | None = None) -> Select:
    """Organisations by name, with a search on name, city or SIRET (spaces ignored) and a kind filter."""
    stmt = select(Organisation).order_by(Organisation.name, Organisation.id)
    if q and q.strip():
        like = f"%{q.strip().lower()}%"
        conditions = [func.lower(Organisation.name).like(like), func.lower(Organisation.city).like(like)]
        digits = re.sub(r"\s", "", q)
        if digits.isdigit():
            conditions.append(Organisation.siret.like(f"{digits}%"))
        stmt = stmt.where(or_(*conditions))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if archived is not None:
        stmt = stmt.where(Organisation.archived.is_(archived))
    if organisation_id is not None:
        stmt = stmt.where(Organisation.id == organisation_id)
    return stmt


# --- contacts ---------------------------------------------------------------------------------------------------

def clean_contact(data: ContactData) -> dict:
    return {
        "first_name": _text(data.first_name, "first_name", 100, "Le prénom", required=True),
        "last_name": _text(data.last_name, "last_name", 100, "Le nom", required=True),
        "job_title": _text(data.job_title, "job_title", 150, "La fonction"),
        "email": normalise_optional_email(data.email),
        "phone": normalise_phone(data.phone),
        "receives_invoices": bool(data.receives_invoices),
        "receives_reports": bool(data.receives_reports),
    }


def add_contact(session: Session, actor: User | None, org: Organisation, data: ContactData, *,
                now: datetime) -> Contact:
    contact = Contact(organisation_id=org.id, **clean_contact(data), created_at=now, updated_at=now)
    session.add(contact)
    audit.record(session, actor, "create", contact, summary=f"Interlocuteur ajouté à {org.name} : {contact.full_name}",
                 after=audit.snapshot(contact), now=now)
    return contact


def update_contact(session: Session, actor: User | None, contact: Contact, data: ContactData, *,
                   now: datetime) -> Contact:
    """Give the contact the values of ``data`` (``ContactData.of(contact).but(…)`` changes some fields only)."""
    write_changes(session, actor, contact, clean_contact(data), lambda c: f"Interlocuteur modifié : {c.full_name}", now)
    return contact


def delete_contact(session: Session, actor: User | None, contact: Contact, *, now: datetime) -> None:
    """Remove a contact. Its login, if any, is kept: deactivate it in the accounts if the person has left."""
    audit.record(session, actor, "delete", contact, summary=f"Interlocuteur supprimé : {contact.full_name}",
                 before=audit.snapshot(contact), now=now)
    session.delete(contact)
    session.flush()


def create_contact_login(session: Session, actor: User | None, contact: Contact, *, now: datetime) -> User:
    """Give a contact an ``authority`` account tied to its organisation (the invitation is sent after commit)."""
    if contact.user_id is not None:
        raise Conflict("Cet interlocuteur a déjà un accès.")
    if not contact.email:
        raise DomainError("Ajoutez d'abord une adresse électronique à cet interlocuteur.", field="email")
    org = contact.organisation or session.get(Organisation, contact.organisation_id)
    if org.archived:
        raise DomainError("Cette structure est archivée : on ne lui crée plus d'accès.")
    if core_services.user_by_email(session, contact.email) is not None:
        raise Conflict(f"Un compte existe déjà avec l'adresse {contact.email} : rattachez-le depuis la page Comptes.",
                       field="email")
    user = core_services.create_user(session, actor, email=contact.email, full_name=contact.full_name,
                                     roles=[Role.AUTHORITY], organisation_id=org.id, phone=contact.phone, now=now)
    session.flush()
    contact.user_id = user.id
    contact.updated_at = now
    audit.record(session, actor, "grant_access", contact,
                 summary=f"Accès créé pour {contact.full_name} ({contact.email}), structure {org.name}",
                 before={"user_id": None}, after={"user_id": user.id}, now=now)
    return user
