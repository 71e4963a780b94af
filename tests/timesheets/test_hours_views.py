"""Hours pages: one-click confirmation from « Ma semaine », the small form (400 with the message next to its
field), « Mes heures » (extra hours, sending the month), the coordination's timesheet (validate, send back with a
mail, reopen), the month's dashboard, the panels, and a bounded number of queries whatever the data size."""

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from coopnum.core import formats
from coopnum.core.db import db
from coopnum.core.formats import elide
from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.timesheets.models import TimeEntry, Timesheet, TimesheetStatus
from coopnum.timesheets.services import timesheets
from tests import days, factories
from tests.conftest import login, text_of
from tests.queries import counting

# The world's month: last month, wholly past whatever today is, and still open; the mediator's unconfirmed session
# is on its 17th, 09:00–12:00 in Paris, their extra entry on its 12th (factories.world).
MONTH = days.month_start(-1)
M = days.month_key(-1)  # "YYYY-MM", as in the URLs
MONTH_LABEL = format_date(MONTH, "MMMM y", locale="fr")  # « novembre 2026 »
PAST_DAY = MONTH.replace(day=17)
WEEK = f"/missions/my-week?date={PAST_DAY.isoformat()}"  # the week of the past session


def mday(day: int):
    return MONTH.replace(day=day)


@pytest.fixture
def ids(session, users):
    world = factories.world(session, users, billing=False)
    session.commit()
    return world


def reload(session, model, obj_id):
    session.expire_all()
    return session.get(model, obj_id)


# --- « Ma semaine » and the confirmation ---------------------------------------------------------------------------

def test_one_click_from_my_week(client, users, ids, session):
    login(client, users["mediator"])
    week = WEEK
    page = text_of(client.get(week))
    assert "C'est fait (3 h)" in page and "Autre durée / pas eu lieu" in page
    assert "1 séance de cette semaine à confirmer" in page
    response = client.post(f"/missions/sessions/{ids['past_session']}/confirm",
                           data={"outcome": "held", "next": week})
    assert response.status_code == 302 and response.headers["Location"].endswith(week)
    s = reload(session, MissionSession, ids["past_session"])
    assert s.status == SessionStatus.HELD and s.held_minutes == 180 and s.confirmed_by_id == users["mediator"].id
    entry = session.execute(select(TimeEntry).where(TimeEntry.session_id == s.id)).scalar_one()
    assert (entry.user_id, entry.minutes, entry.day) == (users["mediator"].id, 180, PAST_DAY)
    page = text_of(client.get(week))
    assert "Séance confirmée : 3 h." in page and "C'est fait" not in page
    html = client.get(week).get_data(as_text=True)
    assert f"/missions/activities/new?session={s.id}&amp;kind=Individuel" in html
    assert f"session={s.id}&amp;kind=Collectif" not in html  # one button per session, not one per kind
    assert page.count("Saisir une activité") == 1
    assert "Réalisée : 3 h" in page


def test_sessions_not_started_have_no_button(client, users, ids):
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/my-week?date={days.days(1).isoformat()}"))  # the assigned session
    assert "C'est fait" not in page and "Saisir une activité" not in page


