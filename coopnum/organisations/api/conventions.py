"""JSON API of the missions domain: conventions, with their volume contracted, used and planned.

Staff read and write every convention; an authority token reads its own organisation's conventions only. A PATCH
follows the pages' rules: commercial terms change only while the convention is a draft; ``status`` moves it
forward (draft → signed with ``signed_on``, signed → ended)."""

from datetime import date, datetime
from decimal import Decimal

from flask import g, jsonify, request
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.access import is_staff
from coopnum.core.api import Amount, Day, Int, Line, Param, Text, commit_or_raise, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.organisations import queries
from coopnum.organisations.access import can_view_convention
from coopnum.organisations.models import Convention, ConventionStatus, PricingMode, VatRegime, VolumeUnit
from coopnum.organisations.services import conventions as services

TAG = "conventions"
READERS = (Role.COORDINATOR, Role.AUTHORITY)
STAFF = (Role.COORDINATOR,)
Volume = Amount(max_digits=10, decimal_places=2)  # conventions.contracted_volume NUMERIC(10, 2)
PENALTY_RATE = ("Taux des pénalités de retard fixé par la convention, en centièmes de % l'an (1200 : 12 %) ; au "
                "moins trois fois le taux de l'intérêt légal du semestre ; vide : le taux légal (BCE + 10 points). "
                "Jamais pour un acheteur public (BCE + 8 points, fixé par la loi).")


class ConventionServiceIn(SQLModel):
    model_config = ConfigDict(extra="forbid")

    service_id: Int
    unit_price_cents: Int | None = Field(default=None, description="Prix négocié HT en centimes ; vide : le prix "
                                                                   "du catalogue.")


class ConventionServicePublic(SQLModel):
    service_id: int
    code: str
    name: str
    unit_price_cents: int | None
    catalogue_price_cents: int


class ConventionCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: Int
    title: Line = Field(max_length=200)
    reference: Line | None = Field(default=None, max_length=40, description="Vide : CONV-<année>-<NNN>.")
    start_date: Day
    end_date: Day
    services: list[ConventionServiceIn] = Field(default_factory=list, max_length=100)
    pricing_mode: PricingMode = PricingMode.HOURLY
    unit_price_cents: Int | None = Field(default=None, description="HT, en centimes (par heure, séance ou atelier).")
    monthly_fee_cents: Int | None = Field(default=None, description="HT, en centimes (forfait mensuel).")
    volume_unit: VolumeUnit | None = Field(default=None, description="Par défaut : celle du mode de tarification.")
    contracted_volume: Volume = Field(default=Decimal("0"), description="Heures ou séances ; > 0 sauf forfait.")
    vat_regime: VatRegime = VatRegime.STANDARD
    payment_terms_days: Int = Field(default=30, description="60 au plus ; 30 au plus pour un acheteur public.")
    penalty_rate_bp: Int | None = Field(default=None, description=PENALTY_RATE)
    chorus_buyer_siret: Line | None = Field(default=None, max_length=20,
                                            description="Vide : le SIRET de la structure.")
    chorus_service_code: Line | None = Field(default=None, max_length=100)
    chorus_engagement_number: Line | None = Field(default=None, max_length=50)
    notes: Text = Field(default="", max_length=10_000)


