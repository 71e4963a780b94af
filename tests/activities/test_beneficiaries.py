"""Followed beneficiaries: minimal data, duplicate detection and merge, GDPR erasure on request and after the
retention period (setting, nightly job, CLI), and their pages."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from coopnum.activities import access
from coopnum.activities.models import Activity, ActivityBeneficiary, Beneficiary
from coopnum.activities.services import beneficiaries as service
from coopnum.activities.services.beneficiaries import BeneficiaryData, DuplicateBeneficiary
from coopnum.core import settings
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import AuditLog
from tests import days, factories
from tests.conftest import login, text_of

SEVENTY_SIX = days.TODAY.year - 76  # a birth year: « 70 ans et plus » this year
SIXTY_FIVE = days.TODAY.year - 65  # « 60 à 69 ans » this year


@pytest.fixture
def world(session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    return ids


def n_beneficiaries(session) -> int:
    return session.execute(select(func.count()).select_from(Beneficiary)).scalar_one()


def link(session, activity, beneficiary):
    activity.beneficiary_links.append(ActivityBeneficiary(beneficiary_id=beneficiary.id))
    session.flush()


# --- create / update ------------------------------------------------------------------------------------------------

def test_name_key_and_age_band():
    assert service.name_key("  Hélène ", "LE   Gall-Éloi") == "helene le gall-eloi"
    assert service.name_key("", "") == ""
    today = date(2026, 11, 23)  # a pure function of an explicit day: the fixed day is the point
    assert [service.tranche_age_for(y, today) for y in (1950, 1960, 1970, 1990, 2005, 2010, 2020)] == [
        "SoixanteDixPlus", "SoixanteSoixanteNeuf", "QuaranteCinquanteNeuf", "VingtCinqTrenteNeuf",
        "DixHuitVingtQuatre", "DouzeDixHuit", "MoinsDeDouze"]


def test_create_derives_the_age_band_and_warns_about_a_namesake(session, users, world, now):
    mediator = users["mediator"]
    with pytest.raises(DuplicateBeneficiary) as excinfo:
        service.create_beneficiary(session, mediator, BeneficiaryData(first_name="JEANNE", last_name="Durand "),
                                   now=now)
    assert excinfo.value.message == ("Une personne du même nom existe déjà : choisissez-la ou confirmez qu’il "
                                     "s’agit d’une autre personne.")
    b = service.create_beneficiary(session, mediator, BeneficiaryData(
        first_name="Jeanne", last_name="Durand", birth_year=SEVENTY_SIX, tranche_age="DixHuitVingtQuatre",
        genre="Feminin", statut_social="Retraite", commune="Poitiers", postal_code="86000"), now=now,
        confirm_duplicate=True)
    assert b.name_key == "jeanne durand" and b.tranche_age == "SoixanteDixPlus" and b.mediator_id == mediator.id
    # same name, another known birth year: not a duplicate
    service.create_beneficiary(session, mediator, BeneficiaryData(first_name="Jeanne", last_name="Durand",
                                                                  birth_year=1999), now=now, confirm_duplicate=True)
    assert [x.id for x in service.find_duplicates(session, mediator, "jeanne", "durand", SEVENTY_SIX)] == [
        world["own_beneficiary"], b.id]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "first_name", "Indiquez au moins un prénom ou un nom"),
    ({"last_name": "X", "birth_year": 1850}, "birth_year", "L’année de naissance doit être comprise entre 1900"),
    ({"last_name": "X", "genre": "Autre"}, "genre", "Genre inconnu : Autre"),
    ({"last_name": "X", "tranche_age": "Vieux"}, "tranche_age", "Tranche d’âge inconnue : Vieux"),
    ({"last_name": "X", "statut_social": "Rentier"}, "statut_social", "Statut social inconnu ou désactivé"),
    ({"last_name": "X", "postal_code": "8600"}, "postal_code", "Le code postal compte 5 chiffres."),
    ({"last_name": "X", "commune_insee": "ABCDE"}, "commune_insee", "Le code INSEE de la commune"),
])
def test_minimal_data_is_checked(session, users, world, now, data, field, message):
    with pytest.raises(DomainError) as excinfo:
        service.create_beneficiary(session, users["mediator"], BeneficiaryData(**data), now=now)
    assert excinfo.value.field == field and message in excinfo.value.message


def test_owner_and_visibility(session, users, world, now):
    with pytest.raises(DomainError, match="Choisissez le médiateur"):
        service.create_beneficiary(session, users["coordinator"], BeneficiaryData(last_name="Roux"), now=now)
    b = service.create_beneficiary(session, users["coordinator"], BeneficiaryData(last_name="Roux"), now=now,
                                   mediator_id=world["other_mediator"])
    assert b.mediator_id == world["other_mediator"]
    with pytest.raises(Forbidden):
        service.create_beneficiary(session, users["mediator"], BeneficiaryData(last_name="Roux"), now=now,
                                   mediator_id=world["other_mediator"])
    assert not access.can_view_beneficiary(users["mediator"], b) and access.can_view_beneficiary(users["coordinator"], b)
    mine = session.execute(service.visible_beneficiaries(users["mediator"])).scalars().all()
    assert [x.id for x in mine] == [world["own_beneficiary"]]
    assert session.execute(service.visible_beneficiaries(users["authority"])).first() is None
    with pytest.raises(Forbidden):
        service.update_beneficiary(session, users["mediator"], b, BeneficiaryData(last_name="Rouge"), now=now)


# --- duplicates and merge -------------------------------------------------------------------------------------------

def test_duplicate_groups_split_by_known_birth_year(session, users, world, now):
    mediator = users["mediator"]
    jeanne = session.get(Beneficiary, world["own_beneficiary"])  # Jeanne Durand, no birth year
    a1948 = factories.beneficiary(session, mediator=mediator, birth_year=1948)
    a1950 = factories.beneficiary(session, mediator=mediator, birth_year=1950)
    factories.beneficiary(session, mediator=mediator, first_name="Paul", birth_year=1950)
    other = factories.user(session)
    factories.beneficiary(session, mediator=other)  # another mediator's Jeanne Durand: not in the mediator's groups
    session.commit()
    keys = session.execute(service.duplicate_keys(mediator)).all()
    groups = service.duplicate_groups(session, mediator, keys)
    assert [[b.id for b in g] for g in groups] == [[jeanne.id, a1948.id], [jeanne.id, a1950.id]]
    staff_keys = session.execute(service.duplicate_keys(users["coordinator"])).all()
    assert len(staff_keys) == 1  # the other mediator's single Jeanne is no duplicate


def test_merge_moves_links_fills_empty_fields_and_deletes_the_other(session, users, world, now):
    mediator = users["mediator"]
    keep = session.get(Beneficiary, world["own_beneficiary"])
    last_month_12th = days.month_start(-1).replace(day=12)
    remove = factories.beneficiary(session, mediator=mediator, birth_year=1948, genre="Feminin", commune="Poitiers",
                                   last_activity_on=last_month_12th)
    keep.commune = "Buxerolles"
    shared = factories.activity(session, mediator=mediator, day=days.month_start(-1).replace(day=3))
    only_removed = factories.activity(session, mediator=mediator, day=last_month_12th)
    link(session, shared, keep)
    link(session, shared, remove)
    link(session, only_removed, remove)
    session.commit()
    removed_id = remove.id
    service.merge(session, mediator, keep, remove, now=now)
    session.commit()
    assert session.get(Beneficiary, removed_id) is None
    assert (keep.birth_year, keep.genre, keep.commune, keep.last_activity_on) == (
        1948, "Feminin", "Buxerolles", last_month_12th)
    links = session.execute(select(ActivityBeneficiary.activity_id, ActivityBeneficiary.beneficiary_id)
                            .order_by(ActivityBeneficiary.activity_id)).all()
    assert links == [(shared.id, keep.id), (only_removed.id, keep.id)]
    entry = session.execute(select(AuditLog).where(AuditLog.action == "merge")).scalar_one()
    assert entry.summary == (f"Fiche bénéficiaire n° {removed_id} fusionnée dans la fiche n° {keep.id} "
                             "(1 activité rattachée)")
    assert "Durand" not in entry.summary and "Jeanne" not in entry.summary


def test_merge_refusals(session, users, world, now):
    keep = session.get(Beneficiary, world["own_beneficiary"])
    theirs = factories.beneficiary(session, mediator=session.get(type(users["mediator"]), world["other_mediator"]))
    with pytest.raises(Forbidden):
        service.merge(session, users["mediator"], keep, theirs, now=now)
    with pytest.raises(DomainError, match="médiateurs différents"):
        service.merge(session, users["coordinator"], keep, theirs, now=now)
    with pytest.raises(DomainError, match="deux fiches différentes"):
        service.merge(session, users["mediator"], keep, keep, now=now)


# --- erasure ------------------------------------------------------------------------------------------------------

def test_erase_on_request_keeps_anonymous_activities(session, users, world, now):
    mediator = users["mediator"]
    b = factories.beneficiary(session, mediator=mediator, first_name="Hélène", last_name="Zorba",
                              genre="Feminin", tranche_age="SoixanteDixPlus", statut_social="Retraite",
                              commune="Poitiers")
    a = session.get(Activity, world["own_activity"])
    workshop = factories.activity(session, mediator=mediator, kind="Collectif", participants=5,
                                  workshop_title="Atelier")
    link(session, a, b)
    link(session, workshop, b)
    session.commit()
    bid = b.id
    with pytest.raises(Forbidden):
        service.erase(session, users["authority"], b, now=now)
    assert service.erase(session, mediator, b, now=now) == 2
    session.commit()
    assert session.get(Beneficiary, bid) is None
    a, workshop = session.get(Activity, a.id), session.get(Activity, workshop.id)
    assert a.beneficiary_links == [] and workshop.beneficiary_links == [] and workshop.participants == 5
    assert (a.beneficiary_genre, a.beneficiary_tranche_age, a.beneficiary_statut_social, a.beneficiary_commune) == (
        "Feminin", "SoixanteDixPlus", "Retraite", "Poitiers")
    entry = session.execute(select(AuditLog).where(AuditLog.action == "erase")).scalar_one()
    assert entry.object_id == str(bid) and "Effacement RGPD" in entry.summary
    assert "à la demande de la personne" in entry.summary and "Zorba" not in entry.summary


def test_purge_by_retention(session, users, world, now):
    mediator = users["mediator"]
    assert service.retention_months(session) == 24
    cutoff = days.TODAY - relativedelta(months=24)  # the oldest day kept
    recent = session.get(Beneficiary, world["own_beneficiary"])
    recent.last_activity_on = days.TODAY - relativedelta(months=10)
    old = factories.beneficiary(session, mediator=mediator, first_name="Ancien",
                                last_activity_on=cutoff - timedelta(days=1))
    border = factories.beneficiary(session, mediator=mediator, first_name="Limite", last_activity_on=cutoff)
    never = factories.beneficiary(session, mediator=mediator, first_name="Jamais")
    never.created_at = days.at(days.TODAY - relativedelta(months=35), 10)
    fresh = factories.beneficiary(session, mediator=mediator, first_name="Neuf")
    fresh.created_at = now
    session.commit()
    ids = {x: b.id for x, b in {"recent": recent, "old": old, "border": border, "never": never,
                                "fresh": fresh}.items()}
    assert service.purge_expired(session, now) == 2
    session.commit()
    left = set(session.execute(select(Beneficiary.id)).scalars())
    assert left == {ids["recent"], ids["border"], ids["fresh"]}
    service.set_retention(session, users["coordinator"], 6, now=now)
    assert service.purge_expired(session, now) == 2  # last activities 10 months ago and 24 months ago
    session.commit()
    assert set(session.execute(select(Beneficiary.id)).scalars()) == {ids["fresh"]}
    assert session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "erase", AuditLog.summary.contains("durée de conservation dépassée"))).scalar_one() == 4


def test_retention_bounds_and_rights(session, users, world, now):
    for months in (0, 121, None):
        with pytest.raises(DomainError, match="entre 1 et 120 mois"):
            service.set_retention(session, users["coordinator"], months, now=now)
    with pytest.raises(Forbidden):
        service.set_retention(session, users["mediator"], 12, now=now)
    service.set_retention(session, users["coordinator"], 120, now=now)
    assert settings.get(session, "beneficiaries.retention_months") == 120


def test_the_nightly_job_and_the_cli_command(app, session, users, world, now):
    from coopnum.activities.jobs import purge_beneficiaries
    from coopnum.core import jobs

    factories.beneficiary(session, mediator=users["mediator"], first_name="Ancien",
                          last_activity_on=days.year_start(-6))
    session.commit()
    assert "purge-beneficiaries" in {j.name for j in jobs.all_jobs()}
    message = jobs.run_job(app, "purge-beneficiaries", now)
    assert message.startswith("1 fiche de bénéficiaire effacée") and "24 mois" in message
    session.expire_all()
    assert n_beneficiaries(session) == 1
    factories.beneficiary(session, mediator=users["mediator"], first_name="Vieux", last_activity_on=days.year_start(-7))
    session.commit()
    result = app.test_cli_runner().invoke(args=["purge-beneficiaries"])
    assert result.exit_code == 0 and "1 fiche de bénéficiaire effacée" in result.output
    session.expire_all()
    assert n_beneficiaries(session) == 1
    session.commit()
    assert purge_beneficiaries(app, now).startswith("0 fiche de bénéficiaire effacée :")


# --- pages --------------------------------------------------------------------------------------------------------

def test_list_search_and_access(client, session, users, world):
    factories.beneficiary(session, mediator=users["mediator"], first_name="Éloïse", last_name="Bénard",
                          name_key=service.name_key("Éloïse", "Bénard"))
    theirs = factories.beneficiary(session, mediator=session.get(type(users["mediator"]), world["other_mediator"]),
                                   first_name="Paul", last_name="Secret")
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get("/missions/beneficiaries"))
    assert "Jeanne Durand" in page and "Éloïse Bénard" in page and "Secret" not in page
    assert 'id="retention"' not in page
    page = text_of(client.get("/missions/beneficiaries?q=eloise"))
    assert "Éloïse Bénard" in page and "Jeanne Durand" not in page
    assert client.get(f"/missions/beneficiaries/{theirs.id}").status_code == 403
    assert client.post(f"/missions/beneficiaries/{theirs.id}/erase", data={"erase-confirm": "y"}).status_code == 403
    client.post("/logout")
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/beneficiaries"))
    assert "Secret" in page and 'id="retention"' in page


def test_create_page_with_the_duplicate_warning(client, session, users, world):
    login(client, users["mediator"])
    data = {"mediator_id": str(users["mediator"].id), "first_name": "Jeanne", "last_name": "DURAND"}
    response = client.post("/missions/beneficiaries/new", data=data)
    assert response.status_code == 400
    body = text_of(response)
    assert "Une personne du même nom existe déjà" in body
    assert f'/missions/beneficiaries/{world["own_beneficiary"]}' in body
    assert n_beneficiaries(session) == 1
    response = client.post("/missions/beneficiaries/new", data={**data, "confirm_duplicate": "y",
                                                                 "birth_year": str(SEVENTY_SIX)})
    assert response.status_code == 302
    assert n_beneficiaries(session) == 2
    response = client.post("/missions/beneficiaries/new", data={"first_name": "", "last_name": ""})
    assert response.status_code == 400 and "Indiquez au moins un prénom ou un nom" in text_of(response)
    response = client.post("/missions/beneficiaries/new", data={"last_name": "X", "birth_year": "1492"})
    assert response.status_code == 400 and "L’année de naissance doit être comprise" in text_of(response)


def test_edit_page(client, session, users, world):
    login(client, users["mediator"])
    bid = world["own_beneficiary"]
    response = client.post(f"/missions/beneficiaries/{bid}/edit", data={
        "first_name": "Jeanne", "last_name": "Durand-Martin", "birth_year": str(SIXTY_FIVE), "genre": "Feminin",
        "statut_social": "Retraite", "commune": "Poitiers"})
    assert response.status_code == 302
    b = session.get(Beneficiary, bid)
    assert b.name_key == "jeanne durand-martin" and b.tranche_age == "SoixanteSoixanteNeuf"
    response = client.post(f"/missions/beneficiaries/{bid}/edit", data={"last_name": "Durand", "genre": "Chat"})
    assert response.status_code == 400 and "Genre inconnu : Chat" in text_of(response)


def test_duplicates_page_and_merge(client, session, users, world):
    mediator = users["mediator"]
    twin = factories.beneficiary(session, mediator=mediator, first_name="JEANNE", last_name="durand",
                                 name_key="jeanne durand", birth_year=1948)
    session.commit()
    twin_id = twin.id
    login(client, mediator)
    assert "Doublons possibles" in text_of(client.get("/missions/beneficiaries"))
    page = text_of(client.get("/missions/beneficiaries/duplicates"))
    assert f"Garder n° {world['own_beneficiary']}, fusionner n° {twin_id}" in page
    detail = text_of(client.get(f"/missions/beneficiaries/{world['own_beneficiary']}"))
    assert "Fusionner dans cette fiche" in detail
    response = client.post("/missions/beneficiaries/merge", data={"keep_id": world["own_beneficiary"],
                                                                  "remove_id": twin_id})
    assert response.status_code == 302
    assert session.get(Beneficiary, twin_id) is None
    assert session.get(Beneficiary, world["own_beneficiary"]).birth_year == 1948
    assert "Aucun doublon possible." in text_of(client.get("/missions/beneficiaries/duplicates"))


def test_erase_page_needs_the_confirmation(client, session, users, world):
    login(client, users["mediator"])
    bid = world["own_beneficiary"]
    response = client.post(f"/missions/beneficiaries/{bid}/erase")
    assert response.status_code == 302 and session.get(Beneficiary, bid) is not None
    assert "Cochez la case pour confirmer l’effacement." in text_of(client.get(response.headers["Location"]))
    response = client.post(f"/missions/beneficiaries/{bid}/erase", data={"erase-confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/missions/beneficiaries")
    assert session.get(Beneficiary, bid) is None


def test_retention_setting_page(client, session, users, world):
    login(client, users["coordinator"])
    response = client.post("/missions/beneficiaries/retention", data={"months": "200"})
    assert response.status_code == 400 and "Entre 1 et 120 mois." in text_of(response)
    response = client.post("/missions/beneficiaries/retention", data={"months": "douze"})
    assert response.status_code == 400
    response = client.post("/missions/beneficiaries/retention", data={"months": "36"})
    assert response.status_code == 302
    assert settings.get(session, "beneficiaries.retention_months") == 36
    assert 'value="36"' in text_of(client.get("/missions/beneficiaries"))
    client.post("/logout")
    login(client, users["mediator"])
    assert client.post("/missions/beneficiaries/retention", data={"months": "1"}).status_code == 403
    assert settings.get(session, "beneficiaries.retention_months") == 36
