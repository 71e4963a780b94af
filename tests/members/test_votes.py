"""Ballots: one per member and resolution (the database decides), the voting window, secret ballots, proxies
online, the colleges checked at opening."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coopnum.core import clock
from coopnum.core.errors import Conflict, DomainError
from coopnum.members.models import Attendance, BallotCast, BallotCount, College
from coopnum.members.services import assemblies as services
from coopnum.members.services import convocations
from tests import days
from tests.concurrency import run_together
from tests.members import test_assemblies_world as w


@pytest.fixture
def vote(session, users):
    """An open vote at a convened assembly of 6 members (3 colleges), all present."""
    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    voters = [w.member(session, colleges[i % 3]) for i in range(6)]
    assembly = w.assembly(session)
    now = clock.now()
    for m in voters:
        services.record_attendance(session, users["coordinator"], assembly, m, mode="present", now=now)
    resolution = services.add_resolution(session, users["coordinator"], assembly, title="Comptes", now=now)
    services.open_vote(session, users["coordinator"], resolution, now=now)
    session.commit()
    return resolution, voters, assembly


def test_a_second_ballot_is_refused_through_the_api(session, client, users, vote):
    resolution, voters, _assembly = vote
    api = w.Api(client, w.token(session, users["coordinator"]))
    session.commit()
    url = f"/api/v1/resolutions/{resolution.id}/ballots"
    assert api.post(url, {"member_id": voters[0].id, "choice": "for"}).status_code == 201
    response = api.post(url, {"member_id": voters[0].id, "choice": "against"})
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == \
        f"{voters[0].name} a déjà voté sur la résolution 1 : un seul bulletin par sociétaire."
    counts = dict(session.execute(select(BallotCount.choice, func.sum(BallotCount.count))
                                  .where(BallotCount.resolution_id == resolution.id)
                                  .group_by(BallotCount.choice)).all())
    assert counts == {"for": 1, "against": 0, "abstain": 0, "blank": 0}


def test_the_database_refuses_a_second_ballot(session, vote):
    resolution, voters, _assembly = vote
    session.add(BallotCast(resolution_id=resolution.id, member_id=voters[0].id))
    session.flush()
    session.add(BallotCast(resolution_id=resolution.id, member_id=voters[0].id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_votes_outside_the_window_are_refused(session, users, vote, travel):
    resolution, voters, assembly = vote
    now = clock.now()
    draft = services.add_resolution(session, users["coordinator"], assembly, title="Pas encore", now=now)
    with pytest.raises(DomainError, match="pas encore ouvert"):
        services.cast_ballot(session, users["coordinator"], draft, voters[0], "for", now=now)
    online = services.add_resolution(session, users["coordinator"], assembly, title="En ligne", now=now)
    services.open_vote(session, users["coordinator"], online, closes_at=now + timedelta(hours=2), now=now)
    services.cast_ballot(session, users["coordinator"], online, voters[0], "for", now=now + timedelta(hours=1))
    with pytest.raises(DomainError, match="vote en ligne sur cette résolution est terminé"):
        services.cast_ballot(session, users["coordinator"], online, voters[1], "for", now=now + timedelta(hours=2))
    services.close_vote(session, users["coordinator"], resolution, now=now)
    with pytest.raises(DomainError, match="est clos"):
        services.cast_ballot(session, users["coordinator"], resolution, voters[1], "for", now=now)
    with pytest.raises(Conflict, match="déjà clos"):
        services.close_vote(session, users["coordinator"], resolution, now=now)


def test_a_vote_outside_the_window_through_the_api(session, client, users, vote, travel):
    resolution, voters, _assembly = vote
    api = w.Api(client, w.token(session, users["coordinator"]))
    session.commit()
    assert api.post(f"/api/v1/resolutions/{resolution.id}/close").status_code == 200
    response = api.post(f"/api/v1/resolutions/{resolution.id}/ballots", {"member_id": voters[0].id,
                                                                          "choice": "for"})
    assert response.status_code == 422
    assert "clos" in response.get_json()["error"]["message"]


def test_a_secret_ballot_keeps_who_voted_never_how(session, users, vote):
    _resolution, voters, assembly = vote
    now = clock.now()
    secret = services.add_resolution(session, users["coordinator"], assembly, title="Élection", ballot="secret",
                                     now=now)
    services.open_vote(session, users["coordinator"], secret, now=now)
    services.cast_ballot(session, users["coordinator"], secret, voters[0], "against", now=now)
    cast = session.execute(select(BallotCast).where(BallotCast.resolution_id == secret.id)).scalar_one()
    assert cast.member_id == voters[0].id and cast.choice is None and cast.cast_at is None
    from coopnum.core.models import AuditLog

    summaries = session.execute(select(AuditLog.summary).where(AuditLog.action == "ballot")).scalars().all()
    assert summaries and not any("contre" in s or "against" in s for s in summaries)


def test_colleges_not_summing_to_100_refuse_opening_and_convening(session, users, vote):
    _resolution, _voters, assembly = vote
    college = session.execute(select(College).order_by(College.id)).scalars().first()
    college.weight_percent = Decimal("35")
    session.flush()
    now = clock.now()
    draft = services.add_resolution(session, users["coordinator"], assembly, title="R", now=now)
    with pytest.raises(DomainError, match="somme des poids des collèges est de 95 % au lieu de 100 %"):
        services.open_vote(session, users["coordinator"], draft, now=now)
    with pytest.raises(DomainError, match="95 % au lieu de 100 %"):
        services.create_assembly(session, users["coordinator"], kind="AGO", convocation=1, place="Mairie",
                                 starts_at=days.at(days.days(30), 18), convened_on=days.days(-1), now=now)
    later = services.create_assembly(session, users["coordinator"], kind="AGO", convocation=1, place="Mairie",
                                     starts_at=days.at(days.days(30), 18), now=now)
    with pytest.raises(DomainError, match="95 % au lieu de 100 %"):
        convocations.convene(session, users["coordinator"], later, now=now, cooperative="Coop", space_url="")
    college.weight_percent = Decimal("60")
    session.flush()
    with pytest.raises(DomainError, match="pèse 60 %, hors de l'intervalle 10 % – 50 %"):
        services.open_vote(session, users["coordinator"], draft, now=now)


def test_a_member_votes_online_for_itself_and_its_proxy(session, client, users):
    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    holder, account = w.member_user(session, colleges[0])
    giver = w.member(session, colleges[1])
    other = w.member(session, colleges[2])
    assembly = w.assembly(session)
    now = clock.now()
    services.record_attendance(session, users["coordinator"], assembly, giver, mode="represented",
                               proxy_holder=holder, now=now)
    resolution = services.add_resolution(session, users["coordinator"], assembly, title="R", now=now)
    services.open_vote(session, users["coordinator"], resolution, now=now)
    api = w.Api(client, w.token(session, account))
    session.commit()
    url = f"/api/v1/resolutions/{resolution.id}/ballots"
    assert api.post(url, {"member_id": holder.id, "choice": "for"}).get_json()["online"] is True
    cast = api.post(url, {"member_id": giver.id, "choice": "against"}).get_json()
    assert cast["cast_by_member_id"] == holder.id and cast["college_id"] == colleges[1].id
    response = api.post(url, {"member_id": other.id, "choice": "for"})
    assert response.status_code == 422 and "ne portez pas le pouvoir" in response.get_json()["error"]["message"]
    assert api.post(url, {"member_id": giver.id, "choice": "for"}).status_code == 409
    # the result is for the bureau until the vote closes
    assert api.get(f"/api/v1/resolutions/{resolution.id}/result").status_code == 403


def _concurrent_setup(session, users):
    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    voter, account = w.member_user(session, colleges[0])
    assembly = w.assembly(session)
    now = clock.now()
    services.record_attendance(session, users["coordinator"], assembly, voter, mode="present", now=now)
    resolution = services.add_resolution(session, users["coordinator"], assembly, title="R", now=now)
    services.open_vote(session, users["coordinator"], resolution, now=now)
    return voter, account, resolution


@pytest.mark.real_commits
def test_concurrent_double_ballots_by_the_secretary(app, session, users):
    voter, _account, resolution = _concurrent_setup(session, users)
    coordinators = [users["coordinator"], users["admin"]] * 2
    tokens = [w.token(session, c) for c in coordinators]
    session.commit()
    resolution_id, member_id = resolution.id, voter.id
    session.close()

    def vote(i: int):
        response = app.test_client().post(f"/api/v1/resolutions/{resolution_id}/ballots",
                                          json={"member_id": member_id, "choice": ("for", "against")[i % 2]},
                                          headers={"Authorization": f"Bearer {tokens[i]}"})
        return response.status_code, response.get_json()

    results = run_together(vote, 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(status for status, _body in results) == [201, 409, 409, 409], results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict", body
    assert session.execute(select(func.count()).select_from(BallotCast)
                           .where(BallotCast.resolution_id == resolution_id)).scalar_one() == 1
    total = session.execute(select(func.sum(BallotCount.count))
                            .where(BallotCount.resolution_id == resolution_id)).scalar_one()
    assert total == 1  # the losers' increments were rolled back with their ballot


@pytest.mark.real_commits
def test_concurrent_double_ballots_online_by_the_member(app, session, users):
    voter, account, resolution = _concurrent_setup(session, users)
    token = w.token(session, account)
    session.commit()
    resolution_id, member_id = resolution.id, voter.id
    session.close()

    def vote(i: int):
        response = app.test_client().post(f"/api/v1/resolutions/{resolution_id}/ballots",
                                          json={"member_id": member_id, "choice": "for"},
                                          headers={"Authorization": f"Bearer {token}"})
        return response.status_code

    results = run_together(vote, 4)
    assert sorted(results) == [201, 409, 409, 409], results
    assert session.execute(select(func.sum(BallotCount.count))
                           .where(BallotCount.resolution_id == resolution_id)).scalar_one() == 1


@pytest.mark.real_commits
def test_two_proxies_given_at_once_to_the_same_holder_respect_the_limit(app, session, users):
    """The holder's row is locked before its proxies are counted: of two proxies recorded at the same moment, with
    a limit of one, one is accepted and the other refused with the limit named."""
    colleges = w.colleges(session, (("A", 40), ("B", 30), ("C", 30)))
    holder = w.member(session, colleges[0], name="Porteuse")
    givers = [w.member(session, colleges[i], name=f"Donneur {i}") for i in (1, 2)]
    assembly = w.assembly(session)
    tokens = [w.token(session, users["coordinator"]), w.token(session, users["admin"])]
    session.commit()
    assembly_id, holder_id, giver_ids = assembly.id, holder.id, [g.id for g in givers]
    session.close()

    def give(i: int):
        response = app.test_client().post(
            f"/api/v1/assemblies/{assembly_id}/attendance",
            json={"member_id": giver_ids[i], "mode": "represented", "proxy_holder_id": holder_id},
            headers={"Authorization": f"Bearer {tokens[i]}"})
        return response.status_code, response.get_json()

    results = run_together(give, 2)
    assert sorted(status for status, _body in results) == [201, 422], results
    refused = next(body for status, body in results if status == 422)
    assert "la limite est de 1" in refused["error"]["message"]
    held = session.execute(select(func.count()).select_from(Attendance).where(
        Attendance.assembly_id == assembly_id, Attendance.proxy_holder_id == holder_id)).scalar_one()
    assert held == 1