class ConventionUpdate(SQLModel):
    """Only the fields given change. ``status``: signed (with ``signed_on``) or ended."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: Int | None = None
    title: Line | None = Field(default=None, max_length=200)
    reference: Line | None = Field(default=None, max_length=40)
    start_date: Day | None = None
    end_date: Day | None = None
    services: list[ConventionServiceIn] | None = Field(default=None, max_length=100)
    pricing_mode: PricingMode | None = None
    unit_price_cents: Int | None = None
    monthly_fee_cents: Int | None = None
    volume_unit: VolumeUnit | None = None
    contracted_volume: Volume | None = None
    vat_regime: VatRegime | None = None
    payment_terms_days: Int | None = None
    penalty_rate_bp: Int | None = Field(default=None, description=PENALTY_RATE)
    chorus_buyer_siret: Line | None = Field(default=None, max_length=20)
    chorus_service_code: Line | None = Field(default=None, max_length=100)
    chorus_engagement_number: Line | None = Field(default=None, max_length=50)
    notes: Text | None = Field(default=None, max_length=10_000)
    status: ConventionStatus | None = None
    signed_on: Day | None = None


class ConventionPublic(SQLModel):
    id: int
    reference: str
    title: str
    organisation_id: int
    organisation_name: str
    start_date: date
    end_date: date
    status: ConventionStatus
    signed_on: date | None
    pricing_mode: PricingMode
    unit_price_cents: int | None
    monthly_fee_cents: int | None
    volume_unit: VolumeUnit
    volume_contracted: Decimal
    volume_used: Decimal = Field(description="Séances tenues, ou passées et non annulées.")
    volume_planned: Decimal = Field(description="Séances à venir, non annulées.")
    vat_regime: VatRegime
    payment_terms_days: int
    penalty_rate_bp: int | None = Field(description=PENALTY_RATE)
    chorus_buyer_siret: str | None
    chorus_service_code: str | None
    chorus_engagement_number: str | None
    has_signed_file: bool
    services: list[ConventionServicePublic]
    notes: str = Field(description="Notes internes (vides pour un jeton « collectivité »).")
    created_at: datetime
    updated_at: datetime


def _dump(convention: Convention, summary) -> dict:
    staff = is_staff(g.api_user)
    return ConventionPublic(
        id=convention.id, reference=convention.reference, title=convention.title,
        organisation_id=convention.organisation_id, organisation_name=convention.organisation.name,
        start_date=convention.start_date, end_date=convention.end_date, status=convention.status,
        signed_on=convention.signed_on, pricing_mode=convention.pricing_mode,
        unit_price_cents=convention.unit_price_cents, monthly_fee_cents=convention.monthly_fee_cents,
        volume_unit=convention.volume_unit, volume_contracted=Decimal(convention.contracted_volume),
        volume_used=summary.used if summary else Decimal(0), volume_planned=summary.planned if summary else Decimal(0),
        vat_regime=convention.vat_regime, payment_terms_days=convention.payment_terms_days,
        penalty_rate_bp=convention.penalty_rate_bp,
        chorus_buyer_siret=convention.chorus_buyer_siret, chorus_service_code=convention.chorus_service_code,
        chorus_engagement_number=convention.chorus_engagement_number,
        has_signed_file=bool(convention.signed_file_path),
        services=[ConventionServicePublic(service_id=cs.service_id, code=cs.service.code, name=cs.service.name,
                                          unit_price_cents=cs.unit_price_cents,
                                          catalogue_price_cents=cs.service.unit_price_cents)
                  for cs in convention.services],
        notes=convention.notes if staff else "", created_at=convention.created_at, updated_at=convention.updated_at,
    ).model_dump(mode="json")


def _one(convention: Convention) -> dict:
    summary = queries.volumes(db.session, [convention.id], now=clock.now()).get(convention.id)
    return _dump(convention, summary)


def _values(body, fields: dict) -> dict:
    values = {k: v for k, v in fields.items() if k in services.CONVENTION_FIELDS}
    if "services" in values:
        values["services"] = tuple((line.service_id, line.unit_price_cents) for line in body.services or ())
    return values


@endpoint("/conventions", summary="Liste des conventions (un jeton « collectivité » : les siennes seulement)",
          roles=READERS, tag=TAG, response=[ConventionPublic], paginated=True, params=[
              Param("organisation_id", "Structure", type="integer"),
              Param("status", "Statut : draft, signed, ended", enum=tuple(ConventionStatus)),
              Param("q", "Recherche sur la référence ou l'intitulé"),
          ])
def list_conventions():
    status = request.args.get("status") or None
    if status is not None and status not in set(ConventionStatus):
        return json_error(422, "Statut inconnu : draft, signed ou ended.", "invalid", field="status")
    organisation_id = request.args.get("organisation_id", type=int)
    user = g.api_user
    if not is_staff(user):
        if organisation_id is not None and organisation_id != user.organisation_id:
            return jsonify({"items": [], "page": 1, "per_page": page_args()[1], "total": 0, "pages": 1})
        organisation_id = user.organisation_id or -1
    stmt = services.conventions_query(organisation_id=organisation_id, status=status, q=request.args.get("q"))
    page = paginate(db.session, stmt, *page_args())
    summaries = queries.volumes(db.session, [c.id for c in page.items], now=clock.now())
    return jsonify({"items": [_dump(c, summaries.get(c.id)) for c in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@endpoint("/conventions", "POST", summary="Créer une convention (en brouillon)", roles=STAFF, tag=TAG,
          body=ConventionCreate, response=ConventionPublic, status=201)
def create_convention():
    body = parse_body(ConventionCreate)
    convention = commit_or_raise(lambda: services.create_convention(
        db.session, g.api_user, services.ConventionData.parse(_values(body, body.model_dump())), now=clock.now()))
    return jsonify(_one(convention)), 201


@endpoint("/conventions/<id:convention_id>", summary="Une convention, avec son volume", roles=READERS, tag=TAG,
          response=ConventionPublic)
def get_convention(convention_id: int):
    convention = db.session.get(Convention, convention_id)
    if convention is None or not can_view_convention(g.api_user, convention):
        return json_error(404, "Convention introuvable.")
    return jsonify(_one(convention))


@endpoint("/conventions/<id:convention_id>", "PATCH", summary="Modifier une convention ou changer son statut",
          roles=STAFF, tag=TAG, body=ConventionUpdate, response=ConventionPublic)
def update_convention(convention_id: int):
    convention = db.session.get(Convention, convention_id)
    if convention is None:
        return json_error(404, "Convention introuvable.")
    body = parse_body(ConventionUpdate)
    fields = body.model_dump(exclude_unset=True)
    status, signed_on = fields.pop("status", None), fields.pop("signed_on", None)
    now = clock.now()

    def update():
        if fields:
            data = services.ConventionData.of(convention).but(**_values(body, fields))
            services.update_convention(db.session, g.api_user, convention, data, now=now)
        if status is not None and status != convention.status:
            if status == ConventionStatus.SIGNED:
                services.sign_convention(db.session, g.api_user, convention, signed_on=signed_on, now=now)
            elif status == ConventionStatus.ENDED:
                services.end_convention(db.session, g.api_user, convention, now=now)
            else:
                raise DomainError("Une convention ne revient pas en brouillon.", field="status")

    commit_or_raise(update)
    return jsonify(_one(convention))
