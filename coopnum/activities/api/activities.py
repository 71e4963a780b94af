"""JSON API of activity reports (CRA): ``GET /api/v1/activities`` (the filters of the activity list, paginated) and
``POST /api/v1/activities`` (create; the same service and rules as the form).

Values are the national tool's identifiers (``Individuel``, ``LieuActivite``, ``Email``…); each list also comes in
the national API spelling (``*_api``: ``individuel``, ``lieu_activite``, ``email``…), and the body of a POST accepts
either spelling. Mediators see and create their own activities, staff all of them."""

import datetime as dt
from typing import Annotated

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydField
from sqlalchemy.orm import selectinload

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity
from coopnum.activities.services import activities as service
from coopnum.activities.services.activity_queries import ActivityFilters, visible_activities
from coopnum.activities.services.beneficiaries import BeneficiaryData
from coopnum.core import clock
from coopnum.core.api import Day, Int, Line, Param, Text, endpoint, parse_body
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate

REPORTERS = (Role.COORDINATOR, Role.MEDIATOR)


def _api_map(list_name: str) -> dict[str, str]:
    return {item.value: item.api for item in ref.items(list_name) if item.api}


def _to_api(list_name: str, value: str | None) -> str | None:
    """The national API spelling of a value; a local entry keeps its own value."""
    if value is None:
        return None
    return _api_map(list_name).get(value, value)


def _from_api(list_name: str, value):
    """A national value from either spelling (``individuel`` or ``Individuel``); anything else unchanged, for the
    validation to refuse with its message."""
    if isinstance(value, list):
        return [_from_api(list_name, v) for v in value]
    if not isinstance(value, str):
        return value
    back = {api: v for v, api in _api_map(list_name).items()}
    return back.get(value, value)


class ActivityPublic(BaseModel):
    id: int
    date: dt.date
    kind: str
    kind_api: str | None
    mediator_id: int
    session_id: int | None
    convention_id: int | None
    place_id: int | None
    duration_minutes: int
    place_type: str
    place_type_api: str | None
    commune: str
    commune_insee: str | None
    commune_postal_code: str | None
    materiel: list[str]
    materiel_api: list[str]
    thematiques: list[str]
    thematiques_api: list[str]
    thematiques_demarche: list[str]
    thematiques_demarche_api: list[str]
    precisions_demarche: str
    autonomie: str | None
    autonomie_api: str | None
    oriented: bool
    structure_redirection: str | None
    structure_redirection_api: str | None
    workshop_title: str
    workshop_level: str | None
    workshop_level_api: str | None
    participants: int
    anonymous_participants: int
    beneficiary_ids: list[int]
    beneficiary_genre: str | None
    beneficiary_tranche_age: str | None
    beneficiary_statut_social: str | None
    beneficiary_commune: str
    notes: str | None = PydField(description="the mediator's own notes; null for someone else's activity")
    created_at: dt.datetime
    updated_at: dt.datetime


def activity_public(a: Activity, viewer) -> dict:
    def many(list_name, values):
        return [_to_api(list_name, v) for v in values or []]

    return ActivityPublic(
        id=a.id, date=a.date, kind=a.kind, kind_api=_to_api(ref.TYPE_ACTIVITE, a.kind), mediator_id=a.mediator_id,
        session_id=a.session_id, convention_id=a.convention_id, place_id=a.place_id,
        duration_minutes=a.duration_minutes, place_type=a.place_type,
        place_type_api=_to_api(ref.TYPE_LIEU, a.place_type), commune=a.commune, commune_insee=a.commune_insee,
        commune_postal_code=a.commune_postal_code, materiel=list(a.materiel or []),
        materiel_api=many(ref.MATERIEL, a.materiel), thematiques=list(a.thematiques or []),
        thematiques_api=many(ref.THEMATIQUE, a.thematiques),
        thematiques_demarche=list(a.thematiques_demarche or []),
        thematiques_demarche_api=many(ref.THEMATIQUE_DEMARCHE, a.thematiques_demarche),
        precisions_demarche=a.precisions_demarche, autonomie=a.autonomie,
        autonomie_api=_to_api(ref.AUTONOMIE, a.autonomie), oriented=a.oriented,
        structure_redirection=a.structure_redirection,
        structure_redirection_api=_to_api(ref.STRUCTURE_REDIRECTION, a.structure_redirection),
        workshop_title=a.workshop_title, workshop_level=a.workshop_level,
        workshop_level_api=_to_api(ref.NIVEAU_ATELIER, a.workshop_level), participants=a.participants,
        anonymous_participants=a.anonymous_participants,
        beneficiary_ids=sorted(link.beneficiary_id for link in a.beneficiary_links),
        beneficiary_genre=a.beneficiary_genre, beneficiary_tranche_age=a.beneficiary_tranche_age,
        beneficiary_statut_social=a.beneficiary_statut_social, beneficiary_commune=a.beneficiary_commune,
        notes=a.notes if a.mediator_id == viewer.id else None, created_at=a.created_at, updated_at=a.updated_at,
    ).model_dump(mode="json")


class NewBeneficiary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Line = PydField(default="", max_length=100)
    last_name: Line = PydField(default="", max_length=100)
    birth_year: Int | None = None
    genre: Line | None = PydField(default=None, max_length=20)
    tranche_age: Line | None = PydField(default=None, max_length=30)
    statut_social: Line | None = PydField(default=None, max_length=40)
    commune: Line = PydField(default="", max_length=120)


