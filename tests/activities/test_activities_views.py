"""Activity reports (CRA), the pages: the short form from a session, errors next to their field, list with filters
and a bounded number of queries, detail, edit, delete, access per object."""

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from coopnum.activities.models import Activity, Beneficiary
from coopnum.core import formats
from coopnum.core.db import db
from coopnum.missions.models import MissionSession
from coopnum.timesheets.models import Timesheet, TimesheetStatus
from tests import days, factories
from tests.conftest import login, text_of
from tests.queries import counting


@pytest.fixture
def world(session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    return ids


LAST_MONTH = days.month_start(-1)  # wholly past, still open
SESSION_DAY = factories.LAST_MONTH_10TH + timedelta(days=7)  # the world's past session (the 17th of last month)
FREE_DAY = LAST_MONTH.replace(day=20)  # an activity without a session
LAST_MONTH_LABEL = format_date(LAST_MONTH, "MMMM y", locale="fr")  # « novembre 2026 »


def count(session, **where):
    stmt = select(func.count()).select_from(Activity)
    for key, value in where.items():
        stmt = stmt.where(getattr(Activity, key) == value)
    return session.execute(stmt).scalar_one()


def test_two_accompaniments_and_a_workshop_from_a_session(client, session, users, world):
    login(client, users["mediator"])
    sid = world["past_session"]
    page = text_of(client.get(f"/missions/activities/new?session={sid}&kind=Individuel"))
    assert "Accompagnement individuel" in page and "Médiathèque de Testville" in page
    assert format_date(SESSION_DAY, "full", locale="fr") in page and 'name="date"' not in page  # read-only prefill
    assert "Enregistrer et saisir un autre accompagnement" in page
    first = client.post(f"/missions/activities/new?session={sid}&kind=Individuel", data={
        "kind": "Individuel", "session_id": sid, "duration": "30", "thematiques": ["Email"],
        "materiel": ["Telephone"], "autonomie": "PartiellementAutonome", "then": "another"})
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"/missions/activities/new?session={sid}&kind=Individuel")
    second = client.post(first.headers["Location"], data={
        "kind": "Individuel", "session_id": sid, "duration": "autre", "duration_other": "20",
        "thematiques": ["AideAuxDemarchesAdministratives"], "thematiques_demarche": ["ArgentImpots"],
        "redirection": "Administration", "beneficiary_mode": "anonymous", "genre": "Feminin",
        "tranche_age": "SoixanteDixPlus"})
    assert second.status_code == 302 and "/missions/activities/" in second.headers["Location"]
    workshop = client.post(f"/missions/activities/new?session={sid}&kind=Collectif", data={
        "kind": "Collectif", "session_id": sid, "duration": "120", "thematiques": ["PrendreEnMainDuMateriel"],
        "workshop_title": "Premiers pas sur la tablette", "workshop_level": "Debutant", "participants": "7"})
    assert workshop.status_code == 302
    rows = session.execute(select(Activity).where(Activity.session_id == sid).order_by(Activity.id)).scalars().all()
    assert [(a.kind, a.duration_minutes, a.date) for a in rows] == [
        ("Individuel", 30, SESSION_DAY), ("Individuel", 20, SESSION_DAY), ("Collectif", 120, SESSION_DAY)]
    assert rows[1].oriented and rows[1].structure_redirection == "Administration"
    assert rows[1].beneficiary_genre == "Feminin" and rows[2].participants == 7
    assert {a.mediator_id for a in rows} == {users["mediator"].id}
    detail = text_of(client.get(second.headers["Location"]))
    assert "Argent - Impôts" in detail and "Administration (mairie, préfecture…)" in detail


