"""JSON API of the missions domain: places (lieux de médiation numérique).

Fields carry the names of the national LaMednum schema, which differ from the database columns for six of them:
``nom`` (name), ``adresse`` (address), ``complement_adresse`` (address_complement), ``code_postal``
(postal_code), ``commune`` (city) and ``code_insee`` (insee_code). Multi-valued fields are JSON arrays (joined
with ``|`` only in the open-data files). ``pivot`` is the SIRET/RNA given for the place; ``pivot_export`` the one
exported (the organisation's SIRET when the place has none)."""

from datetime import date, datetime
from typing import Annotated, Literal

from flask import current_app, g, jsonify, request
from pydantic import ConfigDict
from pydantic import Field as PydField
from sqlmodel import Field, SQLModel

from coopnum.core import clock
from coopnum.core.api import Int, Line, Param, Text, commit_or_raise, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.organisations import access, lamednum
from coopnum.organisations.models import Place
from coopnum.organisations.services import places as services

READERS = (Role.COORDINATOR, Role.MEDIATOR, Role.AUTHORITY)
STAFF = (Role.COORDINATOR,)

Service = Literal[lamednum.SERVICES]
Public = Literal[lamednum.PUBLICS]
Support = Literal[lamednum.PRISE_EN_CHARGE]
Fee = Literal[lamednum.FRAIS]
Programme = Literal[lamednum.DISPOSITIFS]
Training = Literal[lamednum.FORMATIONS_LABELS]
Access = Literal[lamednum.MODALITES_ACCES]
SupportMode = Literal[lamednum.MODALITES_ACCOMPAGNEMENT]
Mobility = Literal[lamednum.ITINERANCE]
Latitude = Annotated[float, PydField(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, PydField(ge=-180, le=180, allow_inf_nan=False)]
Item = Annotated[Line, PydField(max_length=300)]
LIST_MAX = 50  # items in a multi-valued field

D = {  # descriptions shared by the schemas
    "nom": "Nom du lieu (colonne `name` en base).",
    "adresse": "Adresse (colonne `address`).",
    "complement_adresse": "Complément d'adresse (colonne `address_complement`).",
    "code_postal": "Code postal, 5 chiffres (colonne `postal_code`).",
    "commune": "Commune (colonne `city`).",
    "code_insee": "Code INSEE de la commune, par ex. 86194 ou 2A004 (colonne `insee_code`).",
    "pivot": "SIRET ou RNA de la structure ; vide : celui de l'organisation.",
    "latitude": "Latitude WGS84 (avec la longitude, ou aucune des deux).",
    "longitude": "Longitude WGS84.",
    "typologie": "Codes de typologie data.inclusion (par ex. BIB, MUNI, RFS).",
    "telephone": "Un numéro ; normalisé au format +33…",
    "horaires": "Horaires au format OpenStreetMap opening_hours, par ex. "
                "« Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 ».",
    "presentation_resume": "280 caractères au plus.",
    "published": "Inclus dans l'export open data (/open-data/lieux.csv).",
}


class PlacePublic(SQLModel):
    """A place. Field names are those of the LaMednum schema; six differ from the database columns: nom (name),
    adresse (address), complement_adresse (address_complement), code_postal (postal_code), commune (city),
    code_insee (insee_code)."""

    id: int
    organisation_id: int | None
    organisation_name: str | None = None
    nom: str = Field(description=D["nom"])
    pivot: str | None = Field(description=D["pivot"])
    pivot_export: str = Field(description="Le pivot exporté en open data.")
    adresse: str = Field(description=D["adresse"])
    complement_adresse: str = Field(description=D["complement_adresse"])
    code_postal: str = Field(description=D["code_postal"])
    commune: str = Field(description=D["commune"])
    code_insee: str | None = Field(description=D["code_insee"])
    latitude: float | None = Field(description=D["latitude"])
    longitude: float | None = Field(description=D["longitude"])
    typologie: list[str]
    telephone: str | None
    courriels: list[str]
    site_web: list[str]
    horaires: str = Field(description=D["horaires"])
    presentation_resume: str
    presentation_detail: str
    itinerance: list[str]
    structure_parente: str
    services: list[str]
    publics_specifiquement_adresses: list[str]
    prise_en_charge_specifique: list[str]
    frais_a_charge: list[str]
    dispositif_programmes_nationaux: list[str]
    formations_labels: list[str]
    autres_formations_labels: str
    modalites_acces: list[str]
    modalites_accompagnement: list[str]
    fiche_acces_libre: str | None
    prise_rdv: str | None
    published: bool = Field(description=D["published"])
    archived: bool
    date_maj: date = Field(description="Date de dernière mise à jour (colonne open data `date_maj`).")
    created_at: datetime
    updated_at: datetime


class PlaceUpdate(SQLModel):
    """Fields to change (PATCH: absent fields keep their value). LaMednum names; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: Int | None = None
    nom: Line | None = Field(default=None, max_length=200, description=D["nom"])
    pivot: Line | None = Field(default=None, max_length=20, description=D["pivot"])
    adresse: Line | None = Field(default=None, max_length=300, description=D["adresse"])
    complement_adresse: Line | None = Field(default=None, max_length=300, description=D["complement_adresse"])
    code_postal: Line | None = Field(default=None, max_length=10, description=D["code_postal"])
    commune: Line | None = Field(default=None, max_length=120, description=D["commune"])
    code_insee: Line | None = Field(default=None, max_length=10, description=D["code_insee"])
    latitude: Latitude | None = Field(default=None, description=D["latitude"])
    longitude: Longitude | None = Field(default=None, description=D["longitude"])
    typologie: list[Item] | None = Field(default=None, max_length=LIST_MAX, description=D["typologie"])
    telephone: Line | None = Field(default=None, max_length=30, description=D["telephone"])
    courriels: list[Item] | None = Field(default=None, max_length=LIST_MAX)
    site_web: list[Item] | None = Field(default=None, max_length=LIST_MAX)
    horaires: Line | None = Field(default=None, max_length=500, description=D["horaires"])
    presentation_resume: Text | None = Field(default=None, max_length=280, description=D["presentation_resume"])
    presentation_detail: Text | None = Field(default=None, max_length=10_000)
    itinerance: list[Mobility] | None = Field(default=None, max_length=LIST_MAX)
    structure_parente: Line | None = Field(default=None, max_length=200)
    services: list[Service] | None = Field(default=None, max_length=LIST_MAX)
    publics_specifiquement_adresses: list[Public] | None = Field(default=None, max_length=LIST_MAX)
    prise_en_charge_specifique: list[Support] | None = Field(default=None, max_length=LIST_MAX)
    frais_a_charge: list[Fee] | None = Field(default=None, max_length=LIST_MAX)
    dispositif_programmes_nationaux: list[Programme] | None = Field(default=None, max_length=LIST_MAX)
    formations_labels: list[Training] | None = Field(default=None, max_length=LIST_MAX)
    autres_formations_labels: Line | None = Field(default=None, max_length=500)
    modalites_acces: list[Access] | None = Field(default=None, max_length=LIST_MAX)
    modalites_accompagnement: list[SupportMode] | None = Field(default=None, max_length=LIST_MAX)
    fiche_acces_libre: Line | None = Field(default=None, max_length=300)
    prise_rdv: Line | None = Field(default=None, max_length=300)
    published: bool | None = Field(default=None, description=D["published"])


class PlaceCreate(PlaceUpdate):
    """A new place: ``nom``, ``adresse``, ``code_postal`` and ``commune`` are required."""

    nom: Line = Field(max_length=200, description=D["nom"])
    adresse: Line = Field(max_length=300, description=D["adresse"])
    code_postal: Line = Field(max_length=10, description=D["code_postal"])
    commune: Line = Field(max_length=120, description=D["commune"])
    published: bool = Field(default=True, description=D["published"])


def place_public(place: Place) -> dict:
    values = services.values_of(place)
    for name in ("latitude", "longitude"):
        values[name] = float(values[name]) if values[name] is not None else None
    organisation = place.organisation
    return PlacePublic(
        id=place.id, organisation_name=organisation.name if organisation else None,
        pivot_export=services.effective_pivot(place.pivot, organisation), archived=place.archived,
        date_maj=place.date_maj, created_at=place.created_at, updated_at=place.updated_at, **values,
    ).model_dump(mode="json")


def _visible(place: Place | None) -> bool:
    return place is not None and access.can_view_place(g.api_user, place)


def _changes(body: SQLModel) -> dict:
    """The fields sent (a null ``published`` changes nothing; other nulls empty the field)."""
    data = body.model_dump(exclude_unset=True)
    if data.get("published", False) is None:
        del data["published"]
    return data


@endpoint("/places", summary="Lieux de médiation (filtres : q, organisation_id, commune)", roles=READERS,
          tag="places", paginated=True, response=[PlacePublic], params=[
              Param("q", "Recherche dans le nom et la commune"),
              Param("organisation_id", "Structure", type="integer"),
              Param("commune", "Commune (nom exact, sans tenir compte de la casse)"),
          ])
def list_places():
    user = g.api_user
    scope = None if access.can_view_places(user) else (user.organisation_id or -1)
    stmt = services.search(q=request.args.get("q", ""), organisation_id=request.args.get("organisation_id", type=int),
                           commune=request.args.get("commune", ""), only_organisation_id=scope)
    page = paginate(db.session, stmt, *page_args())
    return jsonify({"items": [place_public(p) for p in page.items], "page": page.page, "per_page": page.per_page,
                    "total": page.total, "pages": page.pages})


@endpoint("/places", "POST", summary="Créer un lieu", roles=STAFF, tag="places", body=PlaceCreate,
          response=PlacePublic, status=201)
def create_place():
    body = parse_body(PlaceCreate)
    place = commit_or_raise(lambda: services.create_place(db.session, g.api_user, _changes(body), now=clock.now(),
                                                          source=current_app.config["COOPNUM_NAME"]))
    return jsonify(place_public(place)), 201


@endpoint("/places/<id:place_id>", summary="Un lieu", roles=READERS, tag="places", response=PlacePublic)
def get_place(place_id: int):
    place = db.session.get(Place, place_id)
    if not _visible(place):
        return json_error(404, "Lieu introuvable.")
    return jsonify(place_public(place))


@endpoint("/places/<id:place_id>", "PATCH", summary="Modifier un lieu (seuls les champs envoyés changent)",
          roles=STAFF, tag="places", body=PlaceUpdate, response=PlacePublic)
def update_place(place_id: int):
    place = db.session.get(Place, place_id)
    if not _visible(place):
        return json_error(404, "Lieu introuvable.")
    body = parse_body(PlaceUpdate)
    commit_or_raise(lambda: services.update_place(db.session, g.api_user, place, _changes(body), now=clock.now(),
                                                  source=current_app.config["COOPNUM_NAME"]))
    return jsonify(place_public(place))
