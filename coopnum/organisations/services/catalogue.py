"""Services of the organisations domain: catalogue (the cooperative's "bouquet de services").

Plain values in, objects out; never commit; every change audited; French DomainError messages."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core.commands import Command
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import User
from coopnum.organisations.models import Service, ServiceCategory, ServiceUnit, VatRegime
from coopnum.organisations.services.organisations import write_changes

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,29}$")


@dataclass(frozen=True)
class ServiceData(Command):
    """A service of the catalogue as a page or the API gives it; ``clean_service`` checks it."""

    code: str = ""
    name: str = ""
    category: str | None = ServiceCategory.OTHER
    description: str | None = ""
    audience: str | None = ""
    unit: str | None = ServiceUnit.HOUR
    unit_price_cents: int | None = None
    vat_regime: str | None = VatRegime.STANDARD


def normalise_code(code: str | None) -> str:
    code = (code or "").strip().upper().replace(" ", "-")
    if not code:
        raise DomainError("Le code est obligatoire.", field="code")
    if not CODE_RE.match(code):
        raise DomainError("Code invalide : lettres, chiffres, tirets, 30 caractères au plus (par exemple PERM-H).",
                          field="code")
    return code


def _enum(value, enum, field: str, message: str) -> str:
    try:
        return enum(value).value
    except ValueError as exc:
        raise DomainError(message, field=field) from exc


def clean_service(data: ServiceData) -> dict:
    name = (data.name or "").strip()
    if not name:
        raise DomainError("Le nom est obligatoire.", field="name")
    if len(name) > 200:
        raise DomainError("Le nom ne doit pas dépasser 200 caractères.", field="name")
    audience = (data.audience or "").strip()
    if len(audience) > 300:
        raise DomainError("Le public ne doit pas dépasser 300 caractères.", field="audience")
    price = data.unit_price_cents
    if price is None:
        raise DomainError("Le prix unitaire est obligatoire.", field="unit_price_cents")
    if int(price) < 0:
        raise DomainError("Le prix unitaire ne peut pas être négatif.", field="unit_price_cents")
    return {
        "code": normalise_code(data.code),
        "name": name,
        "category": _enum(data.category or ServiceCategory.OTHER, ServiceCategory, "category", "Catégorie inconnue."),
        "description": (data.description or "").strip(),
        "audience": audience,
        "unit": _enum(data.unit or ServiceUnit.HOUR, ServiceUnit, "unit", "Unité inconnue."),
        "unit_price_cents": int(price),
        "vat_regime": _enum(data.vat_regime or VatRegime.STANDARD, VatRegime, "vat_regime",
                            "Régime de TVA inconnu."),
    }


def _check_code_free(session: Session, code: str, service_id: int | None) -> None:
    stmt = select(Service.id).where(func.upper(Service.code) == code)
    if service_id is not None:
        stmt = stmt.where(Service.id != service_id)
    if session.execute(stmt).first() is not None:
        raise Conflict(f"Le code « {code} » est déjà utilisé par un autre service du catalogue.", field="code")


def create_service(session: Session, actor: User | None, data: ServiceData, *, now: datetime) -> Service:
    clean = clean_service(data)
    _check_code_free(session, clean["code"], None)
    service = Service(**clean, active=True, created_at=now, updated_at=now)
    session.add(service)
    audit.record(session, actor, "create", service, summary=f"Service {service.code} créé : {service.name}",
                 after=audit.snapshot(service), now=now)
    return service


def update_service(session: Session, actor: User | None, service: Service, data: ServiceData, *,
                   now: datetime) -> Service:
    """Give the service the values of ``data`` (``ServiceData.of(service).but(…)`` changes some fields only)."""
    clean = clean_service(data)
    _check_code_free(session, clean["code"], service.id)
    write_changes(session, actor, service, clean, lambda s: f"Service {s.code} modifié", now)
    return service


def set_service_active(session: Session, actor: User | None, service: Service, active: bool, *,
                       now: datetime) -> Service:
    if service.active == active:
        return service
    service.active = active
    service.updated_at = now
    audit.record(session, actor, "activate" if active else "deactivate", service,
                 summary=f"Service {service.code} {'réactivé' if active else 'désactivé'}",
                 before={"active": not active}, after={"active": active}, now=now)
    return service


def services_query(*, active: bool | None = None, category: str | None = None, q: str | None = None) -> Select:
    stmt = select(Service).order_by(Service.category, Service.name)
    if active is not None:
        stmt = stmt.where(Service.active.is_(active))
    if category:
        stmt = stmt.where(Service.category == category)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(func.lower(Service.name).like(like) | func.lower(Service.code).like(like))
    return stmt


def active_services(session: Session) -> list[Service]:
    return list(session.execute(services_query(active=True)).scalars())
