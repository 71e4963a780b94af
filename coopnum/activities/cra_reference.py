"""Default reference lists of activity reports (CRA), from "La Coop de la médiation numérique".

Pure module: no Flask, no database. The data is ``coopnum/missions/data/coop-cra-enums.json``, an unmodified copy
of ``shared/domain/reference/coop-cra-enums.json`` (documented in ``coop-cra.md``). It is read once
(``functools.cache``), on import, because ``DURATION_PRESETS`` and ``EXPORT_COLUMNS`` are derived from it.

Typical use::

    items(THEMATIQUE)                       # (RefItem(value="DiagnosticNumerique", label=…, api=…), …)
    label(TYPE_LIEU, "Domicile")            # "À domicile"
    values(AUTONOMIE)                       # ("EntierementAccompagne", "PartiellementAutonome", "Autonome")
    duration_band(45)                       # "60"  (label(DUREE_TRANCHES, "60") == "30min à 1 h")
    export_columns(by_other=False, self_export=True, with_v1_source=False)
    validate_activity({...})                # French messages; an empty list means valid

Choices worth knowing:

* Values are the national tool's ``value`` (Prisma/TypeScript identifier, e.g. ``"LieuActivite"``), not the
  ``db``/``api`` snake_case spellings; ``RefItem.api`` and ``RefItem.extras["db"]`` give those.
* ``RefItem.extras`` holds every other key of the JSON item (``db``, ``stars``, ``label_pluriel``, ``slug``,
  ``label_sexe``, ``minutes``, ``short``, ``min``, ``max``). It is a fresh copy on each ``items()`` call, so
  mutating it never alters the reference data. It is excluded from the hash.
* Labels are returned exactly as in the JSON: typographic apostrophes (U+2019) and NBSPs (duration bands) kept.
* Only the enumeration lists are reachable through ``items()``; ``export_columns`` and
  ``export_columns_coordination`` are exposed as ``EXPORT_COLUMNS`` / ``export_columns()`` and
  ``EXPORT_COLUMNS_COORDINATION``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "AUTONOMIE",
    "DUREE",
    "DUREE_TRANCHES",
    "DURATION_PRESETS",
    "EXPORT_COLUMNS",
    "EXPORT_COLUMNS_COORDINATION",
    "GENRE",
    "LIST_NAMES",
    "MATERIEL",
    "MAX_DURATION_MINUTES",
    "NIVEAU_ATELIER",
    "OUI_NON",
    "RESOURCE",
    "RefItem",
    "STATUT_SOCIAL",
    "STRUCTURE_REDIRECTION",
    "THEMATIQUE",
    "THEMATIQUE_AIDE_DEMARCHES",
    "THEMATIQUE_DEMARCHE",
    "TRANCHE_AGE",
    "TYPE_ACTIVITE",
    "TYPE_COLLECTIF",
    "TYPE_INDIVIDUEL",
    "TYPE_LIEU",
    "duration_band",
    "export_columns",
    "items",
    "label",
    "load",
    "validate_activity",
    "values",
]

RESOURCE = "coop-cra-enums.json"

# --- List names used by the app (keys of the JSON file). ---
TYPE_ACTIVITE = "type_activite"
DUREE = "duree_accompagnement"
DUREE_TRANCHES = "duree_tranches_statistiques"
TYPE_LIEU = "type_lieu"
MATERIEL = "materiel"
THEMATIQUE = "thematique"
THEMATIQUE_DEMARCHE = "thematique_demarche_administrative"
AUTONOMIE = "autonomie"
STRUCTURE_REDIRECTION = "structure_de_redirection"
OUI_NON = "oui_non"
NIVEAU_ATELIER = "niveau_atelier"
GENRE = "genre"
TRANCHE_AGE = "tranche_age"
STATUT_SOCIAL = "statut_social"

# --- Values the validation rules refer to. ---
TYPE_INDIVIDUEL = "Individuel"
TYPE_COLLECTIF = "Collectif"
LIEU_ACTIVITE = "LieuActivite"
LIEUX_AVEC_COMMUNE = ("Domicile", "Autre")
THEMATIQUE_AIDE_DEMARCHES = "AideAuxDemarchesAdministratives"
MAX_DURATION_MINUTES = 23 * 60 + 59

_NON_ENUM_KEYS = frozenset({"_meta", "export_columns", "export_columns_coordination"})
_ITEM_KEYS = frozenset({"value", "label", "api"})


@dataclass(frozen=True)
class RefItem:
    value: str
    label: str
    api: str | None
    extras: dict = field(default_factory=dict, hash=False)


@cache
def load() -> dict[str, Any]:
    """The whole JSON file, read once from the package data. Treat it as read-only."""
    text = resources.files("coopnum.activities").joinpath("data", RESOURCE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _list_names() -> tuple[str, ...]:
    return tuple(name for name in load() if name not in _NON_ENUM_KEYS)


def _raw(list_name: str) -> list[dict[str, Any]]:
    if list_name not in _NON_ENUM_KEYS:
        raw = load().get(list_name)
        if isinstance(raw, list):
            return raw
    raise KeyError(
        f"Liste de référence CRA inconnue : {list_name!r} (listes disponibles : {', '.join(_list_names())})"
    )


def items(list_name: str) -> tuple[RefItem, ...]:
    """The items of a list, in the national tool's display order. KeyError for an unknown list."""
    return tuple(
        RefItem(
            value=str(raw["value"]),
            label=raw["label"],
            api=raw.get("api"),
            extras={key: val for key, val in raw.items() if key not in _ITEM_KEYS},
        )
        for raw in _raw(list_name)
    )


