"""« Séances à pourvoir »: a mediator is offered only the open sessions take_session would give them — not those
overlapping their own sessions or absences — in a fixed number of queries; the coordination sees them all."""

from datetime import timedelta

import pytest

from coopnum.core.db import db
from coopnum.core.errors import Conflict
from coopnum.missions.models import Absence
from coopnum.missions.services import assignment
from tests import days, factories
from tests.conftest import login, text_of
from tests.queries import counting

NOW = days.NOW


@pytest.fixture
def board(session, users):
    """Four open sessions: one overlapping the mediator's own session, one during their absence, two free."""
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    place = factories.place(session, organisation=org)
    mine = factories.mission(session, convention=conv, place=place, title="Ma permanence")
    wanted = factories.mission(session, convention=conv, place=place, title="Atelier ouvert")
    d1, d2, d3, d4 = (days.days(n) for n in (3, 4, 5, 6))
    own = factories.mission_session(session, mission=mine, start=days.at(d1, 9), end=days.at(d1, 12))
    factories.assignment(session, mission_session=own, user=users["mediator"])
    sessions = {
        "overlap": factories.mission_session(session, mission=wanted, start=days.at(d1, 11), end=days.at(d1, 13)),
        "absent": factories.mission_session(session, mission=wanted, start=days.at(d2, 9), end=days.at(d2, 12)),
        "free": factories.mission_session(session, mission=wanted, start=days.at(d3, 9), end=days.at(d3, 12)),
        "free2": factories.mission_session(session, mission=wanted, start=days.at(d4, 14), end=days.at(d4, 16)),
    }
    session.add(Absence(user_id=users["mediator"].id, start=days.at(d2, 0), end=days.at(d2 + timedelta(days=1), 0)))
    session.commit()
    return sessions


def ids_of(session, stmt):
    return [s.id for s in session.execute(stmt).scalars().unique()]


def test_the_list_follows_the_rule_of_take_session(session, users, board):
    offered = ids_of(session, assignment.open_sessions_stmt(NOW, for_user_id=users["mediator"].id))
    refused = ids_of(session, assignment.open_sessions_stmt(NOW, for_user_id=users["mediator"].id, refused=True))
    assert board["free"].id in offered and board["free2"].id in offered
    assert board["overlap"].id in refused and board["absent"].id in refused
    assert not set(offered) & set(refused)
    for key in ("overlap", "absent"):  # what the list leaves out, take_session refuses
        with pytest.raises(Conflict):
            assignment.take_session(session, users["mediator"], board[key], now=NOW)
        session.rollback()
    everything = ids_of(session, assignment.open_sessions_stmt(NOW))
    assert set(offered) | set(refused) <= set(everything)


def test_page_hides_what_the_mediator_cannot_take(client, users, board):
    login(client, users["mediator"])
    html = client.get("/missions/sessions/open").get_data(as_text=True)
    assert f"/missions/sessions/{board['free'].id}/take" in html
    assert f"/missions/sessions/{board['overlap'].id}" not in html and f"/missions/sessions/{board['absent'].id}" \
        not in html
    assert 'data-hidden-sessions="2"' in html
    assert "2 autres séances à pourvoir ne sont pas affichées" in text_of(client.get("/missions/sessions/open"))


def test_coordination_sees_every_open_session(client, users, board):
    login(client, users["coordinator"])
    html = client.get("/missions/sessions/open").get_data(as_text=True)
    for s in board.values():
        assert f"/missions/sessions/{s.id}\"" in html
    assert "data-hidden-sessions" not in html


def test_page_queries_do_not_grow_with_the_sessions(client, session, users, board):
    login(client, users["mediator"])
    client.get("/missions/sessions/open")
    with counting(db.engine) as few:
        client.get("/missions/sessions/open")
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    place = factories.place(session, organisation=org)
    more = factories.mission(session, convention=conv, place=place)
    for n in range(8):
        day = days.days(10 + n)
        s = factories.mission_session(session, mission=more, start=days.at(day, 9), end=days.at(day, 12))
        if n % 2:
            factories.assignment(session, mission_session=s, user=users["mediator"])
            clash = factories.mission_session(session, mission=more, start=days.at(day, 10), end=days.at(day, 11))
            assert clash.id
    session.commit()
    with counting(db.engine) as many:
        client.get("/missions/sessions/open")
    assert len(many) == len(few)