Value = Annotated[Line, PydField(max_length=60)]  # an entry of a reference list
LIST_MAX = 50


class ActivityCreate(BaseModel):
    """An activity report. With ``session_id``, date, place, convention and mediator come from the session."""

    model_config = ConfigDict(extra="forbid")

    kind: Line = PydField(max_length=20, description="Individuel | Collectif (or individuel | collectif)")
    duration_minutes: Int = PydField(description="minutes, 1 to 720")
    session_id: Int | None = None
    mediator_id: Int | None = PydField(default=None, description="staff: the mediator reported for")
    date: Day | None = PydField(default=None, description="without a session: the day (not in the future)")
    place_type: Line | None = PydField(default=None, max_length=20, description="without a session: LieuActivite, "
                                                                                "Domicile, ADistance, Autre")
    place_id: Int | None = None
    commune: Line = PydField(default="", max_length=120)
    commune_insee: Line | None = PydField(default=None, max_length=5)
    commune_postal_code: Line | None = PydField(default=None, max_length=5)
    convention_id: Int | None = None
    materiel: list[Value] = PydField(default=[], max_length=LIST_MAX)
    thematiques: list[Value] = PydField(default=[], max_length=LIST_MAX)
    thematiques_demarche: list[Value] = PydField(default=[], max_length=LIST_MAX)
    precisions_demarche: Line = PydField(default="", max_length=200)
    autonomie: Line | None = PydField(default=None, max_length=40)
    oriented: bool = False
    structure_redirection: Line | None = PydField(default=None, max_length=60)
    workshop_title: Line = PydField(default="", max_length=200)
    workshop_level: Line | None = PydField(default=None, max_length=20)
    participants: Int | None = None
    beneficiary_genre: Line | None = PydField(default=None, max_length=20)
    beneficiary_tranche_age: Line | None = PydField(default=None, max_length=30)
    beneficiary_statut_social: Line | None = PydField(default=None, max_length=40)
    beneficiary_commune: Line = PydField(default="", max_length=120)
    beneficiary_ids: list[Int] = PydField(default=[], max_length=200)
    new_beneficiary: NewBeneficiary | None = None
    confirm_new_beneficiary: bool = False
    notes: Text = PydField(default="", max_length=2000)


_LISTS = {"kind": ref.TYPE_ACTIVITE, "place_type": ref.TYPE_LIEU, "materiel": ref.MATERIEL,
          "thematiques": ref.THEMATIQUE, "thematiques_demarche": ref.THEMATIQUE_DEMARCHE,
          "autonomie": ref.AUTONOMIE, "structure_redirection": ref.STRUCTURE_REDIRECTION,
          "workshop_level": ref.NIVEAU_ATELIER, "beneficiary_genre": ref.GENRE,
          "beneficiary_tranche_age": ref.TRANCHE_AGE, "beneficiary_statut_social": ref.STATUT_SOCIAL}


def _data(body: ActivityCreate) -> service.ActivityData:
    values = body.model_dump(exclude={"new_beneficiary"})
    for name, list_name in _LISTS.items():
        values[name] = _from_api(list_name, values[name])
    data = service.ActivityData(**values)
    if body.new_beneficiary is not None:
        person = body.new_beneficiary.model_dump()
        person["genre"] = _from_api(ref.GENRE, person["genre"])
        person["tranche_age"] = _from_api(ref.TRANCHE_AGE, person["tranche_age"])
        person["statut_social"] = _from_api(ref.STATUT_SOCIAL, person["statut_social"])
        data.new_beneficiary = BeneficiaryData(**person)
    return data


FILTER_PARAMS = [
    Param("from", "à partir de cette date (incluse)", format="date"),
    Param("to", "jusqu'à cette date (incluse)", format="date"),
    Param("mediator", "médiateur (identifiant)", type="integer"),
    Param("convention", "convention (identifiant)", type="integer"),
    Param("organisation", "structure de la convention (identifiant)", type="integer"),
    Param("place", "lieu (identifiant)", type="integer"),
    Param("kind", "Individuel ou Collectif (ou individuel, collectif)", max_length=20),
    Param("theme", "thématique (valeur nationale ou de l'API nationale : Email ou email)"),
]


@endpoint("/activities", summary="Activités (comptes rendus), filtrées par période, médiateur, convention, lieu, "
          "type, thématique", roles=REPORTERS, tag="activities", paginated=True, response=[ActivityPublic],
          params=FILTER_PARAMS)
def list_activities():
    args = request.args.to_dict()
    if args.get("kind"):
        args["kind"] = _from_api(ref.TYPE_ACTIVITE, args["kind"])
    if args.get("theme"):
        args["theme"] = _from_api(ref.THEMATIQUE_DEMARCHE, _from_api(ref.THEMATIQUE, args["theme"]))
    filters = ActivityFilters.from_args(args)
    stmt = visible_activities(g.api_user, filters).options(selectinload(Activity.beneficiary_links))
    page = paginate(db.session, stmt, *page_args(50))
    return jsonify({"items": [activity_public(a, g.api_user) for a in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@endpoint("/activities", "POST", summary="Saisir une activité (403 pour la séance d'un autre médiateur, 422 avec le "
          "champ en erreur)", roles=REPORTERS, tag="activities", body=ActivityCreate, response=ActivityPublic,
          status=201)
def create_activity():
    body = parse_body(ActivityCreate)
    activity = service.create_activity(db.session, g.api_user, _data(body), now=clock.now())
    db.session.commit()
    return jsonify(activity_public(activity, g.api_user)), 201
