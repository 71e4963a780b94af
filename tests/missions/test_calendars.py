"""Calendar pages: the coordinator's week and month, « Ma semaine », the dashboard panel; filters, dates, and a
bounded number of SQL statements whatever the number of sessions.

The calendar's week is that of ``WEEK``, the second Monday of next month: it is in the future whatever the day
the suite runs on, and the week before and the week after (the first and the third Mondays) are in the same
month. The tests about "now" (the dashboard panel, the open sessions of « Ma semaine ») move the clock to 11:00
on that Monday; the others run on the pinned day."""

import calendar
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date

from coopnum.core.db import db
from coopnum.missions.models import Absence, AbsenceKind, SessionStatus
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.conftest import login, text_of
from tests.queries import counting

WEEK = days.nth_weekday(days.month_start(1), days.MONDAY, 2)  # the 8th to the 14th of next month


def day(n: int) -> date:
    """Day n of WEEK's week (0: Monday … 6: Sunday; -1: the Sunday before; 7: the Monday after)."""
    return WEEK + timedelta(days=n)


def fr(value: date, fmt: str) -> str:
    return format_date(value, fmt, locale="fr")


@pytest.fixture
def monday_11(travel):
    """It is 11:00 in Paris on the Monday of the week: its 09:00 session is under way."""
    travel.move_to(days.at(WEEK, 11))


@pytest.fixture
def week(session, users):
    """The week of WEEK (Paris), its edges, two organisations and an absence."""
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
        "pm": add(m_pm, days.at(day(0), 14)),  # Monday 14:00 Paris, added first on purpose
        "mon": add(m_a, days.at(day(0), 9)),  # Monday 09:00 Paris
        "wed": add(m_b, days.at(day(2), 14)),  # open: nobody assigned
        "cancelled": add(m_c, days.at(day(3), 9), status=SessionStatus.CANCELLED),
        "sun": add(m_sun, days.at(day(6), 23, 30), hours=1),  # Sunday 23:30 Paris: still this week
        "next": add(m_next, days.at(day(7), 0, 30), hours=1),  # the next Monday 00:30 Paris: next week
        "prev": add(m_prev, days.at(day(-1), 23, 30), hours=1),  # the Sunday before, 23:30 Paris: last week
        "duo": add(m_duo, days.at(day(4), 9)),  # needs two, has one (the mediator)
        "full": add(m_b, days.at(day(1), 9)),  # has its one mediator (the other one)
        "past_open": add(m_b, days.at(day(-7), 9)),  # the Monday before: past at 11:00 on WEEK
    }
    factories.assignment(session, mission_session=s["mon"], user=users["mediator"])
    factories.assignment(session, mission_session=s["pm"], user=other_mediator)
    factories.assignment(session, mission_session=s["sun"], user=users["mediator"])
    factories.assignment(session, mission_session=s["duo"], user=users["mediator"])
    factories.assignment(session, mission_session=s["full"], user=other_mediator)
    # Thursday and Friday (Paris)
    session.add(Absence(user_id=users["mediator"].id, kind=AbsenceKind.LEAVE, start=days.at(day(3), 0),
                        end=days.at(day(5), 0)))
    session.commit()
    return {"sessions": s, "org": org, "other_org": other_org, "place": place, "other_place": other_place,
            "other_mediator": other_mediator}


def days_of(html: str) -> list[str]:
    """The HTML of each day column (Monday → Sunday)."""
    parts = re.split(r'<section class="cal-day', html)[1:]
    return parts[:7]


def test_week_shows_the_sessions_of_the_week_by_day_and_time(client, users, week):
    login(client, users["coordinator"])
    response = client.get(f"/missions/calendar/week?date={day(2)}")
    assert response.status_code == 200
    html = text_of(response)
    assert f"semaine du {fr(day(0), 'd MMMM')} au {fr(day(6), 'd MMMM y')}" in html
    columns = days_of(html)
    assert len(columns) == 7
    monday, tuesday, wednesday, thursday, friday, saturday, sunday = columns
    assert fr(day(0), "EEEE d MMMM") in monday and fr(day(6), "EEEE d MMMM") in sunday
    assert fr(day(0), "EEEE d MMMM").startswith("lundi") and fr(day(6), "EEEE d MMMM").startswith("dimanche")
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
    assert f'href="/missions/calendar/week?date={day(-7)}"' in html
    assert f'href="/missions/calendar/week?date={day(7)}"' in html


def test_week_edges_follow_paris_time(client, users, week):
    login(client, users["coordinator"])
    html = text_of(client.get(f"/missions/calendar/week?date={day(7)}"))
    assert "Minuit lundi" in days_of(html)[0] and "00:30–01:30" in days_of(html)[0]
    html = text_of(client.get(f"/missions/calendar/week?date={day(-1)}"))
    assert "Dimanche soir précédent" in days_of(html)[6]