@cache
def _labels(list_name: str) -> dict[str, str]:
    return {str(raw["value"]): raw["label"] for raw in _raw(list_name)}


def values(list_name: str) -> tuple[str, ...]:
    """The values of a list, in display order. KeyError for an unknown list."""
    return tuple(_labels(list_name))


def label(list_name: str, value: str) -> str:
    """The French label of ``value`` in ``list_name``. KeyError for an unknown list or value."""
    labels = _labels(list_name)
    try:
        return labels[value]
    except KeyError:
        raise KeyError(f"Valeur inconnue dans la liste {list_name!r} : {value!r}") from None


LIST_NAMES: tuple[str, ...] = _list_names()

DURATION_PRESETS: tuple[int, ...] = tuple(
    int(raw["minutes"]) for raw in _raw(DUREE) if raw.get("minutes") is not None
)


def duration_band(minutes: int) -> str:
    """The statistics range of a duration: a value of ``DUREE_TRANCHES`` ("30", "60", "120" or "more").

    Ranges are half-open, ``min <= minutes < max``: 29 → "30" (Moins de 30 min), 30 → "60", 60 → "120",
    120 → "more" (2 h et plus).
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"Durée en minutes attendue (entier), reçu {minutes!r}")
    if minutes < 0:
        raise ValueError(f"Durée négative : {minutes}")
    for raw in _raw(DUREE_TRANCHES):
        low, high = raw["min"], raw["max"]
        if minutes >= low and (high is None or minutes < high):
            return str(raw["value"])
    raise ValueError(f"Aucune tranche de durée pour {minutes} min")  # pragma: no cover - ranges cover [0, ∞)


# --- Export columns ("Activités" worksheet). ---
_CONDITION_FLAGS = {
    "always": None,
    "export_by_other_user": "by_other",
    "self_export": "self_export",
    "has_cra_v1": "with_v1_source",
}


def _column_flag(condition: str) -> str | None:
    key = condition.split(" ", 1)[0]
    if key not in _CONDITION_FLAGS:
        raise ValueError(f"Condition de colonne d’export inconnue : {condition!r}")
    return _CONDITION_FLAGS[key]


EXPORT_COLUMNS: tuple[str, ...] = tuple(column["header"] for column in load()["export_columns"])
EXPORT_COLUMNS_COORDINATION: tuple[str, ...] = tuple(load()["export_columns_coordination"])


def export_columns(*, by_other: bool, self_export: bool, with_v1_source: bool) -> list[str]:
    """The "Activités" export columns present in a given export, in order.

    ``by_other``: someone other than the mediator exports (adds Prénom/Nom du médiateur, Rôle, ID - Conum);
    ``self_export``: the mediator exports their own activities (adds Bénéficiaire, Notes supplémentaires);
    ``with_v1_source``: the mediator has imported V1 CRAs (adds Source de la donnée).
    """
    flags = {"by_other": by_other, "self_export": self_export, "with_v1_source": with_v1_source}
    columns = []
    for column in load()["export_columns"]:
        flag = _column_flag(column["condition"])
        if flag is None or flags[flag]:
            columns.append(column["header"])
    return columns


# --- Validation of one activity report. ---
def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, (list, tuple, set, frozenset)) and not value)
    )


def _many(value: Any) -> list[str]:
    if _blank(value):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if not _blank(v)]
    return [str(value)]


def _integer(value: Any) -> int | None:
    """An int from an int or a string of digits; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


