"""The rows of the activity exports (``exports``): the national tool's "Activités" columns and value formats, one row
per accompaniment — an individual accompaniment gives one row, a collective workshop one row per participant
(``Participants`` = ``1/12`` … ``12/12``: the followed beneficiaries first, in the order of their ids, then the
anonymous ones).

The activities are those of ``activity_queries.visible_activities(viewer, filters)`` — the same statement as the
list page and the API, access rules included, and the same order — read as plain columns (``activity_rows``: no
ORM object, the mediator's name joined, the JSON lists as their stored text) ``CHUNK_SIZE`` at a time
(``yield_per``). Each chunk costs one more query for its followed beneficiaries, and one for its places when it
meets new ones (``RowBuilder.load_chunk``). Values met again are formatted once: the labels of each distinct JSON
list, each day, each mediator's name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, select
from sqlmodel import Session

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity, ActivityBeneficiary, Beneficiary
from coopnum.activities.services import reference_lists
from coopnum.activities.services.activity_queries import ActivityFilters, visible_activities
from coopnum.core.access import is_staff
from coopnum.core.clock import PARIS
from coopnum.core.models import User
from coopnum.organisations.models import Place

CHUNK_SIZE = 500
ANONYMOUS = "Anonyme"
ROLE_MEDIATOR = "Médiateur"


def fr_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def fr_datetime(moment: datetime | None) -> str:
    """``dd/MM/yyyy à HH:mm``, Europe/Paris."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M") if moment else ""


def is_self_export(viewer: User, filters: ActivityFilters) -> bool:
    """A mediator exporting their own activities (or anyone restricting the export to themselves)."""
    return filters.mediator_id == viewer.id or not is_staff(viewer)


def columns_for(viewer: User, filters: ActivityFilters) -> list[str]:
    own = is_self_export(viewer, filters)
    return ref.export_columns(by_other=not own, self_export=own, with_v1_source=False)


def _stars(list_name: str) -> dict[str, str]:
    return {item.value: f"{item.extras.get('stars')}/3" for item in ref.items(list_name) if item.extras.get("stars")}


BENEFICIARY_COLUMNS = ("Bénéficiaire", "Commune du bénéficiaire", "Code postal du bénéficiaire",
                       "Code Insee du bénéficiaire", "Genre du bénéficiaire", "Tranche d’âge du bénéficiaire",
                       "Statut du bénéficiaire")

# What the export reads of an activity: plain columns (no ORM object), the JSON lists as their stored text (the
# labels of each distinct text are computed once), the mediator's name through the join of ``activity_rows``.
ACTIVITY_FIELDS = (
    Activity.id, Activity.place_id, Activity.date, Activity.kind, Activity.duration_minutes, Activity.place_type,
    Activity.commune, Activity.commune_insee, Activity.commune_postal_code,
    cast(Activity.materiel, String).label("materiel"), cast(Activity.thematiques, String).label("thematiques"),
    cast(Activity.thematiques_demarche, String).label("thematiques_demarche"), Activity.precisions_demarche,
    Activity.autonomie, Activity.oriented, Activity.structure_redirection, Activity.workshop_title,
    Activity.workshop_level, Activity.participants, Activity.beneficiary_genre, Activity.beneficiary_tranche_age,
    Activity.beneficiary_statut_social, Activity.beneficiary_commune, Activity.beneficiary_commune_insee,
    Activity.beneficiary_postal_code, Activity.notes, Activity.created_at, Activity.updated_at,
    User.full_name.label("mediator_name"),
)
BENEFICIARY_FIELDS = (ActivityBeneficiary.activity_id, Beneficiary.id, Beneficiary.first_name, Beneficiary.last_name,
                      Beneficiary.genre, Beneficiary.tranche_age, Beneficiary.statut_social, Beneficiary.commune,
                      Beneficiary.commune_insee, Beneficiary.postal_code)
PLACE_FIELDS = (Place.id, Place.name, Place.address, Place.city, Place.postal_code, Place.insee_code)


def activity_rows(viewer: User, filters: ActivityFilters) -> Select:
    """``visible_activities`` (same access rules, filters and order) reading ``ACTIVITY_FIELDS`` only."""
    return (visible_activities(viewer, filters).with_only_columns(*ACTIVITY_FIELDS, maintain_column_froms=False)
            .outerjoin_from(Activity, User, User.id == Activity.mediator_id))


def _json_list(text: str | None) -> list:
    return (json.loads(text) if text else None) or []