@pytest.mark.parametrize(("changes", "message"), [
    ({"duration": "autre", "duration_other": "-10"}, "La durée doit être supérieure à 0 minute."),
    ({"duration": "autre", "duration_other": "900"}, "ne peut pas dépasser 12 heures"),
    ({"duration": ""}, "La durée est obligatoire."),
    ({"thematiques": ["Astrologie"]}, "Thématique inconnue : Astrologie"),
    ({"thematiques": []}, "Au moins une thématique de médiation numérique est obligatoire."),
    ({"date": days.days(1).isoformat()}, "La date de l’activité ne peut pas être dans le futur."),
    ({"place_type": "Domicile"}, "La commune est obligatoire"),
])
def test_bad_input_shows_a_french_message_next_to_the_field(client, session, users, world, changes, message):
    login(client, users["mediator"])
    data = {"kind": "Individuel", "date": FREE_DAY.isoformat(), "place_type": "LieuActivite",
            "place_id": str(world["own_place"]), "duration": "45", "thematiques": ["Email"]}
    data.update(changes)
    before = count(session)
    response = client.post("/missions/activities/new?kind=Individuel", data=data)
    assert response.status_code == 400
    body = text_of(response)
    assert message in body and 'class="field-error"' in body
    assert count(session) == before


def test_a_locked_month_is_refused_with_its_message(client, session, users, world):
    sheet = session.get(Timesheet, world["timesheet"])
    sheet.status = TimesheetStatus.VALIDATED
    session.commit()
    login(client, users["mediator"])
    sid = world["past_session"]
    response = client.post(f"/missions/activities/new?session={sid}&kind=Individuel", data={
        "kind": "Individuel", "session_id": sid, "duration": "30", "thematiques": ["Email"]})
    assert response.status_code == 400
    assert f"Le mois {formats.of(LAST_MONTH_LABEL)} est validé et verrouillé" in text_of(response)
    detail = text_of(client.get(f"/missions/activities/{world['own_activity']}"))
    assert "cette activité est verrouillée" in detail and "/edit" not in detail
    response = client.post(f"/missions/activities/{world['own_activity']}/delete")
    assert response.status_code == 302 and session.get(Activity, world["own_activity"]) is not None


def test_someone_elses_session_or_activity_is_forbidden(client, session, users, world):
    login(client, users["mediator"])
    assert client.get(f"/missions/activities/new?session={world['other_session']}").status_code == 403
    assert client.get("/missions/activities/new?session=999999").status_code == 404
    other = world["other_activity"]
    assert client.get(f"/missions/activities/{other}").status_code == 403
    assert client.get(f"/missions/activities/{other}/edit").status_code == 403
    assert client.post(f"/missions/activities/{other}/edit", data={"duration": "15"}).status_code == 403
    assert client.post(f"/missions/activities/{other}/delete").status_code == 403
    assert session.get(Activity, other).duration_minutes == 30


def test_a_future_session_sends_back_to_the_free_form(client, session, users, world):
    login(client, users["mediator"])
    response = client.get(f"/missions/activities/new?session={world['assigned_session']}&kind=Collectif")
    assert response.status_code == 302 and response.headers["Location"].endswith("?kind=Collectif")
    assert "pas encore commencé" in text_of(client.get(response.headers["Location"]))


def test_staff_choose_the_mediator_and_the_next_form_keeps_the_context(client, session, users, world):
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/activities/new"))
    assert "Mes séances récentes" not in page and 'name="mediator_id"' in page
    response = client.post("/missions/activities/new?kind=Individuel", data={
        "kind": "Individuel", "mediator_id": str(users["mediator"].id), "date": FREE_DAY.isoformat(),
        "place_type": "Domicile", "commune": "Vouneuil", "commune_postal_code": "86210", "duration": "60",
        "thematiques": ["SecuriteNumerique"], "convention_id": str(world["own_convention"]), "then": "another"})
    assert response.status_code == 302, text_of(response)[:2000]
    location = response.headers["Location"]
    assert f"date={FREE_DAY.isoformat()}" in location and "place_type=Domicile" in location
    assert f"mediator={users['mediator'].id}" in location and f"convention={world['own_convention']}" in location
    a = session.execute(select(Activity).where(Activity.commune == "Vouneuil")).scalar_one()
    assert a.mediator_id == users["mediator"].id and a.created_by_id == users["coordinator"].id