def test_sessions_link_to_their_page(client, users, week, monday_11):
    s = week["sessions"]
    login(client, users["mediator"])
    for url in (f"/missions/calendar/week?date={day(0)}", f"/missions/calendar/month?date={day(0)}",
                f"/missions/my-week?date={day(0)}"):
        html = text_of(client.get(url))
        assert "Permanence Médiathèque" in html and f'href="/missions/sessions/{s["mon"].id}"' in html, url
    # the open sessions of « Ma semaine » too
    open_part = text_of(client.get(f"/missions/my-week?date={day(0)}")).partition('id="open-sessions"')[2]
    assert f'href="/missions/sessions/{s["wed"].id}"' in open_part


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
    html = text_of(client.get(f"/missions/calendar/week?date={day(1)}&{filter_}={value}"))
    for title in shown:
        assert title in html, title
    for title in hidden:
        assert title not in html, title
    # the filter is selected and kept across the navigation
    assert re.search(rf'<option selected value="{value}">', html)
    for other_week in (day(-7), day(7)):
        link = f"date={other_week}&amp;{filter_}={value}"
        assert link in html or link.replace("&amp;", "&") in html
    # absences are not filtered by place or organisation: the mediator's shows whatever the filter
    assert f"Absent·e : {users['mediator'].full_name}" in html


def test_unknown_filter_values_are_ignored(client, users, week):
    login(client, users["coordinator"])
    response = client.get(f"/missions/calendar/week?date={day(1)}&mediator=abc&place=999999&organisation=-3")
    assert response.status_code == 200
    html = text_of(response)
    assert "Permanence Médiathèque" in html and "Atelier Voisin" in html
    # a member is not offered as a mediator, and filtering on them shows everything
    member = users["member"].id
    html = text_of(client.get(f"/missions/calendar/week?date={day(1)}&mediator={member}"))
    assert "Atelier Voisin" in html and f'<option selected value="{member}">' not in html


def test_a_control_character_in_the_date_is_a_malformed_request(client, users):
    """NUL in a query string is refused before the view (the French 400 page), as everywhere (issue 12)."""
    login(client, users["mediator"])
    for path in ("/missions/calendar/week", "/missions/calendar/month", "/missions/my-week"):
        response = client.get(f"{path}?date=%00")
        assert response.status_code == 400, path
        assert "Requête invalide." in text_of(response)


@pytest.mark.parametrize("bad", ["2026-13-45", "demain", "99999-01-01", "0001-01-01", "2026-02-30"])
def test_invalid_date_shows_today(client, users, week, bad):
    login(client, users["mediator"])
    monday, today = days.week_monday(0), days.TODAY
    this_week = f"semaine du {fr(monday, 'd MMMM')} au {fr(monday + timedelta(days=6), 'd MMMM y')}"
    today_column = f"{fr(today, 'EEEE d MMMM')} <small>(aujourd'hui)</small>"
    today_cell = re.compile(rf'<td class=" today">\s*<a class="num" href="/missions/calendar/week\?date={today}"',
                            re.S)
    for path, shows_today in (("/missions/calendar/week", [f"Calendrier : {this_week}", today_column]),
                              ("/missions/calendar/month", [f"Calendrier : {fr(today, 'MMMM y')}"]),
                              ("/missions/my-week", [f"Ma {this_week}", today_column])):
        response = client.get(f"{path}?date={bad}")
        assert response.status_code == 200, path
        html = text_of(response)
        assert "Date invalide" in html
        for text in shows_today:
            assert text in html, (path, text)
        # the same page as without a date
        assert all(text in text_of(client.get(path)) for text in shows_today)
    assert today_cell.search(text_of(client.get(f"/missions/calendar/month?date={bad}")))


def test_month_view(client, session, users, week):
    login(client, users["coordinator"])
    first = WEEK.replace(day=1)
    response = client.get(f"/missions/calendar/month?date={day(2)}")
    assert response.status_code == 200
    html = text_of(response)
    assert f"Calendrier : {fr(first, 'MMMM y')}" in html
    for title in ("Permanence Médiathèque", "Atelier Voisin", "Minuit lundi", "Dimanche soir précédent"):
        assert title in html
    assert "<s>" in html and "À pourvoir" in html
    assert "Séances ce mois-ci : 10" in html  # the week's and its edges': all in this month
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
    assert html.count("<tr>") == 1 + len(weeks)  # header + the weeks (Monday → Sunday) holding a day of it
    assert f'href="/missions/calendar/month?date={days.month_start(0)}"' in html
    assert f'href="/missions/calendar/month?date={days.month_start(2)}"' in html
    # The last day of a month is shown in the next month's grid, but not counted there: a month that does not
    # start on a Monday (of the next three, one at least) opens on the last days of the month before.
    later = next(m for m in (days.month_start(k) for k in (2, 3, 4)) if m.weekday() != days.MONDAY)
    eve = later - timedelta(days=1)
    mission = factories.mission(session, convention=factories.convention(session, organisation=week["org"]),
                                place=week["place"], title="Veillée de fin de mois")
    factories.mission_session(session, mission=mission, start=days.at(eve, 20), end=days.at(eve, 21))
    session.commit()
    html = text_of(client.get(f"/missions/calendar/month?date={later}"))
    assert "Veillée de fin de mois" in html and "Séances ce mois-ci : 0" in html
    assert html.split("Veillée de fin de mois")[0].rsplit("<td", 1)[1].startswith(' class="outside"')
    # filters
    html = text_of(client.get(f"/missions/calendar/month?date={day(2)}&organisation={week['other_org'].id}"))
    assert "Atelier Voisin" in html and "Permanence Médiathèque" not in html