def test_the_small_form_other_duration_and_not_held(client, users, ids, session):
    login(client, users["mediator"])
    url = f"/missions/sessions/{ids['past_session']}/confirm"
    page = text_of(client.get(url))
    assert 'value="3h"' in page and "Motif, si elle n'a pas eu lieu" in page
    response = client.post(url, data={"outcome": "held", "minutes": "2h30"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(WEEK)
    assert reload(session, MissionSession, ids["past_session"]).held_minutes == 150
    response = client.post(url, data={"outcome": "not_held", "reason": "no_public", "reason_text": "Grève"})
    assert response.status_code == 302
    s = reload(session, MissionSession, ids["past_session"])
    assert (s.status, s.not_held_reason, s.cancel_reason) == ("not_held", "no_public", "Grève")
    page = text_of(client.get(WEEK))
    assert "Non tenue : Personne n'est venu" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"outcome": "held", "minutes": "-30"}, "Durée invalide : écrivez par exemple 2h30, 2:30 ou 150 (en minutes)."),
    ({"outcome": "held", "minutes": "0"}, "La durée doit être d'au moins une minute."),
    ({"outcome": "held", "minutes": "20h"}, "Une durée de plus de 16 h n'est pas plausible : vérifiez la saisie."),
    ({"outcome": "held", "minutes": "8h"}, "La durée dépasse de plus de 4 h la durée prévue de la séance (3 h)"),
    ({"outcome": "not_held"}, "Indiquez pourquoi la séance n'a pas eu lieu."),
    ({"outcome": "not_held", "reason": "other"}, "Précisez pourquoi la séance n'a pas eu lieu."),
    ({"outcome": "maybe"}, "N'est pas un choix valide."),
])
def test_the_form_refuses_bad_input_with_400_and_the_message(client, users, ids, session, data, message):
    login(client, users["mediator"])
    response = client.post(f"/missions/sessions/{ids['past_session']}/confirm", data=data)
    assert response.status_code == 400
    body = text_of(response)
    assert message in body and ('class="field-error"' in body)
    assert reload(session, MissionSession, ids["past_session"]).status == SessionStatus.PLANNED


def test_not_started_or_locked_is_shown_with_400(client, users, ids, session):
    login(client, users["mediator"])
    response = client.post(f"/missions/sessions/{ids['assigned_session']}/confirm", data={"outcome": "held"})
    assert response.status_code == 400
    assert "Cette séance n'a pas encore commencé" in text_of(response)
    ts = session.get(Timesheet, ids["timesheet"])
    ts.status = TimesheetStatus.VALIDATED
    session.commit()
    response = client.post(f"/missions/sessions/{ids['past_session']}/confirm", data={"outcome": "held"})
    assert response.status_code == 400
    assert f"Le mois {formats.of(MONTH_LABEL)} est validé et verrouillé" in text_of(response)


def test_only_the_assigned_mediator_or_staff(client, users, ids, session):
    other = session.get(type(users["mediator"]), ids["other_mediator"])
    session.commit()
    login(client, other)
    assert client.post(f"/missions/sessions/{ids['past_session']}/confirm", data={"outcome": "held"}).status_code == 403
    client.post("/logout")
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/sessions/{ids['past_session']}/confirm"))
    assert "Médiateur·rice" in page and users["mediator"].full_name in page
    response = client.post(f"/missions/sessions/{ids['past_session']}/confirm",
                           data={"outcome": "held", "minutes": "150", "for_user_id": str(ids["mediator"])})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/missions/sessions/{ids['past_session']}")
    entry = session.execute(select(TimeEntry).where(TimeEntry.session_id == ids["past_session"])).scalar_one()
    assert entry.user_id == ids["mediator"] and entry.minutes == 150


def test_session_page_has_the_confirmation_block(client, users, ids, session):
    login(client, users["mediator"])
    url = f"/missions/sessions/{ids['past_session']}"
    page = text_of(client.get(url))
    assert "Réalisation" in page and "C'est fait (3 h)" in page and "Autre durée / pas eu lieu" in page
    client.post(f"/missions/sessions/{ids['past_session']}/confirm", data={"outcome": "held", "next": url})
    page = text_of(client.get(url))
    assert "Modifier la confirmation" in page and "Annuler la confirmation" in page
    response = client.post(f"/missions/sessions/{ids['past_session']}/unconfirm?next={url}")
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert reload(session, MissionSession, ids["past_session"]).status == SessionStatus.PLANNED
    client.post("/logout")
    login(client, users["authority"])
    assert "Réalisation" not in text_of(client.get(url))


# --- « Mes heures » ------------------------------------------------------------------------------------------------

