"""Places (lieux de médiation numérique): service, pages, open data, CLI and API."""

import csv
import io
import json
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.http import http_date

from coopnum.core import clock, settings
from coopnum.core import services as core_services
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog
from coopnum.organisations import lamednum
from coopnum.organisations.models import Place
from coopnum.organisations.services import places as services
from tests import days, factories
from tests.conftest import login, text_of

DAY = factories.LAST_MONTH_10TH
NOW = days.at(DAY, 10, 30)  # the places are saved at a past instant (not the clock's): their date_maj is DAY


def full_values(**overrides) -> dict:
    values = {
        "nom": "Médiathèque de Testville – Espace numérique",
        "organisation_id": None,
        "pivot": "",
        "typologie": ["BIB"],
        "structure_parente": "Ville de Testville",
        "itinerance": ["Fixe"],
        "published": True,
        "adresse": "4 rue de l'Université",
        "complement_adresse": "Rez-de-chaussée, salle 2",
        "code_postal": "86000",
        "commune": "Poitiers",
        "code_insee": "86194",
        "latitude": "46,5835",
        "longitude": "0.3472",
        "telephone": "05 49 52 31 51",
        "courriels": ["numerique@testville.fr", "accueil@testville.fr"],
        "site_web": ["https://www.testville.fr/"],
        "prise_rdv": "https://rdv.testville.fr/numerique",
        "horaires": "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off",
        "presentation_resume": "Permanences numériques gratuites : démarches en ligne, courriel, smartphone.",
        "presentation_detail": "Un médiateur vous reçoit avec ou sans rendez-vous.",
        "services": ["Aide aux démarches administratives", "Compréhension du monde numérique"],
        "publics_specifiquement_adresses": ["Seniors"],
        "prise_en_charge_specifique": ["Illettrisme"],
        "modalites_acces": ["Se présenter", "Ce lieu n\u2019accueille pas de public"],
        "modalites_accompagnement": ["Accompagnement individuel"],
        "frais_a_charge": ["Gratuit"],
        "fiche_acces_libre": "https://acceslibre.beta.gouv.fr/app/86-poitiers/a/bibliotheque/erp/mediatheque/",
        "dispositif_programmes_nationaux": ["Conseillers numériques", "Aidants Connect"],
        "formations_labels": ["Étapes numériques (La Poste)"],
        "autres_formations_labels": "",
    }
    values.update(overrides)
    return values


def form_data(**overrides) -> dict:
    """What a browser posts for a full place (lists as repeated keys, booleans as 'y')."""
    values = full_values(**overrides)
    values["modalites_acces"] = ["Se présenter", "Ce lieu n'accueille pas de public"]
    values["formations_labels"] = ["Étapes numériques(La Poste)"]
    values["courriels"] = "\n".join(values["courriels"])
    values["site_web"] = "\n".join(values["site_web"])
    values["organisation_id"] = values["organisation_id"] or 0
    if values.pop("published"):
        values["published"] = "y"
    return values


def bearer(clear: str) -> dict:
    return {"Authorization": f"Bearer {clear}"}


def token(session, user) -> str:
    _token, clear = core_services.create_token(session, user, user, "test", now=clock.now())
    session.commit()
    return clear


def audit_actions(session, place_id) -> list[str]:
    return list(session.execute(
        select(AuditLog.action).where(AuditLog.object_type == "Place", AuditLog.object_id == str(place_id))
        .order_by(AuditLog.id)
    ).scalars())


# --- service ----------------------------------------------------------------------------------------------------