_UNKNOWN = {
    TYPE_ACTIVITE: "Type d’activité inconnu : {}",
    TYPE_LIEU: "Type de lieu inconnu : {}",
    MATERIEL: "Matériel inconnu : {}",
    THEMATIQUE: "Thématique inconnue : {}",
    THEMATIQUE_DEMARCHE: "Thématique de démarche administrative inconnue : {}",
    AUTONOMIE: "Niveau d’autonomie inconnu : {}",
    STRUCTURE_REDIRECTION: "Structure de redirection inconnue : {}",
    NIVEAU_ATELIER: "Niveau d’atelier inconnu : {}",
    GENRE: "Genre inconnu : {}",
    TRANCHE_AGE: "Tranche d’âge inconnue : {}",
    STATUT_SOCIAL: "Statut social inconnu : {}",
}

# Mapping key of validate_activity -> reference list, for the single-valued fields.
_SINGLE_FIELDS = {
    "type_lieu": TYPE_LIEU,
    "autonomie": AUTONOMIE,
    "structure_de_redirection": STRUCTURE_REDIRECTION,
    "niveau_atelier": NIVEAU_ATELIER,
    "genre": GENRE,
    "tranche_age": TRANCHE_AGE,
    "statut_social": STATUT_SOCIAL,
}
_MULTI_FIELDS = {"materiel": MATERIEL, "thematiques": THEMATIQUE, "thematiques_demarche": THEMATIQUE_DEMARCHE}


def validate_activity(values: Mapping[str, Any]) -> list[str]:
    """Check one activity against the national CRA rules; French messages, empty list if valid.

    Keys read (all optional in the mapping; values are the national ``value`` identifiers):

    ``type`` ("Individuel" | "Collectif"), ``duree`` (minutes, int or digits), ``type_lieu``, ``lieu`` (the
    place, required for "LieuActivite"), ``lieu_commune`` (required for "Domicile"/"Autre"), ``materiel``
    (list), ``thematiques`` (list, ≥ 1), ``thematiques_demarche`` (list), ``precisions_demarche`` (text),
    ``autonomie`` (individuel only), ``structure_de_redirection``, ``titre_atelier`` / ``niveau_atelier`` /
    ``participants`` (collectif only; title and ≥ 1 participant required), ``genre``, ``tranche_age``,
    ``statut_social``.
    """
    kind = values.get("type")
    errors = _type_errors(kind)
    if errors:
        kind = None  # missing or unknown: the rules of individuel / collectif do not apply
    errors += _duration_errors(values.get("duree"))
    chosen = {key: _many(values.get(key)) for key in _MULTI_FIELDS}
    errors += _unknown_value_errors(values, chosen)
    errors += _place_errors(values)
    errors += _theme_errors(values, chosen)
    errors += _kind_errors(values, kind)
    return errors


def _unknown(list_name: str, value: str) -> str | None:
    """The message for a value outside the list, or None if the list knows it."""
    if value in _labels(list_name):
        return None
    return _UNKNOWN[list_name].format(value)


def _type_errors(kind: Any) -> list[str]:
    """The type of activity: required, and one of the list."""
    if _blank(kind):
        return ["Le type d’activité est obligatoire."]
    message = _unknown(TYPE_ACTIVITE, str(kind))
    return [message] if message else []