def test_recent_sessions_are_offered_to_a_mediator(client, session, users, world):
    s = session.get(MissionSession, world["past_session"])  # a week ago: within the last 21 days, whatever the day
    s.start, s.end = days.at(days.days(-7), 9), days.at(days.days(-7), 12)
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get("/missions/activities/new"))
    assert "Mes séances récentes" in page and "sans compte rendu" in page
    assert f"/missions/activities/new?session={world['past_session']}&kind=Individuel" in page


def test_followed_person_and_duplicate_warning_in_the_form(client, session, users, world):
    login(client, users["mediator"])
    sid = world["past_session"]
    data = {"kind": "Individuel", "session_id": sid, "duration": "30", "thematiques": ["Email"],
            "beneficiary_mode": "new", "first_name": "jeanne", "last_name": "Durand"}
    response = client.post(f"/missions/activities/new?session={sid}", data=data)
    assert response.status_code == 400
    body = text_of(response)
    assert "Une personne du même nom existe déjà" in body and "C’est cette personne" in body
    # « C'est cette personne »: the existing record is linked, no new one
    response = client.post(f"/missions/activities/new?session={sid}",
                           data={**data, "use_beneficiary": str(world["own_beneficiary"])})
    assert response.status_code == 302
    assert session.execute(select(func.count()).select_from(Beneficiary)).scalar_one() == 1
    a = session.execute(select(Activity).where(Activity.session_id == sid)).scalar_one()
    assert [link.beneficiary_id for link in a.beneficiary_links] == [world["own_beneficiary"]]
    response = client.post(f"/missions/activities/new?session={sid}", data={**data, "confirm_new": "y"})
    assert response.status_code == 302
    assert session.execute(select(func.count()).select_from(Beneficiary)).scalar_one() == 2


def test_edit_and_delete(client, session, users, world):
    login(client, users["mediator"])
    aid = world["own_activity"]
    page = text_of(client.get(f"/missions/activities/{aid}/edit"))
    assert re.search(r'<input checked id="duration-\d" name="duration" type="radio" value="30">', page)
    assert re.search(r'<input checked id="thematiques-\d+" name="thematiques" type="checkbox" value="Email">', page)
    response = client.post(f"/missions/activities/{aid}/edit", data={
        "kind": "Individuel", "date": factories.LAST_MONTH_10TH.isoformat(), "place_type": "LieuActivite",
        "place_id": str(world["own_place"]), "convention_id": str(world["own_convention"]), "duration": "90", "thematiques": ["Email", "Sante"],
        "materiel": ["Ordinateur"]})
    assert response.status_code == 302, text_of(response)[:3000]
    a = session.get(Activity, aid)
    assert a.duration_minutes == 90 and a.thematiques == ["Email", "Sante"]
    response = client.post(f"/missions/activities/{aid}/edit", data={
        "kind": "Individuel", "date": factories.LAST_MONTH_10TH.isoformat(), "place_type": "LieuActivite",
        "place_id": str(world["own_place"]), "duration": "autre", "duration_other": "0", "thematiques": ["Email"]})
    assert response.status_code == 400 and "supérieure à 0 minute" in text_of(response)
    assert client.post(f"/missions/activities/{aid}/delete").status_code == 302
    assert session.get(Activity, aid) is None


# --- list -----------------------------------------------------------------------------------------------------------

def add_activities(session, users, world, n: int) -> None:
    mediator = users["mediator"]
    people = [factories.beneficiary(session, mediator=mediator, first_name=f"P{i}") for i in range(3)]
    for i in range(n):
        org = factories.organisation(session)
        place = factories.place(session, organisation=org)
        conv = factories.convention(session, organisation=org)
        a = factories.activity(session, mediator=mediator if i % 2 else factories.user(session), convention=conv,
                               place=place, day=days.month_start(-2) + timedelta(days=i % 30),
                               thematiques=["Email", "Sante"], thematiques_demarche=[])
        if i % 3 == 0:
            from coopnum.activities.models import ActivityBeneficiary

            a.beneficiary_links.append(ActivityBeneficiary(beneficiary_id=people[i % 3].id))
    session.commit()