def test_my_hours_add_edit_delete_and_submit(client, users, ids, session):
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/hours?month={M}"))
    assert elide(f"Mes heures de {MONTH_LABEL}", MONTH_LABEL) in page and "Séances à confirmer (1)" in page
    assert "1 h 30" in page  # the extra entry of the world
    response = client.post(f"/missions/hours?month={M}", data={
        "day": mday(20).isoformat(), "category": "meeting", "minutes": "1h45", "convention_id": str(ids["own_convention"]),
        "note": "Réunion d'équipe"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/missions/hours?month={M}#extra")
    entry = session.execute(select(TimeEntry).where(TimeEntry.note == "Réunion d'équipe")).scalar_one()
    assert (entry.minutes, entry.category, entry.convention_id) == (105, "meeting", ids["own_convention"])

    response = client.post(f"/missions/hours/entries/{entry.id}/edit", data={
        "day": mday(20).isoformat(), "category": "meeting", "minutes": "2h", "convention_id": "0", "note": "Réunion"})
    assert response.status_code == 302
    entry = reload(session, TimeEntry, entry.id)
    assert (entry.minutes, entry.convention_id) == (120, None)
    entry_id = entry.id
    response = client.post(f"/missions/hours/entries/{entry_id}/delete")
    assert response.status_code == 302 and reload(session, TimeEntry, entry_id) is None

    response = client.post(f"/missions/hours/{M}/submit", follow_redirects=True)
    assert f"Il reste 1 séance passée à confirmer en {MONTH_LABEL}" in text_of(response)
    client.post(f"/missions/sessions/{ids['past_session']}/confirm", data={"outcome": "held"})
    response = client.post(f"/missions/hours/{M}/submit", follow_redirects=True)
    page = text_of(response)
    assert "Relevé envoyé à la coordination." in page and "en attente de validation" in page
    assert reload(session, Timesheet, ids["timesheet"]).status == TimesheetStatus.SUBMITTED


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"day": days.days(1).isoformat()}, "day", "Vous ne pouvez pas saisir d'heures pour une date à venir."),
    ({"minutes": "-1h"}, "minutes", "Durée invalide"),
    ({"minutes": "0"}, "minutes", "La durée doit être d'au moins une minute."),
    ({"minutes": "17h"}, "minutes", "n'est pas plausible"),
    ({"minutes": ""}, "minutes", ""),
    ({"note": "x" * 301}, "note", ""),
    ({"category": "session"}, "category", "N'est pas un choix valide."),
])
def test_extra_hours_form_400(client, users, ids, session, data, field, message):
    login(client, users["mediator"])
    form = {"day": mday(20).isoformat(), "category": "preparation", "minutes": "1h", "convention_id": "0", "note": ""}
    form.update(data)
    before = session.execute(select(TimeEntry)).scalars().all()
    response = client.post(f"/missions/hours?month={M}", data=form)
    assert response.status_code == 400
    body = text_of(response)
    assert f'id="{field}-error"' in body and message in body
    assert len(session.execute(select(TimeEntry)).scalars().all()) == len(before)


def test_a_locked_month_shows_a_banner_and_no_forms(client, users, ids, session, now):
    ts = session.get(Timesheet, ids["timesheet"])
    ts.status, ts.validated_at = TimesheetStatus.VALIDATED, now
    session.commit()
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/hours?month={M}"))
    assert "Mois validé et verrouillé" in page and "demandez à la coordination de le rouvrir" in page
    assert "Ajouter des heures" not in page and "Envoyer à la coordination" not in page
    response = client.post(f"/missions/hours?month={M}", data={
        "day": mday(20).isoformat(), "category": "preparation", "minutes": "1h", "convention_id": "0"})
    assert response.status_code == 400
    assert f"Le mois {formats.of(MONTH_LABEL)} est validé et verrouillé" in text_of(response)
    response = client.post(f"/missions/hours/entries/{ids['extra_entry']}/delete", follow_redirects=True)
    assert "validé et verrouillé" in text_of(response)
    assert reload(session, TimeEntry, ids["extra_entry"]) is not None


def test_bad_month_in_the_query_falls_back_to_this_month(client, users, ids, today):
    login(client, users["mediator"])
    response = client.get("/missions/hours?month=2026-13")
    assert response.status_code == 200
    page = text_of(response)
    assert "Mois invalide" in page and elide(f"Mes heures de {format_date(today, 'MMMM y', locale='fr')}",
                                                   format_date(today, 'MMMM y', locale='fr')) in page
    assert client.get("/missions/timesheets/1/novembre").status_code in (403, 404)


