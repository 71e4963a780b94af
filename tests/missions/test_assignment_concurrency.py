"""Two coordinators assign the same mediator to overlapping sessions at the same moment: exactly one wins.

Thread A assigns and holds its transaction open for a while before committing; thread B starts its assignment
while A's is still uncommitted. Without the lock taken in the service (PostgreSQL: SELECT … FOR UPDATE on the
mediator; SQLite: BEGIN IMMEDIATE), B would not see A's uncommitted row and both would commit a double booking."""

import threading
import time as clock

import pytest
from sqlalchemy import func, select

from coopnum.core.db import db
from coopnum.core.errors import Conflict
from coopnum.core.models import User
from coopnum.missions.models import Assignment, MissionSession
from coopnum.missions.services import assignment
from tests import days, factories


@pytest.mark.real_commits  # the two threads' connections must see the sessions the test commits
def test_simultaneous_conflicting_assignments(app, session, users):
    org = factories.organisation(session)
    conv = factories.convention(session, organisation=org)
    place = factories.place(session, organisation=org)
    m1 = factories.mission(session, convention=conv, place=place, title="Permanence")
    m2 = factories.mission(session, convention=conv, place=place, title="Atelier")
    day = days.days(1)  # tomorrow: 09:00–12:00 and 11:00–13:00 overlap
    s1 = factories.mission_session(session, mission=m1, start=days.at(day, 9), end=days.at(day, 12))
    s2 = factories.mission_session(session, mission=m2, start=days.at(day, 11), end=days.at(day, 13))
    ids = {"s1": s1.id, "s2": s2.id, "mediator": users["mediator"].id, "coord": users["coordinator"].id}
    session.commit()
    session.close()

    a_assigned = threading.Event()
    results: dict[str, str] = {}

    def worker(name: str, session_key: str, hold: float) -> None:
        with app.app_context():
            s = db.session
            try:
                target = s.get(MissionSession, ids[session_key])
                assignment.assign(s, s.get(User, ids["coord"]), target, s.get(User, ids["mediator"]),
                                now=days.NOW)
                if name == "A":
                    a_assigned.set()
                clock.sleep(hold)
                s.commit()
                results[name] = "ok"
            except Conflict as exc:
                s.rollback()
                results[name] = exc.message
            finally:
                a_assigned.set()

    a = threading.Thread(target=worker, args=("A", "s1", 0.5))
    a.start()
    assert a_assigned.wait(10)
    b = threading.Thread(target=worker, args=("B", "s2", 0))
    b.start()
    a.join(20)
    b.join(20)
    assert results["A"] == "ok"
    assert "déjà affecté·e à « Permanence »" in results["B"]
    count = session.execute(select(func.count()).select_from(Assignment)
                            .where(Assignment.user_id == ids["mediator"])).scalar_one()
    assert count == 1
