"""Reference lists of activity reports (La Coop de la médiation numérique): coopnum.activities.cra_reference."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from coopnum.activities import cra_reference as cra
from coopnum.activities.cra_reference import (
    AUTONOMIE,
    DURATION_PRESETS,
    DUREE,
    DUREE_TRANCHES,
    EXPORT_COLUMNS,
    EXPORT_COLUMNS_COORDINATION,
    GENRE,
    MATERIEL,
    NIVEAU_ATELIER,
    STATUT_SOCIAL,
    STRUCTURE_REDIRECTION,
    THEMATIQUE,
    THEMATIQUE_DEMARCHE,
    TRANCHE_AGE,
    TYPE_ACTIVITE,
    TYPE_LIEU,
    RefItem,
    duration_band,
    export_columns,
    items,
    label,
    validate_activity,
    values,
)

SHARED_JSON = Path("/work/shared/domain/reference/coop-cra-enums.json")


# --- Data file and loading. ---


def test_packaged_json_is_readable_and_complete() -> None:
    text = resources.files("coopnum.activities").joinpath("data", "coop-cra-enums.json").read_text("utf-8")
    data = json.loads(text)
    assert data["_meta"]["repo"] == "inclusion-numerique/coop-mediation-numerique"
    assert set(data) - {"_meta"} == set(data["_meta"]["lists"])


@pytest.mark.skipif(not SHARED_JSON.exists(), reason="shared reference not available")
def test_packaged_json_is_an_unmodified_copy() -> None:
    packaged = resources.files("coopnum.activities").joinpath("data", "coop-cra-enums.json").read_bytes()
    assert packaged == SHARED_JSON.read_bytes()


def test_load_is_cached() -> None:
    assert cra.load() is cra.load()


# --- Lists and counts stated in coop-cra.md. ---


@pytest.mark.parametrize(
    ("list_name", "count"),
    [
        (TYPE_ACTIVITE, 2),
        (TYPE_LIEU, 4),
        (MATERIEL, 5),
        (THEMATIQUE, 19),
        (THEMATIQUE_DEMARCHE, 11),
        (AUTONOMIE, 3),
        (STRUCTURE_REDIRECTION, 7),
        (NIVEAU_ATELIER, 3),
        (GENRE, 3),
        (TRANCHE_AGE, 8),
        (STATUT_SOCIAL, 5),
        (DUREE_TRANCHES, 4),
        (DUREE, 7),  # 6 presets + "personnaliser"
        ("oui_non", 2),
    ],
)
def test_list_counts(list_name: str, count: int) -> None:
    assert len(items(list_name)) == count
    assert len(values(list_name)) == count
    assert len(set(values(list_name))) == count


def test_list_constants_map_to_json_keys() -> None:
    assert (TYPE_ACTIVITE, DUREE, TYPE_LIEU, MATERIEL) == (
        "type_activite",
        "duree_accompagnement",
        "type_lieu",
        "materiel",
    )
    assert (THEMATIQUE, THEMATIQUE_DEMARCHE, AUTONOMIE, STRUCTURE_REDIRECTION) == (
        "thematique",
        "thematique_demarche_administrative",
        "autonomie",
        "structure_de_redirection",
    )
    assert (NIVEAU_ATELIER, GENRE, TRANCHE_AGE, STATUT_SOCIAL) == (
        "niveau_atelier",
        "genre",
        "tranche_age",
        "statut_social",
    )
    assert "export_columns" not in cra.LIST_NAMES and "_meta" not in cra.LIST_NAMES
    assert THEMATIQUE in cra.LIST_NAMES and "type_structure_partenaire" in cra.LIST_NAMES


def test_items_are_typed_and_in_display_order() -> None:
    first, *_, last = items(THEMATIQUE)
    assert first == RefItem(
        value="DiagnosticNumerique",
        label="Diagnostic numérique",
        api="diagnostic_numerique",
        extras={"db": "diagnostic_numerique"},
    )
    assert (last.value, last.label) == (
        "AideAuxDemarchesAdministratives",
        "Aide aux démarches administratives",
    )
    assert values(TYPE_ACTIVITE) == ("Individuel", "Collectif")
    assert values(TYPE_LIEU) == ("LieuActivite", "Autre", "Domicile", "ADistance")
    assert values(MATERIEL) == ("Ordinateur", "Telephone", "Tablette", "Autre", "Aucun")
    assert values(THEMATIQUE_DEMARCHE)[0] == "PapiersElectionsCitoyennete"
    assert values(THEMATIQUE_DEMARCHE)[-1] == "Associations"
    assert values(TRANCHE_AGE)[0] == "SoixanteDixPlus" and values(TRANCHE_AGE)[-1] == "NonCommunique"


def test_items_extras() -> None:
    assert [item.extras["stars"] for item in items(AUTONOMIE)] == [1, 2, 3]
    assert [item.extras["stars"] for item in items(NIVEAU_ATELIER)] == [1, 2, 3]
    assert [item.extras["label_sexe"] for item in items(GENRE)] == ["Homme", "Femme", "Non communiqué"]
    assert items(TYPE_ACTIVITE)[1].extras["label_pluriel"] == "Participants aux ateliers"
    assert items("oui_non")[0].api is None


def test_items_extras_mutation_does_not_leak() -> None:
    items(AUTONOMIE)[0].extras["stars"] = 99
    assert items(AUTONOMIE)[0].extras["stars"] == 1


def test_ref_items_are_hashable_and_frozen() -> None:
    item = items(GENRE)[0]
    assert item in set(items(GENRE))
    with pytest.raises(AttributeError):
        item.label = "x"  # type: ignore[misc]


def test_unknown_list_raises_clear_key_error() -> None:
    with pytest.raises(KeyError, match="Liste de référence CRA inconnue.*'thematiques'.*thematique"):
        items("thematiques")
    with pytest.raises(KeyError, match="inconnue"):
        values("export_columns")
    with pytest.raises(KeyError, match="inconnue"):
        label("_meta", "repo")


def test_label_lookup_and_unknown_value() -> None:
    assert label(TYPE_ACTIVITE, "Collectif") == "Atelier collectif"
    assert label(MATERIEL, "Aucun") == "Pas de matériel"
    assert label(AUTONOMIE, "EntierementAccompagne") == "Avec guidage"
    assert label(STATUT_SOCIAL, "NonCommunique") == "Non communiqué ou hétérogène"
    with pytest.raises(KeyError, match="Valeur inconnue dans la liste 'genre'"):
        label(GENRE, "Homme")


def test_labels_keep_typographic_apostrophes_and_nbsp() -> None:
    assert label(TYPE_LIEU, "LieuActivite") == "Lieu d\u2019activité"
    assert label(STRUCTURE_REDIRECTION, "AideSociale").startswith("Structure d\u2019aide sociale")
    assert label(DUREE_TRANCHES, "30") == "Moins de 30\u00a0min"
    every_label = [item.label for name in cra.LIST_NAMES for item in items(name)]
    assert not any("'" in text for text in every_label)
    assert "Tranche d\u2019âge du bénéficiaire" in EXPORT_COLUMNS


# --- Durations. ---


def test_duration_presets() -> None:
    assert DURATION_PRESETS == (15, 30, 45, 60, 90, 120)
    assert label(DUREE, "90") == "1h30"
    assert values(DUREE)[-1] == "personnaliser"


@pytest.mark.parametrize(
    ("minutes", "band"),
    [
        (0, "30"),
        (1, "30"),
        (29, "30"),
        (30, "60"),
        (59, "60"),
        (60, "120"),
        (119, "120"),
        (120, "more"),
        (1439, "more"),
    ],
)
def test_duration_band_boundaries(minutes: int, band: str) -> None:
    assert duration_band(minutes) == band


def test_duration_band_labels_and_errors() -> None:
    assert label(DUREE_TRANCHES, duration_band(45)) == "30min à 1\u00a0h"
    assert label(DUREE_TRANCHES, duration_band(240)) == "2\u00a0h et plus"
    with pytest.raises(ValueError):
        duration_band(-1)
    with pytest.raises(TypeError):
        duration_band("45")  # type: ignore[arg-type]


# --- Export columns. ---

ALL_COLUMNS = [
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Prénom du médiateur",
    "Nom du médiateur",
    "Rôle",
    "ID - Conum",
    "Type",
    "Participants",
    "Bénéficiaire",
    "Canaux d\u2019accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l\u2019atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d\u2019accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d\u2019autonomie (ou de l\u2019atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d\u2019âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Notes supplémentaires",
    "Source de la donnée",
    "ID CRA",
]
BY_OTHER = ["Prénom du médiateur", "Nom du médiateur", "Rôle", "ID - Conum"]
SELF = ["Bénéficiaire", "Notes supplémentaires"]
V1 = ["Source de la donnée"]


def test_export_columns_documented_order() -> None:
    assert list(EXPORT_COLUMNS) == ALL_COLUMNS
    assert export_columns(by_other=True, self_export=True, with_v1_source=True) == ALL_COLUMNS


def test_export_columns_always_present() -> None:
    minimal = export_columns(by_other=False, self_export=False, with_v1_source=False)
    assert minimal == [c for c in ALL_COLUMNS if c not in BY_OTHER + SELF + V1]
    assert len(minimal) == 27
    assert minimal[0] == "Date" and minimal[-1] == "ID CRA"


def test_export_columns_self_export() -> None:
    columns = export_columns(by_other=False, self_export=True, with_v1_source=False)
    assert columns[columns.index("Participants") + 1] == "Bénéficiaire"
    assert columns[-2:] == ["Notes supplémentaires", "ID CRA"]
    assert not set(BY_OTHER) & set(columns)
    assert "Source de la donnée" not in columns


def test_export_columns_by_other() -> None:
    columns = export_columns(by_other=True, self_export=False, with_v1_source=False)
    assert columns[3:8] == BY_OTHER + ["Type"]
    assert not set(SELF) & set(columns)


def test_export_columns_v1_source() -> None:
    columns = export_columns(by_other=False, self_export=False, with_v1_source=True)
    assert columns[-2:] == ["Source de la donnée", "ID CRA"]
    assert not set(BY_OTHER + SELF) & set(columns)


def test_export_columns_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        export_columns(True, True, True)  # type: ignore[misc]


def test_coordination_export_columns() -> None:
    assert len(EXPORT_COLUMNS_COORDINATION) == 20
    assert EXPORT_COLUMNS_COORDINATION[0] == "Date de l\u2019activité"
    assert EXPORT_COLUMNS_COORDINATION[-1] == "ID CRA"


# --- validate_activity: one test per rule. ---


def individuel(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "Individuel",
        "duree": 45,
        "type_lieu": "LieuActivite",
        "lieu": 12,
        "materiel": ["Ordinateur", "Telephone"],
        "thematiques": ["Email", "AideAuxDemarchesAdministratives"],
        "thematiques_demarche": ["Logement"],
        "precisions_demarche": "Demande de logement social",
        "autonomie": "PartiellementAutonome",
        "structure_de_redirection": "AideSociale",
        "genre": "Feminin",
        "tranche_age": "SoixanteDixPlus",
        "statut_social": "Retraite",
    }
    data.update(changes)
    return data


def collectif(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "Collectif",
        "duree": "90",
        "type_lieu": "Autre",
        "lieu_commune": "75056",
        "materiel": ["Tablette"],
        "thematiques": ["SecuriteNumerique"],
        "titre_atelier": "Repérer les arnaques",
        "niveau_atelier": "Debutant",
        "participants": 8,
    }
    data.update(changes)
    return data


def test_valid_activities() -> None:
    assert validate_activity(individuel()) == []
    assert validate_activity(collectif()) == []
    minimal = {"type": "Individuel", "duree": 15, "type_lieu": "ADistance", "thematiques": ["Email"]}
    assert validate_activity(minimal) == []


def test_rule_type_required() -> None:
    assert (
        validate_activity(
            individuel(
                type="Collectif", autonomie=None, titre_atelier="T", participants=2, niveau_atelier=None
            )
        )
        == []
    )
    assert "Le type d’activité est obligatoire." in validate_activity(individuel(type=None))
    assert "Le type d’activité est obligatoire." in validate_activity(individuel(type=""))
    assert "Type d’activité inconnu : Demarche" in validate_activity(individuel(type="Demarche"))


@pytest.mark.parametrize("good", [1, 15, "30", 1439])
def test_rule_duration_valid(good: object) -> None:
    assert validate_activity(individuel(duree=good)) == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "La durée est obligatoire."),
        (0, "La durée doit être supérieure à 0 minute."),
        (-5, "La durée doit être supérieure à 0 minute."),
        (1440, "La durée ne peut pas dépasser 23 h 59."),
        ("1h", "La durée doit être un nombre entier de minutes."),
        (True, "La durée doit être un nombre entier de minutes."),
    ],
)
def test_rule_duration_invalid(bad: object, message: str) -> None:
    assert validate_activity(individuel(duree=bad)) == [message]


def test_rule_at_least_one_digital_theme() -> None:
    assert (
        validate_activity(individuel(thematiques=["Email"], thematiques_demarche=[], precisions_demarche=""))
        == []
    )
    message = "Au moins une thématique de médiation numérique est obligatoire."
    assert message in validate_activity(
        individuel(thematiques=[], thematiques_demarche=[], precisions_demarche=None)
    )
    assert message in validate_activity(collectif(thematiques=None))


def test_rule_administrative_themes_need_aide_aux_demarches() -> None:
    assert (
        validate_activity(
            individuel(thematiques=["AideAuxDemarchesAdministratives"], precisions_demarche=None)
        )
        == []
    )
    errors = validate_activity(individuel(thematiques=["Email"], precisions_demarche=None))
    assert errors == [
        "Les thématiques de démarche administrative supposent la thématique "
        "« Aide aux démarches administratives »."
    ]


def test_rule_procedure_name_needs_aide_aux_demarches() -> None:
    assert validate_activity(individuel(thematiques_demarche=[])) == []
    errors = validate_activity(individuel(thematiques=["Email"], thematiques_demarche=[]))
    assert errors == [
        "Le nom de la démarche administrative suppose la thématique « Aide aux démarches administratives »."
    ]


def test_rule_autonomy_only_for_individual() -> None:
    assert validate_activity(individuel(autonomie="Autonome")) == []
    assert validate_activity(collectif(autonomie="Autonome")) == [
        "Le niveau d’autonomie ne concerne que les accompagnements individuels."
    ]


def test_rule_workshop_title_required_for_collective_only() -> None:
    assert validate_activity(collectif(titre_atelier="Atelier mails")) == []
    assert validate_activity(collectif(titre_atelier="  ")) == [
        "Le titre de l’atelier est obligatoire pour un atelier collectif."
    ]
    assert validate_activity(individuel(titre_atelier="Atelier mails")) == [
        "Le titre de l’atelier ne concerne que les ateliers collectifs."
    ]


def test_rule_workshop_level_only_for_collective() -> None:
    assert validate_activity(collectif(niveau_atelier="Avance")) == []
    assert validate_activity(collectif(niveau_atelier=None)) == []
    assert validate_activity(individuel(niveau_atelier="Avance")) == [
        "Le niveau de l’atelier ne concerne que les ateliers collectifs."
    ]


def test_rule_collective_needs_a_participant() -> None:
    assert validate_activity(collectif(participants=1)) == []
    assert validate_activity(collectif(participants="12")) == []
    for bad in (0, None):
        assert validate_activity(collectif(participants=bad)) == [
            "Un atelier collectif compte au moins un participant."
        ]
    assert validate_activity(collectif(participants="beaucoup")) == [
        "Le nombre de participants doit être un nombre entier."
    ]


def test_rule_individual_has_one_beneficiary() -> None:
    assert validate_activity(individuel(participants=1)) == []
    assert validate_activity(individuel(participants=3)) == [
        "Un accompagnement individuel concerne un seul bénéficiaire."
    ]


def test_rule_place_type_required() -> None:
    assert validate_activity(individuel(type_lieu="ADistance", lieu=None)) == []
    assert validate_activity(individuel(type_lieu=None)) == ["Le type de lieu est obligatoire."]


def test_rule_lieu_activite_requires_a_place() -> None:
    assert validate_activity(individuel(type_lieu="LieuActivite", lieu="abc")) == []
    assert validate_activity(individuel(type_lieu="LieuActivite", lieu=None)) == [
        "Le lieu d’activité est obligatoire pour une activité sur un lieu d’activité."
    ]


@pytest.mark.parametrize("type_lieu", ["Domicile", "Autre"])
def test_rule_domicile_and_autre_require_a_commune(type_lieu: str) -> None:
    assert validate_activity(individuel(type_lieu=type_lieu, lieu=None, lieu_commune="69123")) == []
    assert validate_activity(individuel(type_lieu=type_lieu, lieu=None)) == [
        f"La commune est obligatoire pour le type de lieu « {label(TYPE_LIEU, type_lieu)} »."
    ]


@pytest.mark.parametrize(
    ("key", "good", "bad", "message"),
    [
        ("type_lieu", "ADistance", "Visio", "Type de lieu inconnu : Visio"),
        ("materiel", ["Aucun"], ["Ordinateur", "Smartphone"], "Matériel inconnu : Smartphone"),
        (
            "thematiques",
            ["CultureNumerique", "AideAuxDemarchesAdministratives"],
            ["AideAuxDemarchesAdministratives", "Courriel"],
            "Thématique inconnue : Courriel",
        ),
        (
            "thematiques_demarche",
            ["Justice"],
            ["Impots"],
            "Thématique de démarche administrative inconnue : Impots",
        ),
        ("autonomie", "EntierementAccompagne", "Seul", "Niveau d’autonomie inconnu : Seul"),
        ("structure_de_redirection", "Autre", "CAF", "Structure de redirection inconnue : CAF"),
        ("genre", "NonCommunique", "Homme", "Genre inconnu : Homme"),
        ("tranche_age", "MoinsDeDouze", "12-17", "Tranche d’âge inconnue : 12-17"),
        ("statut_social", "EnEmploi", "Etudiant", "Statut social inconnu : Etudiant"),
    ],
)
def test_rule_unknown_values_refused(key: str, good: object, bad: object, message: str) -> None:
    assert validate_activity(individuel(**{key: good})) == []
    assert message in validate_activity(individuel(**{key: bad}))


def test_rule_unknown_workshop_level_refused() -> None:
    assert validate_activity(collectif(niveau_atelier="Intermediaire")) == []
    assert validate_activity(collectif(niveau_atelier="Expert")) == ["Niveau d’atelier inconnu : Expert"]


def test_rule_values_are_national_identifiers_not_api_spellings() -> None:
    assert validate_activity(
        individuel(thematiques=["email"], thematiques_demarche=[], precisions_demarche=None)
    ) == ["Thématique inconnue : email"]


def test_multiple_errors_are_all_reported() -> None:
    errors = validate_activity({})
    assert errors == [
        "Le type d’activité est obligatoire.",
        "La durée est obligatoire.",
        "Le type de lieu est obligatoire.",
        "Au moins une thématique de médiation numérique est obligatoire.",
    ]