def count_statements(client, url: str) -> tuple[int, str]:
    with counting(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), text_of(response)


@pytest.mark.parametrize("role", ["coordinator", "mediator"])
def test_the_list_runs_a_bounded_number_of_queries(client, session, users, world, role):
    login(client, users[role])
    add_activities(session, users, world, 5)
    few, _ = count_statements(client, "/missions/activities")
    add_activities(session, users, world, 45)
    many, page = count_statements(client, "/missions/activities")
    assert few == many, (few, many)
    assert many <= 14, many
    rows = page.count("data-activity=")
    assert rows == (50 if role == "coordinator" else 25)  # 50 per page; the mediator's own: 24 + the world's


def test_filters_of_the_list(client, session, users, world):
    login(client, users["coordinator"])
    factories.activity(session, mediator=users["mediator"], day=days.month_start(-3).replace(day=3), kind="Collectif",
                       workshop_title="Atelier seniors", participants=6, thematiques=["ReseauxSociaux"])
    session.commit()
    page = text_of(client.get("/missions/activities?kind=Collectif"))
    assert page.count("data-activity=") == 1 and "Atelier seniors" in page
    assert text_of(client.get("/missions/activities?theme=ReseauxSociaux")).count("data-activity=") == 1
    last_month = f"from={LAST_MONTH.isoformat()}&to={days.month_end(-1).isoformat()}"  # the world's two activities
    assert text_of(client.get(f"/missions/activities?{last_month}")).count("data-activity=") == 2
    page = text_of(client.get(f"/missions/activities?mediator={world['other_mediator']}"))
    assert page.count("data-activity=") == 1 and "Autre Médiatrice" in page
    assert text_of(client.get(f"/missions/activities?place={world['own_place']}")).count("data-activity=") == 1
    response = client.get(f"/missions/activities?from={days.month_start().isoformat()}&to={LAST_MONTH.isoformat()}")
    assert response.status_code == 400 and "La date de fin précède la date de début." in text_of(response)
    response = client.get("/missions/activities?from=hier")
    assert response.status_code == 400 and "Date invalide" in text_of(response)


def test_a_mediator_lists_only_their_own(client, session, users, world):
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/activities?mediator={world['other_mediator']}"))
    assert page.count("data-activity=") == 0
    page = text_of(client.get("/missions/activities"))
    assert f'data-activity="{world["own_activity"]}"' in page
    assert f'data-activity="{world["other_activity"]}"' not in page and 'name="mediator"' not in page


def test_the_export_form_posts_the_current_filters(client, session, users, world):
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/activities?from={LAST_MONTH.isoformat()}&kind=Individuel"))
    form = page.split('action="/missions/activities/export"')[1].split("</form>")[0]
    assert f'name="from" value="{LAST_MONTH.isoformat()}"' in form and 'name="kind" value="Individuel"' in form
    assert 'name="format" value="csv"' in form and 'name="format" value="xlsx"' in form


def test_the_menu_shows_activities_and_beneficiaries(client, users, world):
    login(client, users["mediator"])
    nav = text_of(client.get("/")).split('aria-label="Navigation principale"')[1].split("</nav>")[0]
    assert 'href="/missions/activities"' in nav and 'href="/missions/beneficiaries"' in nav
    assert 'href="/missions/reference-lists"' not in nav
    client.post("/logout")
    login(client, users["coordinator"])
    nav = text_of(client.get("/")).split('aria-label="Navigation principale"')[1].split("</nav>")[0]
    assert 'href="/missions/reference-lists"' in nav

