"""Services of the organisations domain: conventions (terms, services and prices, signature, the signed PDF).

The volume done under a convention is computed by the missions domain (``missions.services.volumes``), from its
sessions; it returns the ``VolumeSummary`` values defined here."""

import hashlib
import io
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core import rates as dated
from coopnum.core.clock import paris_today
from coopnum.core.commands import Command
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import RateKind, User
from coopnum.organisations.models import (
    Convention,
    ConventionService,
    ConventionStatus,
    Organisation,
    PricingMode,
    Service,
    VatRegime,
    VolumeUnit,
)


@dataclass(frozen=True)
class VolumeSummary:
    """Volume of a convention: contracted, used (held, or past and not cancelled) and planned (future)."""

    unit: str  # VolumeUnit
    contracted: Decimal
    used: Decimal
    planned: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.contracted - self.used - self.planned

    @property
    def percent_used(self) -> int:
        if not self.contracted:
            return 0
        return int(self.used * 100 / self.contracted)

    @property
    def over_contract(self) -> bool:
        return self.contracted > 0 and self.used + self.planned > self.contracted


# --- conventions: create, edit, sign, end, signed PDF -------------------------------------------------------------

CONVENTION_TERMS = ("organisation_id", "title", "reference", "start_date", "end_date", "services", "pricing_mode",
                    "unit_price_cents", "monthly_fee_cents", "volume_unit", "contracted_volume", "vat_regime",
                    "payment_terms_days", "penalty_rate_bp")
CONVENTION_ADMIN = ("chorus_buyer_siret", "chorus_service_code", "chorus_engagement_number", "notes",
                    "report_equipment")
CONVENTION_FIELDS = CONVENTION_TERMS + CONVENTION_ADMIN


@dataclass(frozen=True)
class ConventionData(Command):
    """A convention as a page or the API gives it; checked by ``create_convention`` / ``update_convention``.

    ``services``: the catalogue's services it covers, as ``(service_id, negotiated unit price or None)``."""

    organisation_id: int | None = None
    title: str = ""
    reference: str | None = None
    start_date: date | str | None = None
    end_date: date | str | None = None
    services: tuple | list = ()
    pricing_mode: str | None = PricingMode.HOURLY
    unit_price_cents: int | None = None
    monthly_fee_cents: int | None = None
    volume_unit: str | None = None
    contracted_volume: Decimal | str | None = None
    vat_regime: str | None = VatRegime.STANDARD
    payment_terms_days: int | None = 30
    penalty_rate_bp: int | None = None  # the late-penalty rate it sets; None: the legal default
    chorus_buyer_siret: str | None = None
    chorus_service_code: str | None = None
    chorus_engagement_number: str | None = None
    notes: str | None = ""
    report_equipment: bool = False

    @classmethod
    def of(cls, convention: Convention) -> "ConventionData":
        values = {name: getattr(convention, name) for name in cls.names() if name != "services"}
        return cls(**values, services=tuple((cs.service_id, cs.unit_price_cents) for cs in convention.services))

MAX_PAYMENT_DAYS = 60  # art. L441-10 du Code de commerce
MAX_PUBLIC_PAYMENT_DAYS = 30  # art. R2192-10 du Code de la commande publique
MAX_PDF_BYTES = 10 * 1024 * 1024
REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,39}$")
LOCKED_MESSAGE = ("Cette convention n'est plus en brouillon : ses conditions commerciales ne changent plus. "
                  "Seules les données Chorus Pro et les notes restent modifiables.")
PAYMENT_PUBLIC_MESSAGE = ("Pour un acheteur public, le délai de paiement ne peut pas dépasser 30 jours "
                          "(art. R2192-10 du Code de la commande publique).")
MAX_PENALTY_RATE_BP = 10000  # 100 % a year
PENALTY_PUBLIC_MESSAGE = ("Pour un acheteur public, le taux des intérêts moratoires est fixé par la loi (taux de la "
                          "BCE majoré de 8 points, art. R2192-31 du Code de la commande publique) : laissez le taux "
                          "des pénalités de retard vide.")