def test_a_full_place_validates_and_exports(session, users):
    org = factories.organisation(session, name="Ville de Poitiers")
    place = services.create_place(session, users["coordinator"], full_values(organisation_id=org.id), now=NOW)
    session.commit()
    assert place.name.startswith("Médiathèque") and place.city == "Poitiers" and place.postal_code == "86000"
    assert place.telephone == "+33549523151"
    assert place.latitude == Decimal("46.583500")
    assert place.modalites_acces == ["Se présenter", "Ce lieu n'accueille pas de public"]
    assert place.formations_labels == ["Étapes numériques(La Poste)"]
    assert place.pivot is None

    rows = services.export_rows(session)
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == lamednum.FIELDS
    assert lamednum.validate_row(row, strict=True) == []
    assert row["id"] == f"coopnum-coopnum-{place.id}"
    assert row["pivot"] == org.siret
    assert row["source"] == "coopnum"
    assert row["date_maj"] == DAY.isoformat()
    assert row["nom"] == "Médiathèque de Testville – Espace numérique"
    assert row["courriels"] == "numerique@testville.fr|accueil@testville.fr"
    assert row["latitude"] == "46.5835" and row["longitude"] == "0.3472"
    assert row["services"] == "Aide aux démarches administratives|Compréhension du monde numérique"
    assert audit_actions(session, place.id) == ["create"]


def test_pivot_comes_from_the_place_then_the_organisation_then_zeros(session, users):
    org = factories.organisation(session)
    own = services.create_place(session, users["coordinator"], full_values(nom="A", pivot="W861234567"), now=NOW)
    inherited = services.create_place(session, users["coordinator"], full_values(nom="B", organisation_id=org.id),
                                      now=NOW)
    orphan = services.create_place(session, users["coordinator"], full_values(nom="C"), now=NOW)
    session.commit()
    pivots = {row["nom"]: row["pivot"] for row in services.export_rows(session, source="Coop Vienne")}
    assert pivots == {"A": "W861234567", "B": org.siret, "C": "00000000000000"}
    ids = {row["id"] for row in services.export_rows(session, source="Coop Vienne")}
    assert ids == {f"coopnum-coop-vienne-{p.id}" for p in (own, inherited, orphan)}


def test_archived_and_unpublished_places_are_not_exported(session, users):
    actor = users["coordinator"]
    kept = services.create_place(session, actor, full_values(nom="Publié"), now=NOW)
    hidden = services.create_place(session, actor, full_values(nom="Non publié", published=False), now=NOW)
    archived = services.create_place(session, actor, full_values(nom="Archivé"), now=NOW)
    services.archive_place(session, actor, archived, now=NOW)
    session.commit()
    assert [row["nom"] for row in services.export_rows(session)] == ["Publié"]
    assert audit_actions(session, archived.id) == ["create", "archive"]
    services.restore_place(session, actor, archived, now=NOW)
    session.commit()
    assert sorted(row["nom"] for row in services.export_rows(session)) == ["Archivé", "Publié"]
    assert kept.id and hidden.id


@pytest.mark.parametrize(("overrides", "field", "expected"), [
    ({"code_postal": "8600"}, "code_postal", "doit comporter 5 chiffres"),
    ({"code_insee": "2C123"}, "code_insee", "doit être un code INSEE"),
    ({"telephone": "05 49 52"}, "telephone", "un seul numéro au format international"),
    ({"horaires": "lundi matin"}, "horaires", "« lundi » n'est pas un jour reconnu"),
    ({"services": ["Cours de cuisine"]}, "services", "valeur non autorisée : « Cours de cuisine »"),
    ({"presentation_resume": "x" * 281}, "presentation_resume", "ne doit pas dépasser 280 caractères"),
    ({"courriels": ["pas-un-courriel"]}, "courriels", "adresse invalide"),
    ({"site_web": ["www.testville.fr"]}, "site_web", "http ou https"),
    ({"pivot": "21930048000016"}, "pivot", "clé de contrôle"),
    ({"nom": ""}, "nom", "est obligatoire"),
    ({"nom": "x" * 201}, "nom", "ne doit pas dépasser 200 caractères"),
    ({"latitude": "nord"}, "latitude", "doit être un nombre"),
    ({"latitude": "123"}, "latitude", "entre -90 et 90"),
    ({"longitude": ""}, "longitude", "la latitude et la longitude"),
])
def test_bad_values_are_refused_with_french_messages_per_field(session, users, overrides, field, expected):
    with pytest.raises(DomainError) as info:
        services.create_place(session, users["coordinator"], full_values(**overrides), now=NOW)
    assert expected in info.value.details["fields"][field]
    assert info.value.field == field
    session.rollback()
    assert session.execute(select(func.count()).select_from(Place)).scalar_one() == 0


