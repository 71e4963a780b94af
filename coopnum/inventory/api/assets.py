"""API: assets. Mediators and staff read; the staff create and change (the same services as the pages).

A duplicate tag is a 409 (also when a concurrent request inserted it first: the unique index decides), a bad
value a 422 naming the field."""

from datetime import date, datetime

from flask import g, jsonify, request
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.api import Day, Int, Line, Param, Text, commit_or_raise, dump, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.inventory import access
from coopnum.inventory.models import Asset, AssetCategory, AssetStatus
from coopnum.inventory.services import assets as services

TAG = "inventory"
READERS = (Role.COORDINATOR, Role.MEDIATOR)
STAFF = (Role.COORDINATOR,)


class AssetPublic(SQLModel):
    id: int
    tag: str
    category: str = Field(description="laptop, tablet, smartphone, hotspot, projector ou accessory")
    model: str
    serial: str
    purchase_date: date | None
    purchase_price_cents: int | None = Field(description="TTC, en centimes")
    funding: str
    status: str = Field(description="available, deployed, maintenance, lost ou retired")
    place_id: int | None
    kit_id: int | None
    notes: str
    retired_on: date | None
    created_at: datetime
    updated_at: datetime


class AssetCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    tag: Line = Field(min_length=1, max_length=40, description="Unique : lettres sans accent, chiffres, . et -")
    category: AssetCategory
    model: Line = Field(min_length=1, max_length=200)
    serial: Line = Field(default="", max_length=100)
    purchase_date: Day | None = None
    purchase_price_cents: Int | None = Field(default=None, ge=0, le=services.MAX_PRICE_CENTS)
    funding: Line = Field(default="", max_length=200)
    place_id: Int | None = Field(default=None, ge=1)
    kit_id: Int | None = Field(default=None, ge=1)
    notes: Text = Field(default="", max_length=5000)


class AssetUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    tag: Line | None = Field(default=None, min_length=1, max_length=40)
    category: AssetCategory | None = None
    model: Line | None = Field(default=None, min_length=1, max_length=200)
    serial: Line | None = Field(default=None, max_length=100)
    purchase_date: Day | None = None
    purchase_price_cents: Int | None = Field(default=None, ge=0, le=services.MAX_PRICE_CENTS)
    funding: Line | None = Field(default=None, max_length=200)
    place_id: Int | None = Field(default=None, ge=1)
    kit_id: Int | None = Field(default=None, ge=1)
    notes: Text | None = Field(default=None, max_length=5000)


def _asset(a: Asset) -> dict:
    return dump(AssetPublic, a)


def _enum(name: str, values) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None and raw not in set(values):
        return "bad"
    return raw


@endpoint("/assets", summary="Le matériel mutualisé (filtres : catégorie, statut, lieu, kit, recherche)",
          roles=READERS, tag=TAG, response=[AssetPublic], paginated=True, params=[
              Param("q", "Étiquette, modèle ou numéro de série"),
              Param("category", "Catégorie", enum=tuple(AssetCategory)),
              Param("status", "Statut", enum=tuple(AssetStatus)),
              Param("place_id", "Lieu de rattachement", type="integer", minimum=1),
              Param("kit_id", "Kit", type="integer", minimum=1),
          ])
def list_assets():
    category, status = _enum("category", AssetCategory), _enum("status", AssetStatus)
    if category == "bad":
        return json_error(422, "Catégorie inconnue : " + ", ".join(AssetCategory) + ".", "invalid",
                          field="category")
    if status == "bad":
        return json_error(422, "Statut inconnu : " + ", ".join(AssetStatus) + ".", "invalid", field="status")
    stmt = services.search_stmt(request.args.get("q", ""), category=category, status=status,
                                place_id=request.args.get("place_id", type=int),
                                kit_id=request.args.get("kit_id", type=int))
    page = paginate(db.session, stmt, *page_args())
    return jsonify({"items": [_asset(a) for a in page.items], "page": page.page, "per_page": page.per_page,
                    "total": page.total, "pages": page.pages})


def _load(asset_id: int):
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        return None, json_error(404, "Matériel introuvable.", "not_found")
    if not access.can_see_inventory(g.api_user):
        return None, json_error(403, "Ce jeton ne donne pas accès à ce matériel.", "forbidden")
    return asset, None


@endpoint("/assets/<id:asset_id>", summary="Un matériel", roles=READERS, tag=TAG, response=AssetPublic)
def get_asset(asset_id: int):
    asset, error = _load(asset_id)
    if error is not None:
        return error
    return jsonify(_asset(asset))


@endpoint("/assets", "POST", summary="Enregistrer un matériel (409 si l'étiquette existe déjà)", roles=STAFF,
          tag=TAG, body=AssetCreate, response=AssetPublic, status=201)
def create_asset():
    if not access.can_manage_assets(g.api_user):
        return json_error(403, "Ce jeton ne donne pas accès à cette ressource.", "forbidden")
    body = parse_body(AssetCreate)
    asset = commit_or_raise(lambda: services.create_asset(
        db.session, g.api_user, tag=body.tag, category=body.category, model=body.model, serial=body.serial,
        purchase_date=body.purchase_date, purchase_price_cents=body.purchase_price_cents, funding=body.funding,
        place_id=body.place_id, kit_id=body.kit_id, notes=body.notes, now=clock.now()))
    return jsonify(_asset(asset)), 201


@endpoint("/assets/<id:asset_id>", "PATCH", summary="Modifier un matériel (les champs donnés seulement ; "
          "null efface une valeur facultative)", roles=STAFF, tag=TAG, body=AssetUpdate, response=AssetPublic)
def update_asset(asset_id: int):
    asset, error = _load(asset_id)
    if error is not None:
        return error
    if not access.can_manage_assets(g.api_user):
        return json_error(403, "Ce jeton ne donne pas accès à cette ressource.", "forbidden")
    body = parse_body(AssetUpdate)
    given = body.model_fields_set
    for name in ("tag", "category", "model"):
        if name in given and getattr(body, name) is None:
            return json_error(422, f"Données invalides : {name} (champ obligatoire)", "invalid", field=name)
    values = {name: getattr(asset, name) for name in (
        "tag", "category", "model", "serial", "purchase_date", "purchase_price_cents", "funding", "place_id",
        "kit_id", "notes")}
    for name in given:
        value = getattr(body, name)
        values[name] = ("" if value is None and name in ("serial", "funding", "notes") else value)
    asset = commit_or_raise(lambda: services.update_asset(db.session, g.api_user, asset, now=clock.now(), **values))
    return jsonify(_asset(asset))
