"""JSON API of the missions domain: organisations (structures).

Staff read and write every organisation; an authority token reads its own organisation only. The checks are
the services' (SIRET, RNA, INSEE code, VAT number…), as on the pages."""

from datetime import datetime

from flask import g, jsonify, request
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.access import is_staff
from coopnum.core.api import Line, Param, Text, commit_or_raise, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.organisations.access import can_view_organisation
from coopnum.organisations.models import Organisation, OrganisationKind
from coopnum.organisations.services import organisations as services

TAG = "organisations"
READERS = (Role.COORDINATOR, Role.AUTHORITY)
STAFF = (Role.COORDINATOR,)


class OrganisationBase(SQLModel):
    name: str = Field(max_length=200, description="Nom de la structure.")
    kind: OrganisationKind = Field(default=OrganisationKind.COMMUNE, description="Type de structure.")
    siret: str | None = Field(default=None, max_length=20,
                              description="SIRET, 14 chiffres (espaces acceptés) ; obligatoire pour un acheteur public.")
    rna: str | None = Field(default=None, max_length=12, description="Numéro RNA d'une association : W + 9 chiffres.")
    vat_number: str | None = Field(default=None, max_length=20, description="Numéro de TVA intracommunautaire.")
    insee_code: str | None = Field(default=None, max_length=5, description="Code commune INSEE, par ex. 86194.")
    address: str = Field(default="", max_length=300)
    address_complement: str = Field(default="", max_length=300)
    postal_code: str = Field(default="", max_length=5)
    city: str = Field(default="", max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    website: str | None = Field(default=None, max_length=300)
    notes: str = Field(default="")
    chorus_service_code: str | None = Field(default=None, max_length=100, description="Code service (Chorus Pro).")
    chorus_engagement_number: str | None = Field(default=None, max_length=50,
                                                 description="Numéro d'engagement par défaut (Chorus Pro).")
    chorus_engagement_required: bool = Field(default=False, description="L'acheteur exige un numéro d'engagement.")
    territory: str = Field(default="", description="Codes INSEE des communes du territoire (d'une "
                           "intercommunalité), séparés par des espaces.")


class OrganisationCreate(SQLModel):
    """The fields of ``OrganisationBase``, checked at the boundary (one line each, notes on several)."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(max_length=200, description="Nom de la structure.")
    kind: OrganisationKind = Field(default=OrganisationKind.COMMUNE, description="Type de structure.")
    siret: Line | None = Field(default=None, max_length=20,
                               description="SIRET, 14 chiffres (espaces acceptés) ; obligatoire pour un acheteur public.")
    rna: Line | None = Field(default=None, max_length=12, description="Numéro RNA d'une association : W + 9 chiffres.")
    vat_number: Line | None = Field(default=None, max_length=20, description="Numéro de TVA intracommunautaire.")
    insee_code: Line | None = Field(default=None, max_length=5, description="Code commune INSEE, par ex. 86194.")
    address: Line = Field(default="", max_length=300)
    address_complement: Line = Field(default="", max_length=300)
    postal_code: Line = Field(default="", max_length=5)
    city: Line = Field(default="", max_length=120)
    email: Line | None = Field(default=None, max_length=254)
    phone: Line | None = Field(default=None, max_length=30)
    website: Line | None = Field(default=None, max_length=300)
    notes: Text = Field(default="", max_length=10_000)
    chorus_service_code: Line | None = Field(default=None, max_length=100, description="Code service (Chorus Pro).")
    chorus_engagement_number: Line | None = Field(default=None, max_length=50,
                                                  description="Numéro d'engagement par défaut (Chorus Pro).")
    chorus_engagement_required: bool = Field(default=False, description="L'acheteur exige un numéro d'engagement.")
    territory: Text = Field(default="", max_length=20_000, description="Codes INSEE des communes du territoire, "
                            "séparés par des espaces ou des virgules.")


class OrganisationUpdate(SQLModel):
    """Only the fields given change; the organisation is checked again as a whole."""

    model_config = ConfigDict(extra="forbid")

    name: Line | None = Field(default=None, max_length=200)
    kind: OrganisationKind | None = None
    siret: Line | None = Field(default=None, max_length=20)
    rna: Line | None = Field(default=None, max_length=12)
    vat_number: Line | None = Field(default=None, max_length=20)
    insee_code: Line | None = Field(default=None, max_length=5)
    address: Line | None = Field(default=None, max_length=300)
    address_complement: Line | None = Field(default=None, max_length=300)
    postal_code: Line | None = Field(default=None, max_length=5)
    city: Line | None = Field(default=None, max_length=120)
    email: Line | None = Field(default=None, max_length=254)
    phone: Line | None = Field(default=None, max_length=30)
    website: Line | None = Field(default=None, max_length=300)
    notes: Text | None = Field(default=None, max_length=10_000)
    chorus_service_code: Line | None = Field(default=None, max_length=100)
    chorus_engagement_number: Line | None = Field(default=None, max_length=50)
    chorus_engagement_required: bool | None = None
    territory: Text | None = Field(default=None, max_length=20_000)
    archived: bool | None = Field(default=None, description="Archiver (true) ou désarchiver (false).")


class OrganisationPublic(OrganisationBase):
    id: int
    archived: bool
    created_at: datetime
    updated_at: datetime


def _dump(org: Organisation) -> dict:
    data = OrganisationPublic.model_validate(org, from_attributes=True).model_dump(mode="json")
    if not is_staff(g.api_user):
        data["notes"] = ""  # internal to the cooperative
    return data


def _visible(org_id: int) -> Organisation | None:
    org = db.session.get(Organisation, org_id)
    if org is None or not can_view_organisation(g.api_user, org):
        return None
    return org


@endpoint("/organisations", summary="Liste des structures (un jeton « collectivité » : la sienne seulement)",
          roles=READERS, tag=TAG, response=[OrganisationPublic], paginated=True, params=[
              Param("q", "Recherche sur le nom, la commune ou le SIRET"),
              Param("kind", "Type de structure (commune, epci, association…)", enum=tuple(OrganisationKind)),
              Param("archived", "true : les structures archivées seulement ; false (défaut) : les autres",
                    type="boolean"),
          ])
def list_organisations():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in set(OrganisationKind):
        return json_error(422, "Type de structure inconnu.", "invalid", field="kind")
    archived = request.args.get("archived", "false").strip().lower() in ("1", "true", "yes", "on")
    user = g.api_user
    own = None if is_staff(user) else (user.organisation_id or -1)
    stmt = services.organisations_query(q=request.args.get("q"), kind=kind, archived=archived, organisation_id=own)
    page = paginate(db.session, stmt, *page_args())
    return jsonify({"items": [_dump(o) for o in page.items], "page": page.page, "per_page": page.per_page,
                    "total": page.total, "pages": page.pages})


@endpoint("/organisations", "POST", summary="Créer une structure", roles=STAFF, tag=TAG, body=OrganisationCreate,
          response=OrganisationPublic, status=201)
def create_organisation():
    body = parse_body(OrganisationCreate)
    org = commit_or_raise(
        lambda: services.create_organisation(db.session, g.api_user, services.OrganisationData.parse(body.model_dump()),
                                             now=clock.now())
    )
    return jsonify(_dump(org)), 201


@endpoint("/organisations/<id:org_id>", summary="Une structure", roles=READERS, tag=TAG,
          response=OrganisationPublic)
def get_organisation(org_id: int):
    org = _visible(org_id)
    if org is None:
        return json_error(404, "Structure introuvable.")
    return jsonify(_dump(org))


@endpoint("/organisations/<id:org_id>", "PATCH", summary="Modifier une structure", roles=STAFF, tag=TAG,
          body=OrganisationUpdate, response=OrganisationPublic)
def update_organisation(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None:
        return json_error(404, "Structure introuvable.")
    body = parse_body(OrganisationUpdate)
    changes = body.model_dump(exclude_unset=True)
    archived = changes.pop("archived", None)

    def update():
        if changes:
            services.update_organisation(db.session, g.api_user, org,
                                         services.OrganisationData.of(org).but(**changes), now=clock.now())
        if archived is not None:
            services.set_organisation_archived(db.session, g.api_user, org, archived, now=clock.now())

    commit_or_raise(update)
    return jsonify(_dump(org))