def _duration_errors(raw_duree: Any) -> list[str]:
    """The duration: required, a whole number of minutes, more than 0 and less than a day."""
    if _blank(raw_duree):
        return ["La durée est obligatoire."]
    duree = _integer(raw_duree)
    if duree is None:
        return ["La durée doit être un nombre entier de minutes."]
    if duree <= 0:
        return ["La durée doit être supérieure à 0 minute."]
    if duree > MAX_DURATION_MINUTES:
        return ["La durée ne peut pas dépasser 23 h 59."]
    return []


def _unknown_value_errors(values: Mapping[str, Any], chosen: Mapping[str, list[str]]) -> list[str]:
    """The values outside their reference list: single-valued fields, then the lists ``chosen``."""
    found = [_unknown(list_name, str(values[key]))
             for key, list_name in _SINGLE_FIELDS.items() if not _blank(values.get(key))]
    found += [_unknown(list_name, value) for key, list_name in _MULTI_FIELDS.items() for value in chosen[key]]
    return [message for message in found if message]


def _place_errors(values: Mapping[str, Any]) -> list[str]:
    """The type of place (required), with the place or the commune it requires."""
    type_lieu = values.get("type_lieu")
    if _blank(type_lieu):
        return ["Le type de lieu est obligatoire."]
    if type_lieu == LIEU_ACTIVITE and _blank(values.get("lieu")):
        return ["Le lieu d’activité est obligatoire pour une activité sur un lieu d’activité."]
    if type_lieu in LIEUX_AVEC_COMMUNE and _blank(values.get("lieu_commune")):
        return [f"La commune est obligatoire pour le type de lieu « {label(TYPE_LIEU, type_lieu)} »."]
    return []


def _theme_errors(values: Mapping[str, Any], chosen: Mapping[str, list[str]]) -> list[str]:
    """At least one theme; the administrative procedure (themes, name) only with the theme of that help."""
    errors: list[str] = []
    if not chosen["thematiques"]:
        errors.append("Au moins une thématique de médiation numérique est obligatoire.")
    aide = label(THEMATIQUE, THEMATIQUE_AIDE_DEMARCHES)
    with_aide = THEMATIQUE_AIDE_DEMARCHES in chosen["thematiques"]
    if chosen["thematiques_demarche"] and not with_aide:
        errors.append(f"Les thématiques de démarche administrative supposent la thématique « {aide} ».")
    if not _blank(values.get("precisions_demarche")) and not with_aide:
        errors.append(f"Le nom de la démarche administrative suppose la thématique « {aide} ».")
    return errors


def _kind_errors(values: Mapping[str, Any], kind: str | None) -> list[str]:
    """The fields that only one type of activity has (``kind``: None when missing or unknown)."""
    errors: list[str] = []
    if kind is not None and kind != TYPE_INDIVIDUEL and not _blank(values.get("autonomie")):
        errors.append("Le niveau d’autonomie ne concerne que les accompagnements individuels.")
    if kind == TYPE_COLLECTIF:
        errors += _workshop_errors(values)
    elif kind == TYPE_INDIVIDUEL:
        errors += _individual_errors(values)
    return errors


def _workshop_errors(values: Mapping[str, Any]) -> list[str]:
    """A collective workshop: a title and at least one participant."""
    errors: list[str] = []
    if _blank(values.get("titre_atelier")):
        errors.append("Le titre de l’atelier est obligatoire pour un atelier collectif.")
    participants_raw = values.get("participants")
    participants = None if _blank(participants_raw) else _integer(participants_raw)
    if not _blank(participants_raw) and participants is None:
        errors.append("Le nombre de participants doit être un nombre entier.")
    elif participants is None or participants < 1:
        errors.append("Un atelier collectif compte au moins un participant.")
    return errors


def _individual_errors(values: Mapping[str, Any]) -> list[str]:
    """An individual accompaniment: no workshop title or level, a single beneficiary."""
    errors: list[str] = []
    if not _blank(values.get("titre_atelier")):
        errors.append("Le titre de l’atelier ne concerne que les ateliers collectifs.")
    if not _blank(values.get("niveau_atelier")):
        errors.append("Le niveau de l’atelier ne concerne que les ateliers collectifs.")
    participants_raw = values.get("participants")
    if not _blank(participants_raw) and _integer(participants_raw) != 1:
        errors.append("Un accompagnement individuel concerne un seul bénéficiaire.")
    return errors