class RowBuilder:
    """Turns activities (rows of ``activity_rows``) into export rows (lists in the order of ``columns``), with
    labels from the editable reference lists. Places are loaded once per chunk that needs new ones, the known
    beneficiaries once per chunk (``load_chunk``)."""

    def __init__(self, session: Session, columns: list[str]):
        self.session = session
        self.columns = columns
        self.labels = reference_lists.all_labels(session)
        self.places: dict[int, dict[str, Any]] = {}
        self.known: dict[int, list[tuple]] = {}  # activity id → value tuples (BENEFICIARY_COLUMNS), this chunk
        self.autonomy = _stars(ref.AUTONOMIE)
        self.levels = _stars(ref.NIVEAU_ATELIER)
        self.unknown = {name: self.labels[name].get("NonCommunique", "") for name in
                        (ref.GENRE, ref.TRANCHE_AGE, ref.STATUT_SOCIAL)}
        self.anonymous_participant = (ANONYMOUS, "", "", "", self.unknown[ref.GENRE],
                                      self.unknown[ref.TRANCHE_AGE], self.unknown[ref.STATUT_SOCIAL])
        self._dates: dict[date, str] = {}
        self._texts: dict[tuple, str] = {}  # ((list name, stored JSON text), …) → the cell
        self._names: dict[str | None, tuple[str, str]] = {}
        at = {column: i for i, column in enumerate(columns)}
        self._participants_at = at.get("Participants")
        self._person_at = [(at[column], k) for k, column in enumerate(BENEFICIARY_COLUMNS) if column in at]

    def load_chunk(self, activities: list) -> None:
        """The places not met yet and the known beneficiaries of a chunk of activities: two queries at most."""
        wanted = {a.place_id for a in activities if a.place_id is not None} - set(self.places)
        if wanted:
            for place in self.session.execute(select(*PLACE_FIELDS).where(Place.id.in_(wanted))):
                self.places[place.id] = {
                    "Nom du lieu": place.name, "Adresse": place.address, "Commune": place.city,
                    "Code postal": place.postal_code, "Code Insee": place.insee_code or ""}
        self.known = {}
        if activities:
            # The followed beneficiaries of an activity in the order of their ids (the order they are linked in).
            links = self.session.execute(
                select(*BENEFICIARY_FIELDS)
                .join(Beneficiary, Beneficiary.id == ActivityBeneficiary.beneficiary_id)
                .where(ActivityBeneficiary.activity_id.in_([a.id for a in activities]))
                .order_by(ActivityBeneficiary.activity_id, ActivityBeneficiary.beneficiary_id))
            for person in links:
                self.known.setdefault(person.activity_id, []).append(self._person_values(person))

    def _label(self, list_name: str, value: str | None) -> str:
        return self.labels[list_name].get(value, value) if value else ""

    def _many(self, list_name: str, values) -> list[str]:
        return [self._label(list_name, v) for v in values or []]

    def _lines(self, *lists: tuple[str, str | None]) -> str:
        """The labels of stored JSON lists (``(list name, text)``), one a line; computed once per distinct text."""
        cell = self._texts.get(lists)
        if cell is None:
            cell = self._texts[lists] = "\n".join(label for name, text in lists
                                                  for label in self._many(name, _json_list(text)))
        return cell

    def _date(self, day: date | None) -> str:
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = fr_date(day)
        return text

    def _mediator(self, full_name: str | None) -> tuple[str, str]:
        names = self._names.get(full_name)
        if names is None:
            first, _, last = full_name.partition(" ") if full_name else ("", "", "")
            names = self._names[full_name] = (first, last)
        return names

    def rows(self, activity) -> list[list[Any]]:
        """The rows of one activity: one for an individual accompaniment, one per participant of a workshop
        (the followed beneficiaries first, then the anonymous ones)."""
        collective = activity.kind == ref.TYPE_COLLECTIF
        values = self._activity_values(activity)
        base = [values.get(column, "") for column in self.columns]
        known = self.known.get(activity.id, ())
        if not collective:
            person = known[0] if known else self._anonymous_values(activity)
            return [self._row(base, 1, person)]
        total = max(activity.participants or 1, len(known), 1)
        return [self._row(base, f"{index + 1}/{total}",
                          known[index] if index < len(known) else self.anonymous_participant)
                for index in range(total)]

    def _row(self, base: list[Any], participants: Any, person: tuple) -> list[Any]:
        row = base.copy()
        if self._participants_at is not None:
            row[self._participants_at] = participants
        for at, k in self._person_at:
            row[at] = person[k]
        return row

    def _activity_values(self, a) -> dict[str, Any]:
        """The columns shared by every row of the activity, by column name: when, who, where, what."""
        collective = a.kind == ref.TYPE_COLLECTIF
        first, last = self._mediator(a.mediator_name)
        modified = a.updated_at and a.created_at and (a.updated_at - a.created_at) > timedelta(seconds=1)
        return {
            "Date": self._date(a.date),
            "Enregistré le": fr_datetime(a.created_at),
            "Dernière modification le": fr_datetime(a.updated_at) if modified else "",
            "Prénom du médiateur": first,
            "Nom du médiateur": last,
            "Rôle": ROLE_MEDIATOR,
            "ID - Conum": "",
            "Type": self._label(ref.TYPE_ACTIVITE, a.kind),
            "Canaux d’accompagnement": self._label(ref.TYPE_LIEU, a.place_type),
            **self._place_values(a),
            "Durée (min)": a.duration_minutes,
            "Nom de l’atelier": a.workshop_title if collective else "",
            "Matériel numérique utilisé": self._lines((ref.MATERIEL, a.materiel)),
            "Thématique(s) d’accompagnement": self._lines((ref.THEMATIQUE, a.thematiques),
                                                          (ref.THEMATIQUE_DEMARCHE, a.thematiques_demarche)),
            "Tags": "",
            "Nom de la démarche administrative": a.precisions_demarche,
            "Niveau d’autonomie (ou de l’atelier)": (self.levels.get(a.workshop_level or "", "") if collective
                                                     else self.autonomy.get(a.autonomie or "", "")),
            "Bénéficiaire réorienté": "Oui" if a.oriented else "Non",
            "Structure de redirection": self._label(ref.STRUCTURE_REDIRECTION, a.structure_redirection),
            "Notes supplémentaires": a.notes,
            "Source de la donnée": "La Coop de la médiation numérique (V2)",
            "ID CRA": a.id,
        }

    def _place_values(self, a) -> dict[str, Any]:
        """The place of the activity, else the commune where it happened (at home, elsewhere)."""
        place = self.places.get(a.place_id) if a.place_id is not None else None
        if place is not None:
            return place
        return {"Nom du lieu": "", "Adresse": "", "Commune": a.commune, "Code postal": a.commune_postal_code or "",
                "Code Insee": a.commune_insee or ""}

    def _person_values(self, person) -> tuple:
        """The beneficiary columns (``BENEFICIARY_COLUMNS``) of a followed beneficiary (a row of
        ``BENEFICIARY_FIELDS``)."""
        return (Beneficiary.display_name.fget(person),  # the property reads first_name, last_name and id
                person.commune, person.postal_code or "", person.commune_insee or "",
                self._label(ref.GENRE, person.genre) or self.unknown[ref.GENRE],
                self._label(ref.TRANCHE_AGE, person.tranche_age) or self.unknown[ref.TRANCHE_AGE],
                self._label(ref.STATUT_SOCIAL, person.statut_social) or self.unknown[ref.STATUT_SOCIAL])

    def _anonymous_values(self, a) -> tuple:
        """The beneficiary columns of an anonymous individual accompaniment: the minimal data kept on the
        activity. (An anonymous participant of a workshop: ``anonymous_participant``, nothing known.)"""
        return (ANONYMOUS, a.beneficiary_commune, a.beneficiary_postal_code or "", a.beneficiary_commune_insee or "",
                self._label(ref.GENRE, a.beneficiary_genre) or self.unknown[ref.GENRE],
                self._label(ref.TRANCHE_AGE, a.beneficiary_tranche_age) or self.unknown[ref.TRANCHE_AGE],
                self._label(ref.STATUT_SOCIAL, a.beneficiary_statut_social) or self.unknown[ref.STATUT_SOCIAL])


def row_count(session: Session, viewer: User, filters: ActivityFilters) -> int:
    """The number of export rows (one per individual accompaniment, one per workshop participant)."""
    sub = visible_activities(viewer, filters).order_by(None).subquery()
    per_activity = case((and_(sub.c.kind == ref.TYPE_COLLECTIF, sub.c.participants > 1), sub.c.participants),
                        else_=1)
    return int(session.execute(select(func.coalesce(func.sum(per_activity), 0))).scalar_one())


def row_chunks(session: Session, viewer: User, filters: ActivityFilters, builder: RowBuilder, *,
               chunk_size: int = CHUNK_SIZE) -> Iterator[list[list[Any]]]:
    """The export rows, a chunk of ``chunk_size`` activities at a time (never the whole result in memory)."""
    stmt = activity_rows(viewer, filters).execution_options(yield_per=chunk_size)
    for partition in session.execute(stmt).partitions(chunk_size):
        builder.load_chunk(partition)
        rows: list[list[Any]] = []
        for activity in partition:
            rows.extend(builder.rows(activity))
        yield rows
