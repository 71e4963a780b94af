"""The authority portal: a contact sees its organisation's conventions and sessions, never another's."""

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from coopnum.core import clock
from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.organisations.models import Convention, Organisation
from coopnum.portal import queries as svc
from tests import factories
from tests.conftest import login, text_of


@pytest.fixture
def world(session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    return ids


def at_paris_morning(days: int) -> datetime:
    """09:00–12:00 Paris (08:00 UTC in winter, 07:00 in summer), ``days`` from today."""
    day = clock.paris_today(clock.now()) + timedelta(days=days)
    return datetime.combine(day, time(9, 0), clock.PARIS).astimezone(UTC)


def add_session(session, mission, days: int, **kw) -> MissionSession:
    start = at_paris_morning(days)
    return factories.mission_session(session, mission=mission, start=start, end=start + timedelta(hours=3), **kw)


@pytest.fixture
def sessions(session, users, world):
    """Own sessions in the past and the future (one cancelled), and other organisations' sessions around them."""
    from coopnum.missions.models import Mission

    own = session.get(Mission, world["own_mission"])
    other = session.get(Mission, world["other_mission"])
    made = {
        "own_past": add_session(session, own, -7),
        "own_future": add_session(session, own, 5),
        "own_cancelled": add_session(session, own, 12, status=SessionStatus.CANCELLED,
                                     cancel_reason="Salle indisponible"),
        "other_past": add_session(session, other, -7),
        "other_future": add_session(session, other, 5),
    }
    factories.assignment(session, mission_session=made["own_future"], user=users["mediator"])
    session.commit()
    return {k: v.id for k, v in made.items()}


def org_session_ids(session, organisation_id, **filters):
    ids = set()
    for upcoming in (True, False):
        stmt = svc.organisation_sessions_stmt(organisation_id, svc.SessionFilter(upcoming=upcoming, **filters),
                                              now=clock.now())
        ids |= {s.id for s in session.execute(stmt).scalars().unique()}
    return ids


def test_the_portal_query_returns_exactly_the_organisation_sessions(session, world, sessions):
    own = org_session_ids(session, world["own_org"])
    assert own == {world["assigned_session"], world["open_session"], world["past_session"], sessions["own_past"],
                   sessions["own_future"], sessions["own_cancelled"]}
    other = org_session_ids(session, world["other_org"])
    assert other == {world["other_session"], sessions["other_past"], sessions["other_future"]}
    # filtering on another organisation's convention gives nothing, not its sessions
    assert org_session_ids(session, world["own_org"], convention_id=world["other_convention"]) == set()


def test_home_shows_the_organisation_conventions_sessions_and_requests(client, session, users, world, sessions):
    login(client, users["authority"])
    response = client.get("/missions/portal")
    assert response.status_code == 200
    page = text_of(response)
    own = session.get(Convention, world["own_convention"])
    other = session.get(Convention, world["other_convention"])
    assert "<h1>Ville de Testville</h1>" in page
    assert own.reference in page and other.reference not in page
    assert "<progress" in page and "prévu par la convention : 300 h" in page
    assert "Prochaines séances" in page and "Médiathèque de Testville" in page and "Mairie Voisine" not in page
    assert f"/missions/requests/{world['own_request']}\"" in page
    assert f"/missions/requests/{world['other_request']}\"" not in page


def test_home_shows_the_recent_conventions_and_links_to_the_older(client, session, users, world):
    today = clock.paris_today(clock.now())
    own_org = session.get(Organisation, world["own_org"])
    recent = factories.convention(session, organisation=own_org, reference="CONV-FINIE-RECENTE",
                                  start_date=today - timedelta(days=700), end_date=today - timedelta(days=365))
    olds = [factories.convention(session, organisation=own_org, reference=f"CONV-ANCIENNE-{n}",
                                 start_date=today - timedelta(days=1500 + n), end_date=today - timedelta(days=366 + n))
            for n in range(2)]
    session.commit()
    login(client, users["authority"])
    page = text_of(client.get("/missions/portal"))
    assert session.get(Convention, world["own_convention"]).reference in page and recent.reference in page
    assert not any(old.reference in page for old in olds)
    assert "Toutes les conventions (dont 2 terminées depuis plus d’un an)" in page
    assert 'href="/missions/portal/conventions"' in page
    # the conventions page lists them all, the most recent first, with their volume and reports
    response = client.get("/missions/portal/conventions")
    assert response.status_code == 200
    page = text_of(response)
    own = session.get(Convention, world["own_convention"]).reference
    assert page.index(own) < page.index(recent.reference) < page.index(olds[0].reference) < page.index(olds[1].reference)
    assert "prévu par la convention" in page and "Rapport d’activité" in page
    # an ended convention links to the report of its whole period, not to this month's (empty) one
    old = olds[0]
    links = re.findall(r'href="([^"]*/report\?[^"]*)"', page)
    assert any(f"from={old.start_date.isoformat()}" in link and f"to={old.end_date.isoformat()}" in link
               and "period=custom" in link for link in links), links
    assert "Toute la convention (du " in page
    other = session.get(Convention, world["other_convention"]).reference
    assert other not in page  # never another organisation's


def test_recent_conventions_of_an_organisation_with_only_old_ones(session, world):
    today = clock.paris_today(clock.now())
    org = factories.organisation(session, name="Commune Ancienne")
    factories.convention(session, organisation=org, start_date=today - timedelta(days=900),
                         end_date=today - timedelta(days=400))
    assert svc.recent_conventions(session, org.id, today=today) == ([], 1)
    own = svc.recent_conventions(session, world["own_org"], today=today)
    assert [c.id for c in own[0]] == [world["own_convention"]] and own[1] == 0


def test_home_without_older_conventions_has_no_link(client, users, world):
    login(client, users["authority"])
    page = text_of(client.get("/missions/portal"))
    assert "/missions/portal/conventions" not in page


def test_volume_used_and_planned_are_shown(client, session, users, world, sessions):
    conv = session.get(Convention, world["own_convention"])
    conv.contracted_volume = Decimal("10")
    for sid in (world["assigned_session"], world["open_session"], world["past_session"]):  # fixed dates: out
        session.get(MissionSession, sid).status = SessionStatus.CANCELLED
    session.commit()
    login(client, users["authority"])
    page = text_of(client.get("/missions/portal"))
    # own_past (3 h) is used, own_future (3 h) planned; cancelled sessions count for nothing
    assert "Effectué : 3 h · planifié : 3 h · prévu par la convention : 10 h" in page
    assert '<progress value="3' in page and 'max="10' in page


def test_sessions_page_upcoming_and_past_tabs(client, session, users, world, sessions):
    login(client, users["authority"])
    upcoming = text_of(client.get("/missions/portal/sessions"))
    assert "Médiathèque de Testville" in upcoming and "Mairie Voisine" not in upcoming
    assert "09:00–12:00" in upcoming  # Europe/Paris
    assert users["mediator"].first_name in upcoming
    assert "Annulée" in upcoming and "Salle indisponible" in upcoming  # cancelled ones stay visible
    assert 'aria-current="page">À venir' in upcoming
    past = text_of(client.get("/missions/portal/sessions?when=past"))
    assert 'aria-current="page">Passées' in past
    assert "Salle indisponible" not in past and "Mairie Voisine" not in past
    assert "Médiathèque de Testville" in past  # own_past


def test_sessions_page_filters_by_convention_and_dates(client, session, users, world, sessions):
    own_org = session.get(Organisation, world["own_org"])
    second = factories.convention(session, organisation=own_org, reference="CONV-ATELIERS")
    place = factories.place(session, organisation=own_org, name="Maison de quartier")
    mission = factories.mission(session, convention=second, place=place, title="Ateliers tablette")
    add_session(session, mission, 3)
    add_session(session, mission, 40)
    session.commit()
    login(client, users["authority"])
    page = text_of(client.get(f"/missions/portal/sessions?convention_id={second.id}"))
    assert "Ateliers tablette" in page and "Médiathèque de Testville" not in page
    day = clock.paris_today(clock.now())
    page = text_of(client.get("/missions/portal/sessions", query_string={
        "convention_id": second.id, "date_from": (day + timedelta(days=30)).isoformat(),
        "date_to": (day + timedelta(days=45)).isoformat()}))
    assert page.count("Ateliers tablette") == 1
    # another organisation's convention: nothing, not its sessions
    page = text_of(client.get(f"/missions/portal/sessions?convention_id={world['other_convention']}"))
    assert "Mairie Voisine" not in page and "Aucun résultat." in page
    # a bad date is ignored, not a 500
    assert client.get("/missions/portal/sessions?date_from=pas-une-date").status_code == 200


def test_sessions_are_paginated_by_20(client, session, users, world):
    own_org = session.get(Organisation, world["own_org"])
    conv = factories.convention(session, organisation=own_org)
    place = factories.place(session, organisation=own_org)
    mission = factories.mission(session, convention=conv, place=place, title="Atelier paginé")
    for n in range(25):
        add_session(session, mission, n + 1)
    session.commit()
    login(client, users["authority"])
    first = text_of(client.get(f"/missions/portal/sessions?convention_id={conv.id}"))
    assert first.count("Atelier paginé") == 20 and "25 résultats" in first
    second = text_of(client.get(f"/missions/portal/sessions?convention_id={conv.id}&page=2"))
    assert second.count("Atelier paginé") == 5


def test_a_contact_of_another_organisation_sees_its_own_portal_only(client, session, users, world, sessions):
    neighbour = factories.user(session, roles=["authority"], organisation=session.get(Organisation,
                                                                                        world["other_org"]))
    session.commit()
    login(client, neighbour)
    page = text_of(client.get("/missions/portal/sessions"))
    assert "Mairie Voisine" in page and "Médiathèque de Testville" not in page
    page = text_of(client.get("/missions/portal"))
    assert "Commune Voisine" in page and "Ville de Testville" not in page


def test_an_account_without_organisation_gets_an_explanation(client, users):
    login(client, users["admin"])
    response = client.get("/missions/portal")
    assert response.status_code == 200
    assert "Votre compte n'est rattaché à aucune structure." in text_of(response)
    assert client.get("/missions/portal/requests/new").status_code == 403


def test_other_roles_have_no_portal(client, users):
    for role in ("coordinator", "mediator", "member"):
        client.post("/logout")
        login(client, users[role])
        assert client.get("/missions/portal").status_code == 403
        assert client.get("/missions/portal/sessions").status_code == 403