def test_another_mediators_entry_is_forbidden(client, users, ids, session):
    other = session.get(type(users["mediator"]), ids["other_mediator"])
    session.commit()
    login(client, other)
    assert client.get(f"/missions/hours/entries/{ids['extra_entry']}/edit").status_code == 403
    assert client.post(f"/missions/hours/entries/{ids['extra_entry']}/delete").status_code == 403


# --- the coordination ----------------------------------------------------------------------------------------------

def test_validate_send_back_reopen_with_mails(client, users, ids, session, smtp_server, now):
    login(client, users["coordinator"])
    url = f"/missions/timesheets/{ids['mediator']}/{M}"
    response = client.post(url + "/validate", follow_redirects=True)
    assert "Impossible de valider : 1 séance passée" in text_of(response)
    assert reload(session, Timesheet, ids["timesheet"]).status == TimesheetStatus.OPEN

    client.post(f"/missions/sessions/{ids['past_session']}/confirm",
                data={"outcome": "held", "for_user_id": str(ids["mediator"])})
    timesheets.submit(session, session.get(type(users["mediator"]), ids["mediator"]), MONTH, now=now)
    session.commit()
    page = text_of(client.get(url))
    assert "Renvoyer pour correction" in page and "À valider" in page

    response = client.post(url + "/send-back", data={"back-comment": "  "})
    assert response.status_code == 400 and "Indiquez ce qu'il faut corriger." in text_of(response)
    response = client.post(url + "/send-back", data={"back-comment": "Il manque la réunion du 2 novembre."})
    assert response.status_code == 302
    assert reload(session, Timesheet, ids["timesheet"]).status == TimesheetStatus.SENT_BACK
    message = smtp_server[-1]
    assert message["To"] == users["mediator"].email and "à corriger" in message["Subject"]
    assert "Il manque la réunion du 2 novembre." in message.get_content()

    response = client.post(url + "/validate")
    assert response.status_code == 302
    ts = reload(session, Timesheet, ids["timesheet"])
    assert ts.status == TimesheetStatus.VALIDATED and ts.validated_by_id == users["coordinator"].id
    assert "est validé" in smtp_server[-1]["Subject"] and len(smtp_server) == 2
    page = text_of(client.get(url))
    assert "Mois validé et verrouillé" in page and "Rouvrir le mois" in page

    response = client.post(url + "/reopen", data={"reopen-reason": ""})
    assert response.status_code == 400 and "Indiquez pourquoi vous rouvrez ce mois." in text_of(response)
    response = client.post(url + "/reopen", data={"reopen-reason": "Erreur sur le 17"})
    assert response.status_code == 302
    ts = reload(session, Timesheet, ids["timesheet"])
    assert ts.status == TimesheetStatus.OPEN and ts.comment == "Erreur sur le 17"
    client.post("/logout")
    login(client, users["mediator"])
    page = text_of(client.get(f"/missions/hours?month={M}"))
    assert "Mois rouvert par la coordination :</strong> Erreur sur le 17" in page


def test_timesheets_list_and_overview(client, users, ids, session):
    login(client, users["coordinator"])
    page = text_of(client.get(f"/missions/timesheets?month={M}"))
    assert users["mediator"].full_name in page and "Autre Médiatrice" in page
    assert text_of(client.get(f"/missions/timesheets?month={M}&status=submitted")).count("data-timesheet=") == 0
    assert text_of(client.get(f"/missions/timesheets?month={M}&status=open")).count("data-timesheet=") == 2
    client.post(f"/missions/sessions/{ids['past_session']}/confirm", data={"outcome": "held"})
    page = text_of(client.get(f"/missions/hours/overview?month={M}"))
    assert elide(f"Tableau des heures de {MONTH_LABEL}", MONTH_LABEL) in page
    assert "Ville de Testville" in page and "<progress" in page
    assert f'data-unreported="{ids["past_session"]}"' in page
    assert "séance réalisée sans activité saisie" in page or "séances réalisées sans activité saisie" in page


