"""Eight mediators press « Je prends cette séance » at the same moment on a session that needs one: exactly one is
assigned, the seven others are told « Cette séance est déjà pourvue. » (never a 500). Eight coordinators' API
clients PATCH the same session's mediators at once: no lost update (the final state is one of the requests).

Each thread has its own Flask test client (its own request context, database session and connection), and a
threading.Barrier releases them together. Without the lock of the session's row taken before its seats are counted
(PostgreSQL: SELECT … FOR UPDATE; SQLite: BEGIN IMMEDIATE), several requests count the same free seat."""


import pytest
from sqlalchemy import func, select

from coopnum.core import clock, errors, services
from coopnum.missions.models import Assignment, MissionSession
from tests import days, factories
from tests.concurrency import flashes, logged_in_clients, run_together
from tests.conftest import login

THREADS = 8


def _one_seat_session(session):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    place = factories.place(session, organisation=org)
    mission = factories.mission(session, convention=conv, place=place, title="Permanence", mediators_needed=1)
    day = days.days(2)
    return factories.mission_session(session, mission=mission, start=days.at(day, 9), end=days.at(day, 12))


@pytest.mark.real_commits  # the threads' connections must see the session and the users the test commits
def test_eight_mediators_take_a_one_seat_session_at_once(app, session):
    s = _one_seat_session(session)
    mediators = [factories.user(session, roles=["mediator"]) for _ in range(THREADS)]
    session.commit()
    session_id = s.id
    mediator_ids = [m.id for m in mediators]
    clients = logged_in_clients(app, mediators)
    session.close()

    def take(i: int):
        response = clients[i].post(f"/missions/sessions/{session_id}/take")
        return response.status_code, flashes(clients[i])

    results = run_together(take, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [status for status, _flashes_ in results] == [302] * THREADS, results
    won = [i for i, (_status, flashes) in enumerate(results) if ("success", "Vous êtes affecté·e à cette séance.")
           in flashes]
    lost = [i for i, (_status, flashes) in enumerate(results) if ("error", "Cette séance est déjà pourvue.")
            in flashes]
    assert len(won) == 1, results
    assert len(lost) == THREADS - 1, results
    assigned = session.execute(select(Assignment.user_id).where(Assignment.session_id == session_id)).scalars().all()
    assert assigned == [mediator_ids[won[0]]]


@pytest.mark.real_commits
def test_eight_concurrent_api_patches_of_the_mediators_lose_no_update(app, session, users):
    s = _one_seat_session(session)
    mediators = [factories.user(session, roles=["mediator"]) for _ in range(THREADS)]
    tokens = []
    for _ in range(THREADS):
        _token, clear = services.create_token(session, users["coordinator"], users["coordinator"], "api",
                                              now=clock.now())
        tokens.append(clear)
    session.commit()
    session_id = s.id
    mediator_ids = [m.id for m in mediators]
    session.close()

    def patch(i: int):
        client = app.test_client()
        response = client.patch(f"/api/v1/sessions/{session_id}", json={"mediator_ids": [mediator_ids[i]]},
                                headers={"Authorization": f"Bearer {tokens[i]}"})
        return response.status_code, response.get_json()

    results = run_together(patch, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {status for status, _body in results} <= {200, 409}, results
    final = session.get(MissionSession, session_id)
    final_ids = sorted(a.user_id for a in final.assignments)
    assert len(final_ids) == 1 and final_ids[0] in mediator_ids  # the state one request asked for, not a mix
    count = session.execute(select(func.count()).select_from(Assignment)
                            .where(Assignment.session_id == session_id)).scalar_one()
    assert count == 1
    ok = [body for status, body in results if status == 200]
    assert ok, results
    # the requests were applied one after the other: each success saw its own state, with its own sequence, and
    # the last one applied is the final state
    assert all(body["mediator_ids"] == [mediator_ids[i]] for i, (status, body) in enumerate(results)
               if status == 200), results
    assert len({body["sequence"] for body in ok}) == len(ok), results
    last = max(ok, key=lambda body: body["sequence"])
    assert last["mediator_ids"] == final_ids
    assert last["sequence"] == final.sequence
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict" and body["error"]["message"], body


@pytest.mark.real_commits
def test_four_coordinators_assign_the_same_mediator_at_once(app, session, users):
    s = _one_seat_session(session)
    coordinators = [factories.user(session, roles=["coordinator"]) for _ in range(4)]
    mediator = users["mediator"]
    session.commit()
    session_id, mediator_id, name = s.id, mediator.id, mediator.full_name
    clients = logged_in_clients(app, coordinators)
    session.close()

    def assign(i: int):
        response = clients[i].post(f"/missions/sessions/{session_id}/assign", data={"assign-user_id": mediator_id})
        return response.status_code, flashes(clients[i])

    results = run_together(assign, 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [status for status, _flashes_ in results] == [302] * 4, results
    won = [f for _s, f in results if ("success", f"{name} est affecté·e à cette séance.") in f]
    lost = [f for _s, f in results if ("error", f"{name} est déjà affecté·e à cette séance.") in f]
    assert len(won) == 1 and len(lost) == 3, results
    assert session.execute(select(func.count()).select_from(Assignment)
                           .where(Assignment.session_id == session_id)).scalar_one() == 1


# --- the central translation of a concurrent request's database error -------------------------------------------

def _duplicate_assignment(session_id: int, user_id: int):
    """What the loser of a race meets when the winner committed first: a unique constraint violated at flush."""
    from coopnum.core.db import db

    db.session.add(Assignment(session_id=session_id, user_id=user_id))
    db.session.flush()


def test_a_unique_violation_on_a_page_is_a_french_message_not_a_500(app, session, users, monkeypatch):
    from coopnum.missions.services import assignment

    s = _one_seat_session(session)
    factories.assignment(session, mission_session=s, user=users["mediator"])
    other = factories.user(session, roles=["mediator"])
    session.commit()
    session_id, mediator_id, other_id = s.id, users["mediator"].id, other.id
    monkeypatch.setattr(assignment, "assign", lambda *a, **kw: _duplicate_assignment(session_id, mediator_id))
    client = app.test_client()
    login(client, users["coordinator"])
    response = client.post(f"/missions/sessions/{session_id}/assign", data={"assign-user_id": other_id})
    assert response.status_code == 302
    assert flashes(client) == [("error", errors.CONCURRENT_CHANGE)]
    assert session.execute(select(func.count()).select_from(Assignment)
                           .where(Assignment.session_id == session_id)).scalar_one() == 1


def test_a_unique_violation_in_the_api_is_a_409_in_french(app, session, users, monkeypatch):
    from coopnum.missions.services import assignment

    s = _one_seat_session(session)
    factories.assignment(session, mission_session=s, user=users["mediator"])
    other = factories.user(session, roles=["mediator"])
    _token, clear = services.create_token(session, users["coordinator"], users["coordinator"], "api", now=clock.now())
    session.commit()
    session_id, mediator_id, other_id = s.id, users["mediator"].id, other.id
    monkeypatch.setattr(assignment, "assign", lambda *a, **kw: _duplicate_assignment(session_id, mediator_id))
    response = app.test_client().patch(f"/api/v1/sessions/{session_id}", json={"mediator_ids": [mediator_id, other_id]},
                                       headers={"Authorization": f"Bearer {clear}"})
    assert response.status_code == 409
    assert response.get_json() == {"error": {"code": "conflict", "message": errors.CONCURRENT_CHANGE}}


def test_other_database_errors_stay_internal_errors(app):
    from sqlalchemy.exc import IntegrityError, OperationalError

    class Orig(Exception):
        sqlstate = "23502"  # not null violation: a bug, not a race

    assert errors.conflict_from_database(IntegrityError("INSERT …", {}, Orig("null value"))) is None
    assert errors.conflict_from_database(OperationalError("SELECT 1", {}, Exception("connection lost"))) is None
    assert errors.conflict_from_database(ValueError("x")) is None

    class Deadlock(Exception):
        sqlstate = "40P01"

    assert isinstance(errors.conflict_from_database(OperationalError("UPDATE …", {}, Deadlock())), errors.Conflict)
