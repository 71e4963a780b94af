"""Open-data export of mediation places (LaMednum schema v1.0.2): coopnum.organisations.lamednum.

The module is pure (no clock, no database): its functions take explicit dates, so the fixed dates here (date_maj,
file names) are the point and never meet the pinned clock."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from coopnum.organisations import lamednum
from coopnum.organisations.lamednum import (
    ENUMS,
    FIELDS,
    FORMATIONS_LABELS,
    MODALITES_ACCES,
    REQUIRED,
    SERVICES,
    TYPOLOGIES,
    describe_opening_hours,
    enum_values_from_pattern,
    export_filename,
    field_errors,
    from_json,
    label,
    normalize_phone,
    place_row,
    to_csv,
    to_json,
    validate_opening_hours,
    validate_row,
    validate_rows,
    write_csv,
)


def _schema_file() -> dict[str, Any]:
    """The packaged schema, read directly (not through the module under test)."""
    text = (
        resources.files("coopnum.organisations").joinpath("data", "lamednum-lieux-schema.json").read_text("utf-8")
    )
    return json.loads(text)


def _pattern(name: str) -> re.Pattern[str]:
    field = next(field for field in _schema_file()["fields"] if field["name"] == name)
    return re.compile(field["constraints"]["pattern"])


def mairie_values(**overrides: Any) -> dict[str, Any]:
    """The Hôtel de ville of Montreuil (Seine-Saint-Denis) as the app would hand it over."""
    values: dict[str, Any] = {
        "id": "coopnum-lieu-12",
        "pivot": "219 300 480 00015",
        "nom": "Mairie de Montreuil – Espace numérique",
        "commune": "Montreuil",
        "code_postal": "93100",
        "code_insee": "93048",
        "adresse": "1 place Jean-Jaurès",
        "complement_adresse": "Rez-de-chaussée, accueil, salle 4",
        "latitude": Decimal("48.861600"),
        "longitude": 2.4432,
        "typologie": ["MUNI"],
        "telephone": "01 48 70 60 00",
        "courriels": ["numerique@montreuil.fr", "accueil@montreuil.fr"],
        "site_web": ["https://www.montreuil.fr/"],
        "horaires": "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off",
        "presentation_resume": "Permanences numériques gratuites : démarches en ligne, courriel, smartphone.",
        "presentation_detail": "Un médiateur de la coopérative vous reçoit avec ou sans rendez-vous.",
        "source": "Coopérative coopnum",
        "itinerance": ["Fixe"],
        "structure_parente": "Ville de Montreuil",
        "date_maj": date(2024, 5, 2),
        "services": [
            "Aide aux démarches administratives",
            "Maîtrise des outils numériques du quotidien",
            "Compréhension du monde numérique",
        ],
        "publics_specifiquement_adresses": ["Seniors"],
        "prise_en_charge_specifique": ["Illettrisme", "Langues étrangères (autres)"],
        "frais_a_charge": ["Gratuit"],
        "dispositif_programmes_nationaux": ["Conseillers numériques", "Aidants Connect"],
        "formations_labels": ["Formé à « Mon Espace Santé »"],
        "autres_formations_labels": "",
        "modalites_acces": ["Se présenter", "Téléphoner"],
        "modalites_accompagnement": ["Accompagnement individuel", "Dans un atelier collectif"],
        "fiche_acces_libre": "https://acceslibre.beta.gouv.fr/app/93-montreuil/a/mairie/erp/hotel-de-ville/",
        "prise_rdv": None,
    }
    values.update(overrides)
    return values


@pytest.fixture
def row() -> dict[str, str]:
    return place_row(mairie_values())


# --- schema -------------------------------------------------------------------------------------------------


def test_fields_follow_schema_order() -> None:
    names = [field["name"] for field in _schema_file()["fields"]]
    assert len(FIELDS) == 32
    assert FIELDS == names
    assert FIELDS[:3] == ["id", "pivot", "nom"] and FIELDS[-1] == "prise_rdv"


def test_required_fields_match_schema() -> None:
    required = [f["name"] for f in _schema_file()["fields"] if f.get("constraints", {}).get("required")]
    assert list(REQUIRED) == required
    assert set(REQUIRED) == {"id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"}


def test_schema_is_loaded_once_and_is_the_packaged_v1_0_2() -> None:
    assert lamednum.schema() is lamednum.schema()
    assert lamednum.SCHEMA is lamednum.schema()
    assert lamednum.SCHEMA == _schema_file()
    assert lamednum.SCHEMA["version"] == lamednum.SCHEMA_VERSION == "v1.0.2"


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enumerations_are_exactly_the_schema_regex_alternatives(name: str) -> None:
    pattern = _pattern(name)
    values = ENUMS[name]
    assert enum_values_from_pattern(pattern.pattern) == values
    for value in values:
        assert pattern.fullmatch(value), value
    assert pattern.fullmatch("|".join(values))
    assert not pattern.fullmatch("Valeur inventée")


def test_enumeration_pitfalls_follow_the_regex_not_the_descriptions() -> None:
    assert "Compréhension du monde numérique" in SERVICES
    assert not _pattern("services").fullmatch("Comprehension du monde numérique")
    # v1.0.2 bug: no space before the parenthesis in the regex.
    assert "Étapes numériques(La Poste)" in FORMATIONS_LABELS
    assert not _pattern("formations_labels").fullmatch("Étapes numériques (La Poste)")
    assert label("Étapes numériques(La Poste)") == "Étapes numériques (La Poste)"
    # ASCII apostrophe in the schema; the typographic one is rejected.
    assert "Ce lieu n'accueille pas de public" in MODALITES_ACCES
    assert not _pattern("modalites_acces").fullmatch("Ce lieu n\u2019accueille pas de public")
    assert lamednum.MODALITES_ACCOMPAGNEMENT == (
        "En autonomie",
        "Accompagnement individuel",
        "Dans un atelier collectif",
        "À distance",
    )
    assert len(SERVICES) == 9 and len(lamednum.DISPOSITIFS) == 11 and len(FORMATIONS_LABELS) == 10


def test_typologies_are_data_inclusion_codes_with_french_labels() -> None:
    assert 28 <= len(TYPOLOGIES) <= 40
    assert TYPOLOGIES["BIB"] == "Bibliothèque / Médiathèque"
    assert TYPOLOGIES["CS"] == "Centre social"
    assert TYPOLOGIES["FT"] == "France Travail"
    assert "Mairie" in TYPOLOGIES["MUNI"]
    assert "France Services" in TYPOLOGIES["RFS"]
    assert {"ACI", "ASSO", "CAF", "CCAS", "TIERS_LIEUX", "EPN", "MJC"} <= set(TYPOLOGIES)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", code) for code in TYPOLOGIES)
    assert lamednum.choices(TYPOLOGIES)[0] == ("ACI", TYPOLOGIES["ACI"])


# --- building a row -----------------------------------------------------------------------------------------


def test_full_mairie_row_is_valid(row: dict[str, str]) -> None:
    assert list(row) == FIELDS
    assert all(isinstance(value, str) for value in row.values())
    assert validate_row(row) == []
    assert validate_row(row, strict=True) == []
    assert row["pivot"] == "21930048000015"
    assert row["latitude"] == "48.8616"
    assert row["longitude"] == "2.4432"
    assert row["telephone"] == "+33148706000"
    assert row["date_maj"] == "2024-05-02"
    assert row["courriels"] == "numerique@montreuil.fr|accueil@montreuil.fr"
    assert row["services"] == (
        "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien"
        "|Compréhension du monde numérique"
    )
    assert row["prise_rdv"] == "" and row["autres_formations_labels"] == ""


def test_place_row_formats_values() -> None:
    row = place_row(
        {
            "id": 7,
            "latitude": 1e-05,
            "longitude": "2,35",
            "date_maj": datetime(2024, 1, 31, 23, 59),
            "services": ("Loisirs et créations numériques", "Loisirs et créations numériques", " "),
            "nom": "  Médiathèque  ",
        }
    )
    assert row["id"] == "7"
    assert row["latitude"] == "0.00001"
    assert row["longitude"] == "2.35"
    assert row["date_maj"] == "2024-01-31"
    assert row["services"] == "Loisirs et créations numériques"
    assert row["nom"] == "Médiathèque"
    assert row["code_insee"] == "" and row["typologie"] == ""


def test_place_row_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="code_postale"):
        place_row({"code_postale": "93100"})


def test_apostrophes_and_spellings_are_normalised_for_enums_only() -> None:
    row = place_row(
        mairie_values(
            nom="Mairie de L\u2019Haÿ-les-Roses",
            modalites_acces=["Ce lieu n\u2019accueille pas de public"],
            dispositif_programmes_nationaux="Point d\u2019accès numérique CAF",
            formations_labels=["Étapes numériques (La Poste)", "Formé à\u00a0« Mon Espace Santé\u202f»"],
            services=["Comprehension du monde numérique", "Compréhension et usage critique du numérique"],
            modalites_accompagnement=[
                "Dans un atelier collectif : j\u2019apprends collectivement à utiliser le numérique",
                "À distance (par téléphone ou en visioconférence)",
            ],
            publics_specifiquement_adresses=unicodedata.normalize("NFD", "Étudiants"),
        )
    )
    assert row["modalites_acces"] == "Ce lieu n'accueille pas de public"
    assert row["dispositif_programmes_nationaux"] == "Point d'accès numérique CAF"
    assert row["formations_labels"] == "Étapes numériques(La Poste)|Formé à « Mon Espace Santé »"
    assert row["services"] == "Compréhension du monde numérique"
    assert row["modalites_accompagnement"] == "Dans un atelier collectif|À distance"
    assert row["publics_specifiquement_adresses"] == "Étudiants"
    assert row["nom"] == "Mairie de L\u2019Haÿ-les-Roses"  # free text keeps its typography
    assert validate_row(row) == []
    assert label("Ce lieu n'accueille pas de public") == "Ce lieu n\u2019accueille pas de public"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01 23 45 67 89", "+33123456789"),
        ("01.23.45.67.89", "+33123456789"),
        ("+33 (0)1 23 45 67 89", "+33123456789"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("0590 12 34 56", "+590590123456"),
        ("0692 12 34 56", "+262692123456"),
        ("3939", "3939"),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("nom", "", "Le champ « nom » est obligatoire."),
        ("date_maj", "   ", "Le champ « date_maj » est obligatoire."),
        ("code_postal", "9310", "Le champ « code_postal » doit comporter 5 chiffres."),
        ("code_postal", "93 100", "Le champ « code_postal » doit comporter 5 chiffres."),
        ("code_insee", "2C123", "« code_insee » doit être un code INSEE"),
        ("code_insee", "20004", "« code_insee » doit être un code INSEE"),
        ("pivot", "1234", "« pivot » doit être un SIRET"),
        ("telephone", "01 23 45 67 89", "« telephone » doit contenir un seul numéro au format international"),
        ("telephone", "+33123456789|+33123456780", "« telephone » doit contenir un seul numéro"),
        (
            "services",
            "Aide aux démarches administratives|Cours de cuisine",
            "valeur non autorisée : « Cours de cuisine »",
        ),
        ("services", "Aide aux démarches administratives||Payant", "valeur vide"),
        ("itinerance", "Mobile", "« itinerance » contient une valeur non autorisée : « Mobile »"),
        (
            "modalites_acces",
            "Ce lieu n\u2019accueille pas de public",
            "« modalites_acces » contient une valeur non autorisée",
        ),
        (
            "presentation_resume",
            "x" * 281,
            "« presentation_resume » ne doit pas dépasser 280 caractères (actuellement 281)",
        ),
        ("date_maj", "02/05/2024", "« date_maj » doit être une date valide au format AAAA-MM-JJ"),
        ("date_maj", "2024-02-30", "« date_maj » doit être une date valide"),
        ("date_maj", "20240502", "« date_maj » doit être une date valide"),
        ("latitude", "48,86", "« latitude » doit être un nombre"),
        ("latitude", "123.4", "« latitude » doit être compris entre -90 et 90"),
        ("longitude", "NaN", "« longitude » doit être un nombre"),
    ],
)
def test_each_violation_is_reported_on_its_field(
    row: dict[str, str], field: str, value: str, expected: str
) -> None:
    row[field] = value
    errors = field_errors(row)
    assert list(errors) == [field]
    assert any(expected in message for message in errors[field]), errors
    assert any(expected in message for message in validate_row(row))


def test_valid_edge_values_pass(row: dict[str, str]) -> None:
    for field, value in [
        ("code_insee", "2A004"),  # Ajaccio
        ("code_insee", "97411"),  # Saint-Denis (La Réunion)
        ("pivot", "W931234567"),  # RNA
        ("telephone", "+262262123456"),
        ("latitude", "-21.1151"),
        ("presentation_resume", "é" * 280),
        ("services", "|".join(SERVICES)),
    ]:
        candidate = dict(row, **{field: value})
        assert validate_row(candidate) == [], (field, value)


def test_missing_column_counts_as_empty_and_unknown_column_is_reported(row: dict[str, str]) -> None:
    del row["id"]
    row["identifiant"] = "x"
    assert validate_row(row) == [
        "Le champ « identifiant » n'existe pas dans le schéma.",
        "Le champ « id » est obligatoire.",
    ]


def test_strict_mode_checks_what_the_schema_only_describes(row: dict[str, str]) -> None:
    bad = dict(
        row,
        horaires="lundi matin",
        courriels="accueil@montreuil.fr|pas-un-courriel",
        site_web="www.montreuil.fr",
        pivot="21930048000016",
    )
    assert validate_row(bad) == []  # all of this is schema-valid
    strict = field_errors(bad, strict=True)
    assert set(strict) == {"horaires", "courriels", "site_web", "pivot"}
    assert "« lundi » n'est pas un jour reconnu" in strict["horaires"][0]
    assert "« pas-un-courriel »" in strict["courriels"][0]
    assert "clé de contrôle" in strict["pivot"][0]


def test_validate_rows_numbers_lines_and_checks_unique_ids(row: dict[str, str]) -> None:
    second = dict(row, code_postal="931")
    assert validate_rows([row, second]) == [
        "Ligne 2 : Le champ « code_postal » doit comporter 5 chiffres.",
        "Ligne 2 : l'identifiant « coopnum-lieu-12 » est déjà utilisé ligne 1.",
    ]


# --- output -------------------------------------------------------------------------------------------------


def test_csv_has_exact_header_and_pipe_joined_values(row: dict[str, str]) -> None:
    text = to_csv([row])
    header, _, rest = text.partition("\r\n")
    assert header == ",".join(FIELDS)
    assert header.startswith(
        "id,pivot,nom,commune,code_postal,code_insee,adresse,complement_adresse,latitude,"
    )
    assert '"Rez-de-chaussée, accueil, salle 4"' in rest  # comma → quoted
    assert ",Seniors," in rest  # no comma → not quoted
    assert "Conseillers numériques|Aidants Connect" in rest
    assert "48.8616,2.4432" in rest
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert parsed == [row]


def test_write_csv_to_a_file_object(row: dict[str, str]) -> None:
    buffer = io.StringIO(newline="")
    write_csv([row, dict(row, id="coopnum-lieu-13")], buffer)
    lines = buffer.getvalue().split("\r\n")
    assert lines[0] == ",".join(FIELDS)
    assert len(lines) == 4 and lines[-1] == ""
    with pytest.raises(ValueError):
        write_csv([dict(row, inconnu="x")], io.StringIO())


def test_json_round_trips_with_nulls_and_numbers(row: dict[str, str]) -> None:
    other = place_row(
        {"id": "b", "nom": "Bus numérique", "itinerance": "Itinérant", "date_maj": date(2024, 1, 2)}
    )
    text = to_json([row, other])
    data = json.loads(text)
    assert [list(item) for item in data] == [FIELDS, FIELDS]
    assert data[0]["latitude"] == 48.8616 and data[0]["longitude"] == 2.4432
    assert data[0]["services"].split("|")[0] == "Aide aux démarches administratives"
    assert data[0]["prise_rdv"] is None
    assert data[1]["latitude"] is None and data[1]["itinerance"] == "Itinérant"
    assert "numérique" in text and "\\u00e9" not in text  # real UTF-8, no \u escapes
    assert from_json(text) == [row, other]


def test_to_json_refuses_a_non_numeric_coordinate(row: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="latitude"):
        to_json([dict(row, latitude="nord")])


def test_export_filename() -> None:
    assert (
        export_filename("219 300 480 00015", "Seine-Saint-Denis (93)", date(2024, 5, 2))
        == "2024-05-02_21930048000015_lieux-de-mediation-numerique_seine-saint-denis-93.csv"
    )
    assert export_filename("W931234567", "Côte-d'Or", date(2025, 1, 9)).endswith(
        "_W931234567_lieux-de-mediation-numerique_cote-d-or.csv"
    )
    with pytest.raises(ValueError):
        export_filename("1234", "Montreuil", date(2024, 5, 2))
    # No producer yet (the cooperative's SIRET is not set): the part is left out, never a string of zeros.
    assert export_filename(None, "Vienne", date(2024, 5, 2)) == "2024-05-02_lieux-de-mediation-numerique_vienne.csv"
    assert export_filename("", "Vienne", date(2024, 5, 2)) == "2024-05-02_lieux-de-mediation-numerique_vienne.csv"
    with pytest.raises(ValueError):
        export_filename("21930048000015", "—", date(2024, 5, 2))


# --- opening hours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
        "Tu,Th 14:00-18:00",
        "Mo-Fr 08:30-12:00; PH off",
        "24/7",
        "off",
        "Mo-Fr 09:00-12:00, 14:00-18:30; Sa 08:30-12:00",
        "Mo-Fr 09:00-17:00; We 09:00-12:00",
        'Mo,We 14:00-17:00 "sur rendez-vous"',
        "Jul-Aug Mo-Fr 10:00-12:00; Su,PH off",
        "Mo 18:00-24:00",
        "",
    ],
)
def test_valid_opening_hours(text: str) -> None:
    assert validate_opening_hours(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lundi matin", "« lundi » n'est pas un jour reconnu"),
        ("Mo-Fr 25:00-26:00", "« 25:00 » n'est pas une heure valide"),
        ("Mo 09:00-12:60", "« 12:60 » n'est pas une heure valide"),
        ("Mo 14:00-09:00", "l'heure de fin doit être après l'heure de début"),
        ("Mo 9h-12h", "format HH:MM-HH:MM"),
        ("Mo-Fr", "précisez les horaires"),
        ("Mo 09:00-12:00,11:00-13:00", "se chevauchent"),
        ("Mo-Fr 09:00-12:00; Mo-Fr 14:00-17:00", "la seconde remplace la première"),
        ('Mo 09:00-12:00 "non fermé', "n'est pas refermé"),
        ("Mo-Fr 09:00-12:00 || PH off", "n'est pas compris"),
    ],
)
def test_invalid_opening_hours(text: str, expected: str) -> None:
    message = validate_opening_hours(text)
    assert message is not None
    assert expected.lower() in message.lower()
    assert not message[0].islower() and message.endswith(".")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
            "Lundi–Vendredi 09:00–12:00, 14:00–17:00 ; Samedi 09:00–12:00",
        ),
        ("Tu,Th 14:00-18:00", "Mardi, Jeudi 14:00–18:00"),
        ("Mo-Fr 08:30-12:00; PH off", "Lundi–Vendredi 08:30–12:00 ; Jours fériés : fermé"),
        ("24/7", "Ouvert 24 h/24, 7 j/7"),
        ("off", "Fermé"),
        ("10:00-18:00", "Tous les jours 10:00–18:00"),
        ('We 14:00-17:00 "sur rendez-vous"', "Mercredi 14:00–17:00 (sur rendez-vous)"),
        ("lundi matin", "lundi matin"),
    ],
)
def test_describe_opening_hours_in_french(text: str, expected: str) -> None:
    assert describe_opening_hours(text) == expected