def test_dashboard_panels(client, users, ids, session, today):
    login(client, users["mediator"])
    page = text_of(client.get("/"))
    assert "Mes heures" in page and "Séances à confirmer : 1" in page and "C'est fait (3 h)" in page
    client.post("/logout")
    # The coordination's panel counts this month: a session of the mediator this morning, started, to confirm.
    this_morning = factories.mission_session(session, mission=session.get(MissionSession, ids["past_session"]).mission,
                                             start=days.at(today, 9), end=days.at(today, 12))
    factories.assignment(session, mission_session=this_morning, user=users["mediator"])
    session.commit()
    login(client, users["coordinator"])
    page = text_of(client.get("/"))
    assert "Heures et relevés" in page and "Aucun relevé d'heures à valider." in page
    assert f"En {format_date(today, 'MMMM y', locale='fr')} :" in page
    assert "0 séance réalisée sans activité saisie" in page and "1 séance passée à confirmer" in page


def test_menu_entries(client, users, ids):
    login(client, users["mediator"])
    page = text_of(client.get("/"))
    assert 'href="/missions/hours"' in page
    assert 'href="/missions/timesheets"' not in page
    client.post("/logout")
    login(client, users["coordinator"])
    page = text_of(client.get("/"))
    assert 'href="/missions/timesheets"' in page and 'href="/missions/hours/overview"' in page


# --- bounded queries ------------------------------------------------------------------------------------------------

def add_month_of_work(session, users, n: int) -> None:
    """n mediators, each with an organisation, a convention, a session held in the world's month and an extra
    entry."""
    for i in range(n):
        org = factories.organisation(session)
        place = factories.place(session, organisation=org)
        conv = factories.convention(session, organisation=org)
        mission = factories.mission(session, convention=conv, place=place)
        mediator = factories.user(session)
        start = days.at(mday(2 + i % 20), 9)
        s = factories.mission_session(session, mission=mission, start=start, end=start + timedelta(hours=2),
                                      status=SessionStatus.HELD, held_minutes=120)
        factories.assignment(session, mission_session=s, user=mediator)
        factories.time_entry(session, user=mediator, mission_session=s, minutes=120)
        factories.time_entry(session, user=mediator, day=mday(3), minutes=30)
        session.add(Timesheet(user_id=mediator.id, month=MONTH, status=TimesheetStatus.SUBMITTED))
    session.commit()


def count_statements(client, url: str) -> tuple[int, str]:
    with counting(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), text_of(response)


@pytest.mark.parametrize("url", [f"/missions/timesheets?month={M}", f"/missions/hours/overview?month={M}",
                                 f"/missions/timesheets/{{mediator}}/{M}", "/"])
def test_a_bounded_number_of_queries(client, users, ids, session, url):
    url = url.format(**ids)
    login(client, users["coordinator"])
    add_month_of_work(session, users, 3)
    few, _page = count_statements(client, url)
    add_month_of_work(session, users, 30)
    many, page = count_statements(client, url)
    assert few == many, (few, many)
    assert many <= 25
    if "timesheets?" in url:
        assert page.count("data-timesheet=") == 35  # 33 + the world's two mediators
    if "overview" in url:
        assert len(re.findall(r'data-unreported="', page)) == 20  # the first page of 33


def test_my_hours_and_my_week_have_a_bounded_number_of_queries(client, users, ids, session):
    login(client, users["mediator"])
    mediator = users["mediator"]

    def add(n):
        mission = session.get(MissionSession, ids["past_session"]).mission
        for i in range(n):
            start = days.at(mday(16), 7) + timedelta(hours=i % 12, days=i // 12 % 6)
            s = factories.mission_session(session, mission=mission, start=start, end=start + timedelta(minutes=30))
            factories.assignment(session, mission_session=s, user=mediator)
            factories.time_entry(session, user=mediator, day=mday(1 + i % 20), minutes=5)
        session.commit()

    add(2)
    urls = (f"/missions/hours?month={M}", WEEK)
    few = [count_statements(client, u)[0] for u in urls]
    add(20)
    many = [count_statements(client, u)[0] for u in urls]
    assert few == many and max(many) <= 20