PRICED_MODES = {PricingMode.HOURLY, PricingMode.PER_SESSION, PricingMode.PER_WORKSHOP}
MODE_UNITS = {PricingMode.HOURLY: VolumeUnit.HOURS, PricingMode.PER_SESSION: VolumeUnit.SESSIONS,
              PricingMode.PER_WORKSHOP: VolumeUnit.SESSIONS}


def _service_lines(raw) -> list[tuple[int, int | None]]:
    """[(service_id, negotiated unit price or None)] from tuples or dicts; a service appears once."""
    lines: dict[int, int | None] = {}
    for item in raw or []:
        if isinstance(item, dict):
            service_id, price = item.get("service_id"), item.get("unit_price_cents")
        elif isinstance(item, tuple | list):
            service_id, price = (list(item) + [None])[:2]
        else:
            service_id, price = item, None
        try:
            service_id = int(service_id)
            price = None if price is None else int(price)
        except (TypeError, ValueError) as exc:
            raise DomainError("Service inconnu dans le catalogue.", field="services") from exc
        if price is not None and price < 0:
            raise DomainError("Un prix négocié ne peut pas être négatif.", field="services")
        lines[service_id] = price
    return list(lines.items())


def _volume(value) -> Decimal:
    if isinstance(value, str):
        value = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
    try:
        volume = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation as exc:
        raise DomainError("Volume invalide : écrivez un nombre, par exemple 120 ou 37,5.",
                          field="contracted_volume") from exc
    if not volume.is_finite() or volume < 0 or volume >= Decimal("100000000"):
        raise DomainError("Volume invalide : écrivez un nombre positif, par exemple 120 ou 37,5.",
                          field="contracted_volume")
    return volume.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _date(value, field: str, label: str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise DomainError(f"{label} : date invalide (AAAA-MM-JJ).", field=field) from exc
    if not isinstance(value, date):
        raise DomainError(f"{label} est obligatoire.", field=field)
    return value


def _choice(value, enum, field: str, message: str) -> str:
    try:
        return enum(value).value
    except ValueError as exc:
        raise DomainError(message, field=field) from exc


def _limited(value: str | None, key: str, limit: int, label: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise DomainError(f"{label} ne doit pas dépasser {limit} caractères.", field=key)
    return text or None


def _clean_admin(data: ConventionData, org: Organisation) -> dict:
    from coopnum.organisations.services.organisations import normalise_siret

    buyer = normalise_siret(data.chorus_buyer_siret, field="chorus_buyer_siret") or org.siret
    if org.is_public and not buyer:
        raise DomainError("Le SIRET de l'acheteur est obligatoire pour un acheteur public (Chorus Pro).",
                          field="chorus_buyer_siret")
    return {
        "chorus_buyer_siret": buyer,
        "chorus_service_code": _limited(data.chorus_service_code, "chorus_service_code", 100, "Le code service"),
        "chorus_engagement_number": _limited(data.chorus_engagement_number, "chorus_engagement_number", 50, "Le numéro d'engagement"),
        "notes": (data.notes or "").strip(),
        "report_equipment": data.report_equipment is True,
    }


def _signatory(session: Session, data: ConventionData, convention: Convention | None) -> Organisation:
    org = None
    if data.organisation_id:
        try:
            org = session.get(Organisation, int(data.organisation_id))
        except (TypeError, ValueError):
            org = None
    if org is None:
        raise DomainError("Choisissez la structure signataire.", field="organisation_id")
    if org.archived and (convention is None or convention.organisation_id != org.id):
        raise DomainError("Cette structure est archivée : on ne lui fait plus de convention.", field="organisation_id")
    return org


def _title_and_reference(data: ConventionData) -> tuple[str, str | None]:
    title = (data.title or "").strip()
    if not title:
        raise DomainError("L'intitulé est obligatoire.", field="title")
    if len(title) > 200:
        raise DomainError("L'intitulé ne doit pas dépasser 200 caractères.", field="title")
    reference = (data.reference or "").strip() or None
    if reference is not None and not REFERENCE_RE.match(reference):
        raise DomainError("Référence invalide : lettres, chiffres et tirets, 40 caractères au plus.",
                          field="reference")
    return title, reference


def _period(data: ConventionData) -> tuple[date, date]:
    start = _date(data.start_date, "start_date", "La date de début")
    end = _date(data.end_date, "end_date", "La date de fin")
    if end < start:
        raise DomainError("La date de fin doit être postérieure à la date de début.", field="end_date")
    return start, end


def _pricing(data: ConventionData) -> tuple[PricingMode, VolumeUnit, int | None, int | None]:
    """(mode, unit of volume, unit price, monthly fee): a priced mode has a unit price, a flat one a monthly fee."""
    mode = PricingMode(_choice(data.pricing_mode or PricingMode.HOURLY, PricingMode, "pricing_mode",
                               "Mode de tarification inconnu."))
    unit = VolumeUnit(_choice(data.volume_unit or MODE_UNITS.get(mode, VolumeUnit.HOURS), VolumeUnit,
                              "volume_unit", "Unité de volume inconnue."))
    unit_price, monthly_fee = data.unit_price_cents, data.monthly_fee_cents
    for key, amount in (("unit_price_cents", unit_price), ("monthly_fee_cents", monthly_fee)):
        if amount is not None and int(amount) < 0:
            raise DomainError("Le montant ne peut pas être négatif.", field=key)
    if mode in PRICED_MODES:
        if unit_price is None:
            raise DomainError("Indiquez le prix unitaire HT : il est obligatoire pour ce mode de tarification.",
                              field="unit_price_cents")
        monthly_fee = None
        if unit != MODE_UNITS[mode]:
            raise DomainError("Au taux horaire, le volume se compte en heures ; à la séance ou à l'atelier, "
                              "en séances.", field="volume_unit")
    else:
        if monthly_fee is None:
            raise DomainError("Indiquez la redevance mensuelle HT : elle est obligatoire pour un forfait mensuel.",
                              field="monthly_fee_cents")
        unit_price = None
    return mode, unit, None if unit_price is None else int(unit_price), None if monthly_fee is None else int(monthly_fee)


def _contracted_volume(data: ConventionData, mode: PricingMode, unit: VolumeUnit) -> Decimal:
    volume = _volume(data.contracted_volume)
    if mode != PricingMode.MONTHLY_FLAT and volume <= 0:
        raise DomainError("Le volume contracté doit être supérieur à zéro.", field="contracted_volume")
    if unit == VolumeUnit.SESSIONS and volume != volume.to_integral_value():
        raise DomainError("Un volume en séances est un nombre entier.", field="contracted_volume")
    return volume


def _payment_terms(data: ConventionData, org: Organisation) -> int:
    try:
        days = int(data.payment_terms_days if data.payment_terms_days is not None else 30)
    except (TypeError, ValueError) as exc:
        raise DomainError("Délai de paiement invalide : un nombre de jours.", field="payment_terms_days") from exc
    if days < 0:
        raise DomainError("Le délai de paiement ne peut pas être négatif.", field="payment_terms_days")
    if days > MAX_PAYMENT_DAYS:
        raise DomainError("Le délai de paiement ne peut pas dépasser 60 jours (art. L441-10 du Code de commerce).",
                          field="payment_terms_days")
    if org.is_public and days > MAX_PUBLIC_PAYMENT_DAYS:
        raise DomainError(PAYMENT_PUBLIC_MESSAGE, field="payment_terms_days")
    return days


def _penalty_rate(session: Session, data: ConventionData, org: Organisation, today: date) -> int | None:
    """The late-penalty rate the convention sets (None: the legal default), for a professional buyer only, at least
    three times the legal interest rate of the current semester (art. L441-10 du Code de commerce)."""
    if data.penalty_rate_bp is None:
        return None
    try:
        rate = int(data.penalty_rate_bp)
    except (TypeError, ValueError) as exc:
        raise DomainError("Taux des pénalités de retard invalide : un pourcentage, par exemple 12.",
                          field="penalty_rate_bp") from exc
    if org.is_public:
        raise DomainError(PENALTY_PUBLIC_MESSAGE, field="penalty_rate_bp")
    if not 0 < rate <= MAX_PENALTY_RATE_BP:
        raise DomainError("Le taux des pénalités de retard est compris entre 0 et 100 % l'an.",
                          field="penalty_rate_bp")
    semester = dated.semester_label(dated.semester_start(today))
    legal = dated.rate_for(session, RateKind.LEGAL_INTEREST, today)
    if legal is None:
        raise DomainError(f"Le taux de l'intérêt légal du {semester} n'est pas renseigné : il faut le connaître pour "
                          "vérifier le taux des pénalités de retard (au moins trois fois ce taux, art. L441-10 du "
                          f"Code de commerce). Renseignez-le dans {dated.rules_for(RateKind.LEGAL_INTEREST).page}, "
                          "ou laissez le taux vide (taux légal : BCE majoré de 10 points).", field="penalty_rate_bp")
    if rate < 3 * legal:
        raise DomainError("Le taux des pénalités de retard ne peut être inférieur à trois fois le taux de l'intérêt "
                          f"légal du {semester} (3 × {dated.percent_text(legal)} = {dated.percent_text(3 * legal)}, "
                          "art. L441-10 du Code de commerce).", field="penalty_rate_bp")
    return rate


def _catalogue_lines(session: Session, data: ConventionData, convention: Convention | None) -> list:
    """The services of the catalogue the convention covers; a service no longer offered stays only if it was."""
    lines = _service_lines(data.services)
    if lines:
        known = {s.id: s for s in session.execute(select(Service).where(
            Service.id.in_([sid for sid, _p in lines]))).scalars()}
        already = {cs.service_id for cs in convention.services} if convention is not None else set()
        for sid, _price in lines:
            if sid not in known:
                raise DomainError("Service inconnu dans le catalogue.", field="services")
            if not known[sid].active and sid not in already:
                raise DomainError(f"Le service « {known[sid].name} » n'est plus proposé au catalogue.",
                                  field="services")
    return lines


def _clean_terms(session: Session, data: ConventionData, convention: Convention | None,
                 today: date) -> tuple[dict, Organisation]:
    """The convention's terms checked in the form's order (the first error is the one shown); the late-penalty rate
    against the legal interest rate of ``today``'s semester."""
    org = _signatory(session, data, convention)
    title, reference = _title_and_reference(data)
    start, end = _period(data)
    mode, unit, unit_price, monthly_fee = _pricing(data)
    volume = _contracted_volume(data, mode, unit)
    vat = _choice(data.vat_regime or VatRegime.STANDARD, VatRegime, "vat_regime", "Régime de TVA inconnu.")
    days = _payment_terms(data, org)
    penalty_rate = _penalty_rate(session, data, org, today)
    lines = _catalogue_lines(session, data, convention)
    return {
        "organisation_id": org.id, "title": title, "reference": reference, "start_date": start, "end_date": end,
        "pricing_mode": mode.value, "unit_price_cents": unit_price, "monthly_fee_cents": monthly_fee,
        "volume_unit": unit.value, "contracted_volume": volume, "vat_regime": vat, "payment_terms_days": days,
        "penalty_rate_bp": penalty_rate, "services": lines,
    }, org


def next_reference(session: Session, year: int) -> str:
    """CONV-<year>-<NNN>: one more than the highest number used for that year."""
    prefix = f"CONV-{year}-"
    used = session.execute(select(Convention.reference).where(Convention.reference.like(prefix + "%"))).scalars()
    numbers = [int(r[len(prefix):]) for r in used if r[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _check_reference_free(session: Session, reference: str, convention_id: int | None) -> None:
    stmt = select(Convention.id).where(func.upper(Convention.reference) == reference.upper())
    if convention_id is not None:
        stmt = stmt.where(Convention.id != convention_id)
    if session.execute(stmt).first() is not None:
        raise Conflict(f"La référence « {reference} » est déjà utilisée par une autre convention.", field="reference")


def convention_snapshot(convention: Convention) -> dict:
    return audit.snapshot(convention) | {
        "services": sorted([cs.service_id, cs.unit_price_cents] for cs in convention.services)
    }


def _set_services(convention: Convention, lines: list[tuple[int, int | None]]) -> None:
    current = {cs.service_id: cs for cs in convention.services}
    wanted = dict(lines)
    for sid, cs in current.items():
        if sid not in wanted:
            convention.services.remove(cs)
    for sid, price in lines:
        if sid in current:
            current[sid].unit_price_cents = price
        else:
            convention.services.append(ConventionService(service_id=sid, unit_price_cents=price))


def create_convention(session: Session, actor: User | None, data: ConventionData, *, now: datetime) -> Convention:
    """A new convention, in draft. Its reference is generated (CONV-<year>-<NNN>) when none is given."""
    terms, org = _clean_terms(session, data, None, paris_today(now))
    admin = _clean_admin(data, org)
    lines = terms.pop("services")
    if terms["reference"] is None:
        terms["reference"] = next_reference(session, terms["start_date"].year)
    _check_reference_free(session, terms["reference"], None)
    convention = Convention(**terms, **admin, status=ConventionStatus.DRAFT, created_at=now, updated_at=now)
    _set_services(convention, lines)
    session.add(convention)
    session.flush()
    audit.record(session, actor, "create", convention,
                 summary=f"Convention {convention.reference} créée avec {org.name}",
                 after=convention_snapshot(convention), now=now)
    return convention


def _unchanged(convention: Convention, key: str, value) -> bool:
    current = getattr(convention, key) if key != "services" else None
    if key == "services":
        return sorted(_service_lines(value)) == sorted((cs.service_id, cs.unit_price_cents)
                                                       for cs in convention.services)
    if key == "reference":
        return not (value or "").strip() or value.strip() == current
    if key == "contracted_volume":
        try:
            return _volume(value) == Decimal(current)
        except DomainError:
            return False
    if key in ("start_date", "end_date") and isinstance(value, str):
        return value == current.isoformat()
    if isinstance(current, str):
        return str(value or "").strip() == current
    return value == current


def update_convention(session: Session, actor: User | None, convention: Convention, data: ConventionData, *,
                      now: datetime) -> Convention:
    """Give the convention the values of ``data`` (``ConventionData.of(convention).but(…)`` changes some fields
    only). In draft everything can change; afterwards only Chorus Pro data and notes."""
    before = convention_snapshot(convention)
    org = convention.organisation or session.get(Organisation, convention.organisation_id)
    if convention.status == ConventionStatus.DRAFT:
        if data.organisation_id != convention.organisation_id and data.chorus_buyer_siret == org.siret:
            data = data.but(chorus_buyer_siret=None)  # the old organisation's SIRET: the new one's, by default
        terms, org = _clean_terms(session, data, convention, paris_today(now))
        lines = terms.pop("services")
        if terms["reference"] is None:
            terms["reference"] = convention.reference
        _check_reference_free(session, terms["reference"], convention.id)
        for key, value in terms.items():
            setattr(convention, key, value)
        _set_services(convention, lines)
    else:
        for key in CONVENTION_TERMS:
            if not _unchanged(convention, key, getattr(data, key)):
                raise DomainError(LOCKED_MESSAGE, field=key)
    admin = _clean_admin(data, org)
    for key, value in admin.items():
        setattr(convention, key, value)
    session.flush()
    if convention.organisation_id != before["organisation_id"]:
        session.expire(convention, ["organisation"])
    changes = audit.diff(before, convention_snapshot(convention))
    if changes:
        convention.updated_at = now
        audit.record(session, actor, "update", convention, summary=f"Convention {convention.reference} modifiée",
                     before={k: v[0] for k, v in changes.items()}, after={k: v[1] for k, v in changes.items()},
                     now=now)
    return convention


def sign_convention(session: Session, actor: User | None, convention: Convention, *, signed_on: date | None,
                    now: datetime) -> Convention:
    if convention.status != ConventionStatus.DRAFT:
        raise DomainError("Seule une convention en brouillon peut être signée.")
    if signed_on is None:
        raise DomainError("Indiquez la date de signature.", field="signed_on")
    signed_on = _date(signed_on, "signed_on", "La date de signature")
    if signed_on > paris_today(now):
        raise DomainError("La date de signature ne peut pas être dans le futur.", field="signed_on")
    before = {"status": convention.status, "signed_on": None}
    convention.status = ConventionStatus.SIGNED
    convention.signed_on = signed_on
    convention.updated_at = now
    audit.record(session, actor, "sign", convention,
                 summary=f"Convention {convention.reference} signée le {signed_on.strftime('%d/%m/%Y')}",
                 before=before, after={"status": convention.status, "signed_on": signed_on.isoformat()}, now=now)
    return convention


def end_convention(session: Session, actor: User | None, convention: Convention, *, now: datetime) -> Convention:
    if convention.status != ConventionStatus.SIGNED:
        raise DomainError("Seule une convention signée peut être terminée.")
    convention.status = ConventionStatus.ENDED
    convention.updated_at = now
    audit.record(session, actor, "end", convention, summary=f"Convention {convention.reference} terminée",
                 before={"status": ConventionStatus.SIGNED.value}, after={"status": ConventionStatus.ENDED.value},
                 now=now)
    return convention


NOT_A_PDF = "Le fichier n'est pas un PDF."
BROKEN_PDF = "Le fichier PDF est illisible ou endommagé : enregistrez-le à nouveau en PDF puis déposez-le."
ENCRYPTED_PDF = "Le fichier PDF est protégé par un mot de passe : déposez une version sans protection."
EMPTY_PDF = "Le fichier PDF ne contient aucune page."


def check_pdf(data: bytes) -> None:
    """Refuse what is not a readable PDF: no ``%PDF`` header, a file pypdf cannot open, an encrypted file, or a
    document without pages. Raises DomainError (field ``file``)."""
    from pypdf import PdfReader

    if not data.startswith(b"%PDF"):
        raise DomainError(NOT_A_PDF, field="file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DomainError(ENCRYPTED_PDF, field="file")
        pages = len(reader.pages)
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on a damaged file
        raise DomainError(BROKEN_PDF, field="file") from exc
    if pages < 1:
        raise DomainError(EMPTY_PDF, field="file")


def attach_signed_pdf(session: Session, actor: User | None, convention: Convention, *, filename: str, data: bytes,
                      now: datetime) -> str:
    """Check a signed PDF and record it on the convention; returns its path relative to the uploads folder
    (conventions/<id>/<sha256>.pdf). The caller writes the bytes there (``store_upload``) before committing."""
    if not data:
        raise DomainError("Choisissez le fichier PDF de la convention signée.", field="file")
    if len(data) > MAX_PDF_BYTES:
        raise DomainError("Le fichier dépasse 10 Mo.", field="file")
    check_pdf(data)
    digest = hashlib.sha256(data).hexdigest()
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip() or "convention.pdf"
    before = {k: getattr(convention, k) for k in ("signed_file_name", "signed_file_path", "signed_file_sha256")}
    convention.signed_file_name = name[-255:]
    convention.signed_file_path = f"conventions/{convention.id}/{digest}.pdf"
    convention.signed_file_sha256 = digest
    convention.updated_at = now
    audit.record(session, actor, "attach", convention,
                 summary=f"PDF signé déposé sur la convention {convention.reference} : {convention.signed_file_name}",
                 before=before, after={"signed_file_name": convention.signed_file_name,
                                       "signed_file_path": convention.signed_file_path,
                                       "signed_file_sha256": digest}, now=now)
    return convention.signed_file_path


def store_upload(root: Path, relative_path: str, data: bytes) -> Path:
    """Write a file under ``root`` atomically (temporary file, then rename); content-addressed names make it
    idempotent."""
    target = (root / relative_path).resolve()
    if root.resolve() not in target.parents:
        raise ValueError("upload path outside of the uploads folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def conventions_query(*, organisation_id: int | None = None, status: str | None = None, q: str | None = None) -> Select:
    stmt = select(Convention).order_by(Convention.start_date.desc(), Convention.reference.desc())
    if organisation_id is not None:
        stmt = stmt.where(Convention.organisation_id == organisation_id)
    if status:
        stmt = stmt.where(Convention.status == status)
    if q and q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(func.lower(Convention.reference).like(like) | func.lower(Convention.title).like(like))
    return stmt
