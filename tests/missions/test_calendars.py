"""Calendar pages: the coordinator's week and month, « Ma semaine », the dashboard panel; filters, dates, and a
bounded number of SQL statements whatever the number of sessions."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from coopnum.core.db import db
from coopnum.missions.models import Absence, AbsenceKind, Organisation, SessionStatus
from tests import factories
from tests.conftest import login, text_of

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 23 November 2026, 11:00 in Paris


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("coopnum.missions.views.calendars.utcnow", lambda: NOW)


def utc(day, hour, minute=0):
    return datetime(2026, 11, 1, hour, minute, tzinfo=UTC) + timedelta(days=day - 1)


@pytest.fixture
def week(session, users):
    """The week of Monday 23 November 2026 (Paris), its edges, two organisations and an absence."""
    org = session.get(Organisation, users["authority"].organisation_id)
    other_org = factories.organisation(session, name="Commune Voisine")
    other_mediator = factories.user(session, full_name="Zoé Autre")
    place = factories.place(session, organisation=org, name="Médiathèque")
    other_place = factories.place(session, organisation=other_org, name="Mairie Voisine")
    conv = factories.convention(session, organisation=org)
    other_conv = factories.convention(session, organisation=other_org)
    m_a = factories.mission(session, convention=conv, place=place, title="Permanence Médiathèque")
    m_pm = factories.mission(session, convention=conv, place=place, title="Atelier de l'après-midi")
    m_b = factories.mission(session, convention=other_conv, place=other_place, title="Atelier Voisin")
    m_c = factories.mission(session, convention=conv, place=place, title="Atelier annulé")
    m_sun = factories.mission(session, convention=conv, place=place, title="Veillée du dimanche")
    m_next = factories.mission(session, convention=conv, place=place, title="Minuit lundi")
    m_prev = factories.mission(session, convention=conv, place=place, title="Dimanche soir précédent")
    m_duo = factories.mission(session, convention=other_conv, place=other_place, title="Permanence à deux",
                              mediators_needed=2)

    def add(mission, start, hours=3, **kw):
        return factories.mission_session(session, mission=mission, start=start,
                                         end=start + timedelta(hours=hours), **kw)

    s = {
        "pm": add(m_pm, utc(23, 13)),  # Monday 14:00 Paris, added first on purpose
        "mon": add(m_a, utc(23, 8)),  # Monday 09:00 Paris
        "wed": add(m_b, utc(25, 13)),  # open: nobody assigned
        "cancelled": add(m_c, utc(26, 8), status=SessionStatus.CANCELLED),
        "sun": add(m_sun, utc(29, 22, 30), hours=1),  # Sunday 23:30 Paris: still this week
        "next": add(m_next, utc(29, 23, 30), hours=1),  # Monday 30 November 00:30 Paris: next week
        "prev": add(m_prev, utc(22, 22, 30), hours=1),  # Sunday 22 November 23:30 Paris: previous week
        "duo": add(m_duo, utc(27, 8)),  # needs two, has one (the mediator)
        "full": add(m_b, utc(24, 8)),  # has its one mediator (the other one)
        "past_open": add(m_b, utc(16, 8)),
    }
    factories.assignment(session, mission_session=s["mon"], user=users["mediator"])
    factories.assignment(session, mission_session=s["pm"], user=other_mediator)
    factories.assignment(session, mission_session=s["sun"], user=users["mediator"])
    factories.assignment(session, mission_session=s["duo"], user=users["mediator"])
    factories.assignment(session, mission_session=s["full"], user=other_mediator)
    session.add(Absence(user_id=users["mediator"].id, kind=AbsenceKind.LEAVE, start=utc(25, 23), end=utc(27, 23)))
    session.commit()
    return {"sessions": s, "org": org, "other_org": other_org, "place": place, "other_place": other_place,
            "other_mediator": other_mediator}


def days_of(html: str) -> list[str]:
    """The HTML of each day column (Monday → Sunday)."""
    parts = re.split(r'<section class="cal-day', html)[1:]
    return parts[:7]


def test_week_shows_the_sessions_of_the_week_by_day_and_time(client, users, week):
    login(client, users["coordinator"])
    response = client.get("/missions/calendar/week?date=2026-11-25")
    assert response.status_code == 200
    html = text_of(response)
    assert "semaine du 23 novembre au 29 novembre 2026" in html
    days = days_of(html)
    assert len(days) == 7
    monday, tuesday, wednesday, thursday, friday, saturday, sunday = days
    assert "lundi 23 novembre" in monday and "dimanche 29 novembre" in sunday
    # sorted by time, whatever the order of creation
    assert monday.index("Permanence Médiathèque") < monday.index("Atelier de l'après-midi")
    assert "09:00–12:00" in monday and "14:00–17:00" in monday
    assert "Médiathèque" in monday and users["mediator"].full_name in monday and "Zoé Autre" in monday
    assert "Atelier Voisin" in wednesday and "À pourvoir" in wednesday and "Mairie Voisine" in wednesday
    assert "À pourvoir" not in tuesday  # the one needed mediator is there
    assert re.search(r"<s>(<a [^>]*>)?Atelier annulé", thursday) and "Annulée" in thursday
    assert "À pourvoir" not in thursday  # a cancelled session needs nobody
    assert "Permanence à deux" in friday and "À pourvoir" in friday  # one of two
    assert "Veillée du dimanche" in sunday and "23:30–00:30" in sunday
    assert "Minuit lundi" not in html and "Dimanche soir précédent" not in html
    # absence (Thursday and Friday in Paris)
    absent = f"Absent·e : {users['mediator'].full_name} (Congé)"
    assert absent in thursday and absent in friday
    assert absent not in wednesday and absent not in saturday
    assert "Séances cette semaine : 7" in html and "À pourvoir : 2" in html
    # the navigation keeps the week
    assert 'href="/missions/calendar/week?date=2026-11-16"' in html
    assert 'href="/missions/calendar/week?date=2026-11-30"' in html


def test_week_edges_follow_paris_time(client, users, week):
    login(client, users["coordinator"])
    html = text_of(client.get("/missions/calendar/week?date=2026-11-30"))
    assert "Minuit lundi" in days_of(html)[0] and "00:30–01:30" in days_of(html)[0]
    html = text_of(client.get("/missions/calendar/week?date=2026-11-22"))
    assert "Dimanche soir précédent" in days_of(html)[6]


def test_session_links_only_when_the_session_page_exists(app, client, users, week):
    s = week["sessions"]["mon"]
    login(client, users["mediator"])
    if "missions.session_detail" in app.view_functions:
        assert f'href="/missions/sessions/{s.id}"' in text_of(client.get("/missions/calendar/week?date=2026-11-23"))
    app.view_functions.pop("missions.session_detail", None)
    html = text_of(client.get("/missions/calendar/week?date=2026-11-23"))
    assert "Permanence Médiathèque" in html and f"/missions/sessions/{s.id}" not in html


@pytest.mark.parametrize(("filter_", "shown", "hidden"), [
    ("mediator", {"Permanence Médiathèque", "Veillée du dimanche", "Permanence à deux"},
     {"Atelier Voisin", "Atelier de l'après-midi", "Atelier annulé"}),
    ("place", {"Atelier Voisin", "Permanence à deux"}, {"Permanence Médiathèque", "Veillée du dimanche"}),
    ("organisation", {"Atelier Voisin", "Permanence à deux"}, {"Permanence Médiathèque", "Atelier annulé"}),
])
def test_week_filters(client, users, week, filter_, shown, hidden):
    value = {"mediator": users["mediator"].id, "place": week["other_place"].id,
             "organisation": week["other_org"].id}[filter_]
    login(client, users["coordinator"])
    html = text_of(client.get(f"/missions/calendar/week?date=2026-11-24&{filter_}={value}"))
    for title in shown:
        assert title in html, title
    for title in hidden:
        assert title not in html, title
    # the filter is selected and kept across the navigation
    assert re.search(rf'<option selected value="{value}">', html)
    assert f"date=2026-11-16&amp;{filter_}={value}" in html or f"date=2026-11-16&{filter_}={value}" in html
    assert f"date=2026-11-30&amp;{filter_}={value}" in html or f"date=2026-11-30&{filter_}={value}" in html
    if filter_ == "mediator":
        assert f"Absent·e : {users['mediator'].full_name}" in html


def test_unknown_filter_values_are_ignored(client, users, week):
    login(client, users["coordinator"])
    response = client.get("/missions/calendar/week?date=2026-11-24&mediator=abc&place=999999&organisation=-3")
    assert response.status_code == 200
    html = text_of(response)
    assert "Permanence Médiathèque" in html and "Atelier Voisin" in html
    # a member is not offered as a mediator, and filtering on them shows everything
    member = users["member"].id
    html = text_of(client.get(f"/missions/calendar/week?date=2026-11-24&mediator={member}"))
    assert "Atelier Voisin" in html and f'<option selected value="{member}">' not in html


@pytest.mark.parametrize("bad", ["2026-13-45", "demain", "99999-01-01", "0001-01-01", "2026-02-30", "%00"])
def test_invalid_date_shows_today(client, users, week, bad):
    login(client, users["mediator"])
    for url in (f"/missions/calendar/week?date={bad}", f"/missions/calendar/month?date={bad}",
                f"/missions/my-week?date={bad}"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = text_of(response)
        assert "Date invalide" in html
        assert "23 novembre" in html or "novembre 2026" in html


def test_month_view(client, users, week):
    login(client, users["coordinator"])
    response = client.get("/missions/calendar/month?date=2026-11-10")
    assert response.status_code == 200
    html = text_of(response)
    assert "Calendrier : novembre 2026" in html
    for title in ("Permanence Médiathèque", "Atelier Voisin", "Minuit lundi", "Dimanche soir précédent"):
        assert title in html
    assert "<s>" in html and "À pourvoir" in html
    assert "Séances ce mois-ci : 10" in html
    assert html.count("<tr>") == 1 + 6  # header + six weeks (26 October → 6 December)
    assert 'href="/missions/calendar/month?date=2026-10-01"' in html
    assert 'href="/missions/calendar/month?date=2026-12-01"' in html
    # December: 30 November is shown in the grid but not counted
    html = text_of(client.get("/missions/calendar/month?date=2026-12-05"))
    assert "Minuit lundi" in html and "Séances ce mois-ci : 0" in html
    # filters
    html = text_of(client.get(f"/missions/calendar/month?date=2026-11-10&organisation={week['other_org'].id}"))
    assert "Atelier Voisin" in html and "Permanence Médiathèque" not in html


def test_mediator_sees_the_calendar_read_only_and_others_do_not(client, users, week):
    login(client, users["mediator"])
    html = text_of(client.get("/missions/calendar/week?date=2026-11-24"))
    assert "Atelier Voisin" in html and "Atelier de l'après-midi" in html  # all sessions
    assert "<form method=\"post\"" not in html.split("<main")[1]
    client.post("/logout")
    login(client, users["authority"])
    assert client.get("/missions/calendar/week").status_code == 403
    assert client.get("/missions/my-week").status_code == 403


def test_my_week(client, users, week):
    s = week["sessions"]
    login(client, users["mediator"])
    response = client.get("/missions/my-week?date=2026-11-25")
    assert response.status_code == 200
    html = text_of(response)
    mine, _, open_part = html.partition('id="open-sessions"')
    assert "Ma semaine du 23 novembre au 29 novembre 2026" in mine
    for title in ("Permanence Médiathèque", "Veillée du dimanche", "Permanence à deux"):
        assert title in mine
    for title in ("Atelier de l'après-midi", "Atelier Voisin", "Atelier annulé"):
        assert title not in mine
    assert "Absence : Congé" in mine
    # open sessions: future, planned, short of mediators, and not already mine
    assert f'data-open-session="{s["wed"].id}"' in open_part
    assert f'data-open-session="{s["duo"].id}"' not in open_part  # I am already on it
    assert f'data-open-session="{s["full"].id}"' not in open_part
    assert f'data-open-session="{s["cancelled"].id}"' not in open_part
    assert f'data-open-session="{s["past_open"].id}"' not in open_part
    assert 'href="/missions/my-week?date=2026-11-16"' in html and 'href="/missions/my-week?date=2026-11-30"' in html
    html = text_of(client.get("/missions/my-week?date=2026-11-30"))
    mine, _, open_part = html.partition('id="open-sessions"')
    assert "Minuit lundi" not in mine and "Minuit lundi" in open_part  # not mine, but open


def test_dashboard_panel_and_menu(client, users, week):
    login(client, users["mediator"])
    html = text_of(client.get("/"))
    panel = html.split('id="panel-my-week"')[1].split("</section>")[0]
    assert "Ma semaine" in html and "Permanence à deux" in panel and "Veillée du dimanche" in panel
    assert "Permanence Médiathèque" in panel  # under way (09:00–12:00, it is 11:00)
    assert panel.index("Permanence Médiathèque") < panel.index("Permanence à deux") < panel.index("Veillée")
    assert "Atelier Voisin" not in panel and "Minuit lundi" not in panel
    nav = html.split('aria-label="Navigation principale"')[1].split("</nav>")[0]
    assert 'href="/missions/my-week"' in nav and 'href="/missions/calendar/week"' in nav
    client.post("/logout")
    login(client, users["coordinator"])
    nav = text_of(client.get("/")).split('aria-label="Navigation principale"')[1].split("</nav>")[0]
    assert 'href="/missions/calendar/week"' in nav and 'href="/missions/my-week"' not in nav
    client.post("/logout")
    login(client, users["authority"])
    html = text_of(client.get("/"))
    assert "/missions/calendar/week" not in html and 'id="panel-my-week"' not in html


# --- bounded queries ----------------------------------------------------------------------------------------------

def add_sessions(session, users, n: int) -> None:
    """n sessions in the week of 23 November, each with its own organisation, place, mission and mediator."""
    for i in range(n):
        org = factories.organisation(session)
        place = factories.place(session, organisation=org)
        conv = factories.convention(session, organisation=org)
        mission = factories.mission(session, convention=conv, place=place)
        start = utc(23 + i % 7, 8 + i % 8)
        s = factories.mission_session(session, mission=mission, start=start, end=start + timedelta(hours=1))
        factories.assignment(session, mission_session=s, user=factories.user(session))
        factories.assignment(session, mission_session=s, user=users["mediator"])
        session.add(Absence(user_id=s.assignments[0].user_id, start=start, end=start + timedelta(days=1)))
    session.commit()


def count_statements(client, url: str) -> int:
    engine = db.engine
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/missions/calendar/week?date=2026-11-23", "/missions/calendar/month?date=2026-11-23",
                                 "/missions/my-week?date=2026-11-23"])
def test_a_bounded_number_of_queries(client, session, users, url):
    login(client, users["mediator"])
    add_sessions(session, users, 3)
    few = count_statements(client, url)
    add_sessions(session, users, 27)
    many = count_statements(client, url)
    assert few == many, (few, many)
    assert many <= 15
    html = text_of(client.get(url))
    assert html.count("data-session=") >= 30 if "my-week" not in url else html.count("data-session=") == 30