def test_unknown_field_and_unknown_organisation_are_refused(session, users):
    with pytest.raises(DomainError, match="Champs inconnus : name"):
        services.create_place(session, users["coordinator"], {"name": "x"}, now=NOW)
    with pytest.raises(DomainError, match="Structure inconnue"):
        services.create_place(session, users["coordinator"], full_values(organisation_id=9999), now=NOW)


def test_update_records_only_the_changes_and_moves_date_maj(session, users):
    place = services.create_place(session, users["coordinator"], full_values(), now=NOW)
    session.commit()
    later_day = DAY + timedelta(days=13)
    later = days.at(later_day, 10)
    services.update_place(session, users["coordinator"], place, {"commune": "Buxerolles", "code_postal": "86180"},
                          now=later)
    session.commit()
    assert place.city == "Buxerolles" and place.date_maj == later_day
    entry = session.execute(select(AuditLog).where(AuditLog.action == "update")).scalar_one()
    assert entry.changes == {"before": {"code_postal": "86000", "commune": "Poitiers"},
                             "after": {"code_postal": "86180", "commune": "Buxerolles"}}
    # nothing changed: no audit entry, date_maj kept
    services.update_place(session, users["coordinator"], place, {"commune": "Buxerolles"},
                          now=days.NOW)
    session.commit()
    assert audit_actions(session, place.id) == ["create", "update"]
    assert place.date_maj == later_day


def test_failed_update_changes_nothing(session, users):
    place = services.create_place(session, users["coordinator"], full_values(), now=NOW)
    session.commit()
    with pytest.raises(DomainError):
        services.update_place(session, users["coordinator"], place, {"commune": "Ailleurs", "code_postal": "1"},
                              now=NOW)
    assert place.city == "Poitiers"


def test_demo_places_are_valid_and_all_exported(app, session):
    from coopnum.demo import DemoContext, seed_core
    from coopnum.organisations.demo_places import enrich_demo_places

    ctx = DemoContext(rng=random.Random(2026), now=NOW)
    seed_core(ctx)
    enrich_demo_places(ctx)
    session.commit()
    rows = services.export_rows(session)
    assert len(rows) == len(ctx.places) >= 12
    assert lamednum.validate_rows(rows, strict=True) == []
    for row in rows:
        assert row["code_postal"].startswith("86") and row["code_insee"].startswith("86")
        assert 46.0 < float(row["latitude"]) < 47.2 and 0.0 < float(row["longitude"]) < 1.3
        assert row["telephone"].startswith("+3354") and row["courriels"] and row["presentation_detail"]
        assert row["publics_specifiquement_adresses"] and row["fiche_acces_libre"] == ""
    by_name = {row["nom"]: row for row in rows}
    assert by_name["Espace numérique de Buxerolles"]["commune"] == "Buxerolles"
    assert by_name["France Services de Civray"]["typologie"] == "RFS"


# --- pages ------------------------------------------------------------------------------------------------------