def test_a_busy_day_of_the_month_shows_its_first_sessions_and_counts_the_others(client, session, users, week):
    """A day of twenty mediators holds dozens of sessions: its cell shows the first six by time, then « + N autres
    séances (dont K à pourvoir) » linking to that day's week, and the month's total still counts them all."""
    login(client, users["coordinator"])
    busy = day(5)  # the Saturday of the week: it holds none of the fixture's sessions
    mission = factories.mission(session, convention=factories.convention(session, organisation=week["org"]),
                                place=week["place"], title="Permanence chargée", mediators_needed=1)
    for hour in range(8, 17):  # nine sessions, 08:00 → 16:00; the last three are hidden, two of them open
        s = factories.mission_session(session, mission=mission, start=days.at(busy, hour),
                                      end=days.at(busy, hour) + timedelta(minutes=45))
        if hour < 15:
            factories.assignment(session, mission_session=s, user=users["mediator"])
    session.commit()
    html = text_of(client.get(f"/missions/calendar/month?date={busy}"))
    cell = html.split(f'href="/missions/calendar/week?date={busy}"', 1)[1].split("</td>")[0]
    assert [f"{h:02d}:00" for h in range(8, 14)] == re.findall(r"(\d\d:00)\s*<a", cell)
    assert "14:00" not in cell and "16:00" not in cell
    assert "+ 3 autres séances (dont 2 à pourvoir)" in cell
    assert f'<a href="/missions/calendar/week?date={busy}">+ 3 autres' in cell
    assert "Séances ce mois-ci : 19" in html  # the fixture's ten and the nine


def test_mediator_sees_the_calendar_read_only_and_others_do_not(client, users, week):
    login(client, users["mediator"])
    html = text_of(client.get(f"/missions/calendar/week?date={day(1)}"))
    assert "Atelier Voisin" in html and "Atelier de l'après-midi" in html  # all sessions
    assert "<form method=\"post\"" not in html.split("<main")[1]
    client.post("/logout")
    login(client, users["authority"])
    assert client.get("/missions/calendar/week").status_code == 403
    assert client.get("/missions/my-week").status_code == 403


def test_my_week(client, users, week, monday_11):
    s = week["sessions"]
    login(client, users["mediator"])
    response = client.get(f"/missions/my-week?date={day(2)}")
    assert response.status_code == 200
    html = text_of(response)
    mine, _, open_part = html.partition('id="open-sessions"')
    assert f"Ma semaine du {fr(day(0), 'd MMMM')} au {fr(day(6), 'd MMMM y')}" in mine
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
    assert f'href="/missions/my-week?date={day(-7)}"' in html
    assert f'href="/missions/my-week?date={day(7)}"' in html
    html = text_of(client.get(f"/missions/my-week?date={day(7)}"))
    mine, _, open_part = html.partition('id="open-sessions"')
    assert "Minuit lundi" not in mine and "Minuit lundi" in open_part  # not mine, but open


def test_dashboard_panel_and_menu(client, users, week, monday_11):
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
    """n sessions in the week of WEEK, each with its own organisation, place, mission and mediator."""
    for i in range(n):
        org = factories.organisation(session)
        place = factories.place(session, organisation=org)
        conv = factories.convention(session, organisation=org)
        mission = factories.mission(session, convention=conv, place=place)
        start = days.at(day(i % 7), 9 + i % 8)
        s = factories.mission_session(session, mission=mission, start=start, end=start + timedelta(hours=1))
        factories.assignment(session, mission_session=s, user=factories.user(session))
        factories.assignment(session, mission_session=s, user=users["mediator"])
        session.add(Absence(user_id=s.assignments[0].user_id, start=start, end=start + timedelta(days=1)))
    session.commit()


def count_statements(client, url: str) -> int:
    with counting(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", [f"/missions/calendar/week?date={WEEK}",
                                 f"/missions/calendar/month?date={WEEK}", f"/missions/my-week?date={WEEK}"])
def test_a_bounded_number_of_queries(client, session, users, url, monday_11):
    login(client, users["mediator"])
    add_sessions(session, users, 3)
    few = count_statements(client, url)
    add_sessions(session, users, 27)
    many = count_statements(client, url)
    assert few == many, (few, many)
    assert many <= 15
    html = text_of(client.get(url))
    assert html.count("data-session=") >= 30 if "my-week" not in url else html.count("data-session=") == 30