def test_list_search_and_filters(client, session, users):
    org = factories.organisation(session, name="Ville de Châtellerault")
    factories.place(session, organisation=org, name="Médiathèque de Châtellerault", city="Châtellerault",
                    postal_code="86100")
    factories.place(session, name="Mairie de Loudun", city="Loudun", postal_code="86200", published=False)
    factories.place(session, name="Ancien local", archived=True)
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/places"))
    assert "Médiathèque de Châtellerault" in page and "Mairie de Loudun" in page and "Ancien local" not in page
    assert "/open-data/lieux.csv" in page and "/open-data/lieux.json" in page
    assert "Nouveau lieu" in page
    page = text_of(client.get("/missions/places?q=loudun"))
    assert "Mairie de Loudun" in page and "Médiathèque de Châtellerault" not in page
    page = text_of(client.get(f"/missions/places?organisation={org.id}"))
    assert "Médiathèque de Châtellerault" in page and "Mairie de Loudun" not in page
    page = text_of(client.get("/missions/places?commune=Loudun"))
    assert "Mairie de Loudun" in page and "Médiathèque de Châtellerault" not in page
    page = text_of(client.get("/missions/places?published=0"))
    assert "Mairie de Loudun" in page and "Médiathèque de Châtellerault" not in page
    page = text_of(client.get("/missions/places?archived=1"))
    assert "Ancien local" in page and "Mairie de Loudun" not in page


def test_list_is_paginated(client, session, users):
    for n in range(30):
        factories.place(session, name=f"Lieu {n:02d}")
    session.commit()
    login(client, users["mediator"])
    first = text_of(client.get("/missions/places"))
    assert "Lieu 00" in first and "Lieu 29" not in first and "30 résultats" in first
    assert "Lieu 29" in text_of(client.get("/missions/places?page=2"))
    assert "Nouveau lieu" not in first and "/open-data/lieux.csv" not in first


def test_menu_entry_for_coordinator_and_mediator(client, users):
    login(client, users["mediator"])
    assert 'href="/missions/places"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, users["authority"])
    assert 'href="/missions/places"' not in client.get("/").get_data(as_text=True)


def test_authority_sees_only_its_organisation(client, session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    login(client, users["authority"])
    page = text_of(client.get("/missions/places"))
    assert "Médiathèque de Testville" in page and "Mairie Voisine" not in page
    assert text_of(client.get("/missions/places?q=Voisine")).count("Mairie Voisine") == 0
    assert client.get(f"/missions/places/{ids['own_place']}").status_code == 200
    assert client.get(f"/missions/places/{ids['other_place']}").status_code == 403
    assert client.get(f"/missions/places/{ids['own_place']}/edit").status_code == 403
    assert client.post(f"/missions/places/{ids['own_place']}/archive").status_code == 403


def test_create_a_place_through_the_form(client, session, users):
    org = factories.organisation(session, name="Ville de Poitiers")
    session.commit()
    login(client, users["coordinator"])
    form = text_of(client.get("/missions/places/new"))
    for legend in ("Identité", "Adresse", "Contact", "Horaires", "Présentation", "Services et publics",
                   "Modalités", "Labels"):
        assert f"<strong>{legend}</strong>" in form
    assert "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00" in form
    assert 'type="checkbox"' in form and "Maîtrise des outils numériques du quotidien" in form
    assert "Ce lieu n’accueille pas de public" in form  # the display label, typographic apostrophe
    response = client.post("/missions/places/new", data=form_data(organisation_id=org.id))
    assert response.status_code == 302, text_of(response).split("<main")[1][:3000]
    place = session.execute(select(Place)).scalar_one()
    assert response.headers["Location"].endswith(f"/missions/places/{place.id}")
    assert place.organisation_id == org.id and place.telephone == "+33549523151"
    assert place.courriels == ["numerique@testville.fr", "accueil@testville.fr"]
    assert place.formations_labels == ["Étapes numériques(La Poste)"]
    assert place.published is True
    assert audit_actions(session, place.id) == ["create"]


@pytest.mark.parametrize(("overrides", "field", "expected"), [
    ({"code_postal": "8600"}, "code_postal", "Le code postal doit comporter 5 chiffres."),
    ({"code_insee": "860"}, "code_insee", "Le code INSEE comporte 5 caractères"),
    ({"telephone": "05 49 52"}, "telephone", "Numéro de téléphone invalide"),
    ({"horaires": "Mo 9h-12h"}, "horaires", "« 9h-12h » n'est pas une plage horaire au format HH:MM-HH:MM"),
    ({"services": ["Cours de cuisine"]}, "services", "Valeur non autorisée : « Cours de cuisine »."),
    ({"presentation_resume": "x" * 281}, "presentation_resume", "ne doit pas dépasser 280 caractères"),
    # checked by the service (strict schema check), shown next to the field with its French label
    ({"courriels": "pas-un-courriel"}, "courriels", "Le champ « Courriels » contient une adresse invalide"),
    ({"pivot": "21930048000016"}, "pivot", "clé de contrôle incorrecte"),
    ({"latitude": "46.58", "longitude": ""}, "longitude", "Indiquez la latitude et la longitude"),
])
def test_bad_input_shows_a_french_message_next_to_the_field(client, session, users, overrides, field, expected):
    login(client, users["coordinator"])
    response = client.post("/missions/places/new", data=form_data(**overrides))
    assert response.status_code == 400
    page = text_of(response)
    start = page.index(f'id="{field}-error"')
    assert expected in page[start:start + 400]
    assert session.execute(select(func.count()).select_from(Place)).scalar_one() == 0


def test_edit_a_place(client, session, users):
    place = services.create_place(session, users["coordinator"], full_values(typologie=["BIB", "LEGACY"]), now=NOW)
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/places/{place.id}/edit"))
    assert 'value="Poitiers"' in page and "numerique@testville.fr\naccueil@testville.fr" in page
    assert '<option selected value="LEGACY">LEGACY</option>' in page  # an unknown typology code stays selectable
    response = client.post(f"/missions/places/{place.id}/edit",
                           data=form_data(typologie=["BIB", "LEGACY"], horaires="Tu,Th 14:00-18:00",
                                          services=["Loisirs et créations numériques"]))
    assert response.status_code == 302
    session.expire_all()
    place = session.get(Place, place.id)
    assert place.horaires == "Tu,Th 14:00-18:00" and place.services == ["Loisirs et créations numériques"]
    assert place.typologie == ["BIB", "LEGACY"]
    assert audit_actions(session, place.id) == ["create", "update"]
    bad = client.post(f"/missions/places/{place.id}/edit", data=form_data(horaires="tous les jours"))
    assert bad.status_code == 400 and "n'est pas un jour reconnu" in text_of(bad)


def test_detail_page_in_french(client, session, users):
    place = services.create_place(session, users["coordinator"], full_values(), now=NOW)
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/places/{place.id}"))
    assert "Lundi–Vendredi 09:00–12:00, 14:00–17:00 ; Samedi 09:00–12:00 ; Jours fériés : fermé" in page
    assert "https://www.openstreetmap.org/?mlat=46.583500&mlon=0.347200" in page
    assert "Bibliothèque / Médiathèque" in page
    assert "Étapes numériques (La Poste)" in page and "Ce lieu n’accueille pas de public" in page
    assert "Publics spécifiquement adressés" in page and "Seniors" in page
    assert "tel:+33549523151" in page and "mailto:numerique@testville.fr" in page
    assert "00000000000000" in page
    assert f"coopnum-coopnum-{place.id}" in page
    assert "Modifier" not in page and "Archiver" not in page  # mediators read only
    assert "openstreetmap.org/" in page and "tile" not in page


def test_detail_without_coordinates_has_no_map_link(client, session, users):
    place = factories.place(session, name="Sans coordonnées")
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/places/{place.id}"))
    assert "Sans coordonnées" in page and "openstreetmap" not in page and "Modifier" in page


def test_archive_and_restore_through_the_pages(client, session, users):
    place = services.create_place(session, users["coordinator"], full_values(), now=NOW)
    session.commit()
    login(client, users["coordinator"])
    assert client.post(f"/missions/places/{place.id}/archive").status_code == 302
    session.expire_all()
    assert session.get(Place, place.id).archived is True
    assert place.name not in text_of(client.get("/missions/places"))
    assert place.name not in client.get("/open-data/lieux.csv").get_data(as_text=True)
    assert client.post(f"/missions/places/{place.id}/restore").status_code == 302
    session.expire_all()
    assert session.get(Place, place.id).archived is False
    assert audit_actions(session, place.id) == ["create", "archive", "restore"]


def test_mediator_cannot_create_or_edit(client, session, users):
    place = factories.place(session)
    session.commit()
    login(client, users["mediator"])
    assert client.get("/missions/places/new").status_code == 403
    assert client.post("/missions/places/new", data=form_data()).status_code == 403
    assert client.post(f"/missions/places/{place.id}/edit", data=form_data()).status_code == 403
    assert client.get("/missions/places/999999").status_code == 404


# --- open data ----------------------------------------------------------------------------------------------------

def test_open_data_csv(client, session, users, app):
    app.config.update(COOPNUM_NAME="Coop Vienne", COOPNUM_SIRET="21860194400013", COOPNUM_TERRITORY="Vienne (86)")
    org = factories.organisation(session)
    place = services.create_place(session, users["coordinator"], full_values(organisation_id=org.id), now=NOW)
    services.create_place(session, users["coordinator"], full_values(nom="Caché", published=False), now=NOW)
    session.commit()
    response = client.get("/open-data/lieux.csv")  # no login
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{DAY.isoformat()}_21860194400013_lieux-de-mediation-numerique_vienne-86.csv"'
    )
    assert "public" in response.headers["Cache-Control"] and "max-age=3600" in response.headers["Cache-Control"]
    assert response.headers["Last-Modified"] == http_date(NOW)  # « Tue, 10 Nov 2026 09:30:00 GMT »
    text = response.get_data(as_text=True)
    header, _, _rest = text.partition("\r\n")
    assert header.split(",") == lamednum.FIELDS and len(lamednum.FIELDS) == 32
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["nom"] for r in rows] == [place.name]
    assert rows[0]["id"] == f"coopnum-coop-vienne-{place.id}" and rows[0]["source"] == "Coop Vienne"
    assert lamednum.validate_rows(rows, strict=True) == []
    again = client.get("/open-data/lieux.csv", headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert again.status_code == 304


def test_open_data_csv_name_carries_the_cooperative_siret(client, session, users, app):
    app.config.update(COOPNUM_NAME="Coop Vienne", COOPNUM_SIRET="", COOPNUM_TERRITORY="Vienne (86)")
    services.create_place(session, users["coordinator"], full_values(), now=NOW)
    session.commit()
    # No SIRET anywhere: a name without it (not fourteen zeros).
    response = client.get("/open-data/lieux.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{DAY.isoformat()}_lieux-de-mediation-numerique_vienne-86.csv"')
    assert "00000000000000" not in response.headers["Content-Disposition"]
    # The cooperative's SIRET of the billing settings (the one its invoices print).
    settings.set_value(session, None, "company.siret", "73282932000074", now=NOW)
    session.commit()
    response = client.get("/open-data/lieux.csv")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{DAY.isoformat()}_73282932000074_lieux-de-mediation-numerique_vienne-86.csv"')


def test_open_data_json(client, session, users):
    place = services.create_place(session, users["coordinator"], full_values(), now=NOW)
    session.commit()
    response = client.get("/open-data/lieux.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "max-age=3600" in response.headers["Cache-Control"] and response.headers["Last-Modified"]
    data = json.loads(response.get_data(as_text=True))
    assert [list(item) for item in data] == [lamednum.FIELDS]
    assert data[0]["nom"] == place.name and data[0]["latitude"] == 46.5835 and data[0]["prise_rdv"]
    assert data[0]["autres_formations_labels"] is None
    assert lamednum.from_json(response.get_data(as_text=True))[0]["id"] == f"coopnum-coopnum-{place.id}"


def test_open_data_when_empty(client):
    response = client.get("/open-data/lieux.csv")
    assert response.status_code == 200 and response.get_data(as_text=True) == ",".join(lamednum.FIELDS) + "\r\n"
    assert "Last-Modified" not in response.headers
    assert client.get("/open-data/lieux.json").get_data(as_text=True) == "[]"


# --- CLI ------------------------------------------------------------------------------------------------------------

def test_cli_exports_csv_and_json(app, session, users, tmp_path):
    place = services.create_place(session, users["coordinator"], full_values(), now=NOW)
    services.create_place(session, users["coordinator"], full_values(nom="Caché", published=False), now=NOW)
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "places", "--format", "csv"])
    assert result.exit_code == 0, result.output
    text = result.stdout_bytes.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["nom"] for r in rows] == [place.name]
    assert text.startswith(",".join(lamednum.FIELDS) + "\r\n")
    result = runner.invoke(args=["export", "places", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["nom"] == place.name
    out = tmp_path / "lieux.csv"
    result = runner.invoke(args=["export", "places", "--out", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("id,pivot,nom,")
    assert "1 lieu exporté" in result.output
    assert runner.invoke(args=["export", "places", "--format", "xml"]).exit_code != 0


def test_export_leaves_out_an_invalid_row_and_says_why(app, session, users):
    good = services.create_place(session, users["coordinator"], full_values(), now=NOW)
    broken = factories.place(session, name="Vieux lieu", postal_code="860")  # saved before the rules existed
    session.commit()
    rows, problems = services.export_report(session)
    assert [row["nom"] for row in rows] == [good.name]
    assert problems and f"Lieu {broken.id} « Vieux lieu »" in problems[0] and "code_postal" in problems[0]
    result = app.test_cli_runner().invoke(args=["export", "places"])
    assert result.exit_code == 0 and "Vieux lieu" in result.stderr and "Vieux lieu" not in result.stdout


# --- API ------------------------------------------------------------------------------------------------------------

def test_api_list_and_filters(client, session, users):
    ids = factories.world(session, users, billing=False)
    factories.place(session, name="Espace Loudun", city="Loudun", postal_code="86200")
    clear = token(session, users["mediator"])
    response = client.get("/api/v1/places", headers=bearer(clear))
    assert response.status_code == 200
    assert response.json["total"] == 3 and response.json["page"] == 1
    item = next(i for i in response.json["items"] if i["id"] == ids["own_place"])
    assert item["nom"] == "Médiathèque de Testville" and item["commune"] == "Poitiers"
    assert item["organisation_name"] == "Ville de Testville" and item["pivot_export"]
    assert "name" not in item and "city" not in item
    names = [i["nom"] for i in client.get("/api/v1/places?q=loudun", headers=bearer(clear)).json["items"]]
    assert names == ["Espace Loudun"]
    names = [i["nom"] for i in client.get(f"/api/v1/places?organisation_id={ids['other_org']}",
                                          headers=bearer(clear)).json["items"]]
    assert names == ["Mairie Voisine"]
    assert client.get("/api/v1/places?commune=LOUDUN", headers=bearer(clear)).json["total"] == 1
    assert client.get("/api/v1/places?per_page=1&page=2", headers=bearer(clear)).json["pages"] == 3


def test_api_authority_sees_its_organisation_only(client, session, users):
    ids = factories.world(session, users, billing=False)
    clear = token(session, users["authority"])
    items = client.get("/api/v1/places", headers=bearer(clear)).json["items"]
    assert [i["id"] for i in items] == [ids["own_place"]]
    assert client.get(f"/api/v1/places?organisation_id={ids['other_org']}", headers=bearer(clear)).json["total"] == 0
    assert client.get(f"/api/v1/places/{ids['own_place']}", headers=bearer(clear)).status_code == 200
    other = client.get(f"/api/v1/places/{ids['other_place']}", headers=bearer(clear))
    assert other.status_code == 404 and other.json["error"]["code"] == "not_found"
    assert client.patch(f"/api/v1/places/{ids['own_place']}", json={"nom": "x"},
                        headers=bearer(clear)).status_code == 403


def test_api_roles(client, session, users):
    assert client.get("/api/v1/places").status_code == 401
    assert client.get("/api/v1/places", headers=bearer(token(session, users["member"]))).status_code == 403
    mediator = token(session, users["mediator"])
    response = client.post("/api/v1/places", json={"nom": "x"}, headers=bearer(mediator))
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_api_create_and_patch(client, session, users):
    clear = token(session, users["coordinator"])
    body = full_values(latitude=46.5835, longitude=0.3472, modalites_acces=["Se présenter"],
                       formations_labels=["Étapes numériques(La Poste)"])
    body.pop("organisation_id")
    response = client.post("/api/v1/places", json=body, headers=bearer(clear))
    assert response.status_code == 201, response.json
    created = response.json
    assert created["nom"] == body["nom"] and created["telephone"] == "+33549523151"
    assert created["latitude"] == 46.5835 and created["published"] is True and created["date_maj"]
    place_id = created["id"]
    response = client.patch(f"/api/v1/places/{place_id}", json={"commune": "Buxerolles", "code_postal": "86180"},
                            headers=bearer(clear))
    assert response.status_code == 200
    assert response.json["commune"] == "Buxerolles" and response.json["nom"] == body["nom"]
    assert response.json["horaires"] == body["horaires"]  # untouched by the PATCH
    assert audit_actions(session, place_id) == ["create", "update"]
    fetched = client.get(f"/api/v1/places/{place_id}", headers=bearer(clear)).json
    assert fetched == response.json
    assert client.patch("/api/v1/places/999999", json={}, headers=bearer(clear)).status_code == 404


@pytest.mark.parametrize(("body", "field", "expected"), [
    ({"code_postal": "8600"}, "code_postal", "Le champ « code_postal » doit comporter 5 chiffres."),
    ({"code_insee": "2C123"}, "code_insee", "« code_insee » doit être un code INSEE"),
    ({"telephone": "12"}, "telephone", "« telephone » doit contenir un seul numéro"),
    ({"horaires": "lundi matin"}, "horaires", "« lundi » n'est pas un jour reconnu"),
    ({"latitude": 46.5}, "longitude", "Indiquez la latitude et la longitude"),
])
def test_api_refuses_bad_values_with_french_messages_naming_the_fields(client, session, users, body, field,
                                                                        expected):
    clear = token(session, users["coordinator"])
    base = {"nom": "Lieu", "adresse": "1 rue Carnot", "code_postal": "86000", "commune": "Poitiers"}
    response = client.post("/api/v1/places", json={**base, **body}, headers=bearer(clear))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid" and error["field"] == field
    assert expected in error["message"] and expected in error["details"]["fields"][field]
    assert session.execute(select(func.count()).select_from(Place)).scalar_one() == 0


def test_api_schema_errors(client, session, users):
    clear = token(session, users["coordinator"])
    response = client.post("/api/v1/places", json={"nom": "Lieu", "services": ["Cours de cuisine"],
                                                   "name": "x"}, headers=bearer(clear))
    assert response.status_code == 422
    fields = response.json["error"]["details"]["fields"]
    assert fields["services.0"] == "valeur non autorisée"
    assert fields["name"] == "champ inconnu"
    assert fields["adresse"] == "champ obligatoire"
    assert "services.0" in response.json["error"]["message"]
    place = factories.place(session)
    session.commit()
    response = client.patch(f"/api/v1/places/{place.id}", json={"nom": None}, headers=bearer(clear))
    assert response.status_code == 422 and "« nom » est obligatoire" in response.json["error"]["message"]


def test_openapi_documents_the_places_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    assert set(doc["paths"]["/api/v1/places"]) == {"get", "post"}
    assert set(doc["paths"]["/api/v1/places/{place_id}"]) == {"get", "patch"}
    assert doc["paths"]["/api/v1/places"]["get"]["tags"] == ["places"]
    create = doc["components"]["schemas"]["PlaceCreate"]
    assert set(create["required"]) == {"nom", "adresse", "code_postal", "commune"}
    assert "postal_code" in create["properties"]["code_postal"]["description"]
    assert "PlacePublic" in doc["components"]["schemas"] and "PlaceUpdate" in doc["components"]["schemas"]
