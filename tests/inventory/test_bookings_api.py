"""The API of reservations and loans: the contract (201, 409 naming the conflict), who may do what, the loan's
return; concurrent conflicting reservations (exactly one wins, the others get a 409 naming it), on both databases;
and, on PostgreSQL, the exclusion constraint itself."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coopnum.core import clock, services
from coopnum.inventory.models import AssetBooking, AssetStatus, LoanStatus, MaintenanceCase, Reservation
from tests import days, factories
from tests.concurrency import run_together
from tests.conftest import PG_URL
from tests.inventory import factories_inventory as fi

START = days.at(days.days(4), 9)
END = days.at(days.days(4), 12)


def _token(session, user) -> dict:
    return {"Authorization": f"Bearer {services.create_token(session, user, user, 'api', now=clock.now())[1]}"}


def test_reserve_then_conflict_409_names_it(client, session, users):
    claire = factories.user(session, roles=["mediator"], full_name="Claire Martin")
    paul = factories.user(session, roles=["mediator"], full_name="Paul Durand")
    a, b = fi.asset(session, tag="TAB-0003"), fi.asset(session, tag="TAB-0004")
    first = client.post("/api/v1/reservations", headers=_token(session, claire), json={
        "asset_ids": [a.id, b.id], "start": START.isoformat(), "end": END.isoformat(), "notes": "Atelier"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["user_id"] == claire.id and body["status"] == "active"
    assert [x["tag"] for x in body["assets"]] == ["TAB-0003", "TAB-0004"]
    later = client.post("/api/v1/reservations", headers=_token(session, paul), json={
        "asset_id": a.id, "start": (START + timedelta(hours=2)).isoformat(),
        "end": (END + timedelta(hours=2)).isoformat()})
    assert later.status_code == 409
    error = later.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["message"].startswith("TAB-0003 est déjà réservé par Claire Martin du ")
    assert error["conflict"]["reservation_id"] == body["id"] and error["conflict"]["asset_tag"] == "TAB-0003"
    assert error["conflict"]["user_name"] == "Claire Martin"
    # back to back: fine
    after = client.post("/api/v1/reservations", headers=_token(session, paul), json={
        "asset_id": a.id, "start": END.isoformat(), "end": (END + timedelta(hours=1)).isoformat()})
    assert after.status_code == 201


def test_availability(client, session, users):
    headers = _token(session, users["mediator"])
    free, busy = fi.asset(session, tag="AV-0001"), fi.asset(session, tag="AV-0002")
    fi.reservation(session, user=users["mediator"], assets=[busy], starts_at=START, ends_at=END)
    r = client.get("/api/v1/availability", headers=headers, query_string={
        "start": START.isoformat(), "end": END.isoformat(), "category": "tablet"})
    assert r.status_code == 200 and [a["tag"] for a in r.get_json()] == ["AV-0001"]
    assert r.get_json()[0]["id"] == free.id
    r = client.get("/api/v1/availability", headers=headers, query_string={"start": "demain", "end": END.isoformat()})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "start"
    r = client.get("/api/v1/availability", headers=headers, query_string={"start": END.isoformat(),
                                                                          "end": START.isoformat()})
    assert r.status_code == 422 and r.get_json()["error"]["message"] == "La fin doit être après le début."


def test_mediator_reserves_for_itself_only_and_cancels_its_own(client, session, users):
    mediator = users["mediator"]
    other = factories.user(session, roles=["mediator"])
    tab = fi.asset(session)
    headers = _token(session, mediator)
    refused = client.post("/api/v1/reservations", headers=headers, json={
        "asset_id": tab.id, "start": START.isoformat(), "end": END.isoformat(), "user_id": other.id})
    assert refused.status_code == 403
    theirs = client.post("/api/v1/reservations", headers=_token(session, users["coordinator"]), json={
        "asset_id": tab.id, "start": START.isoformat(), "end": END.isoformat(), "user_id": other.id})
    assert theirs.status_code == 201 and theirs.get_json()["user_id"] == other.id
    rid = theirs.get_json()["id"]
    assert client.delete(f"/api/v1/reservations/{rid}", headers=headers).status_code == 403
    assert client.get("/api/v1/reservations", headers=headers).get_json()["total"] == 0
    cancelled = client.post(f"/api/v1/reservations/{rid}/cancel", headers=_token(session, other))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = client.delete(f"/api/v1/reservations/{rid}", headers=_token(session, other))
    assert again.status_code == 409
    assert client.post("/api/v1/loans", headers=headers, json={}).status_code == 403


def test_invalid_bodies_are_422_in_french(client, session, users):
    headers = _token(session, users["mediator"])
    tab = fi.asset(session)
    r = client.post("/api/v1/reservations", headers=headers, json={"asset_id": tab.id, "start": "2026-01-01T10:00"})
    assert r.status_code == 422 and "fuseau" in r.get_json()["error"]["message"]
    r = client.post("/api/v1/reservations", headers=headers, json={
        "asset_id": tab.id, "start": END.isoformat(), "end": START.isoformat()})
    assert r.status_code == 422 and r.get_json()["error"]["message"] == "La fin doit être après le début."
    r = client.post("/api/v1/reservations", headers=headers, json={"start": START.isoformat(),
                                                                  "end": END.isoformat()})
    assert r.status_code == 422 and "au moins un appareil" in r.get_json()["error"]["message"]


def test_loans_checkout_from_reservation_and_return_damaged(client, session, users):
    staff = _token(session, users["coordinator"])
    mediator = users["mediator"]
    tab = fi.asset(session, tag="TAB-0101")
    r = client.post("/api/v1/reservations", headers=_token(session, mediator), json={
        "asset_id": tab.id, "start": days.NOW.isoformat(), "end": END.isoformat()}).get_json()
    loan = client.post("/api/v1/loans", headers=staff, json={"reservation_id": r["id"]})
    assert loan.status_code == 201, loan.get_json()
    body = loan.get_json()
    assert (body["status"], body["user_id"], body["overdue"]) == ("open", mediator.id, False)
    assert client.get(f"/api/v1/reservations/{r['id']}", headers=staff).get_json()["loan_id"] == body["id"]
    assert session.get(type(tab), tab.id).status == AssetStatus.DEPLOYED
    # the mediator sees its own loan
    own = client.get(f"/api/v1/loans/{body['id']}", headers=_token(session, mediator))
    assert own.status_code == 200
    other = factories.user(session, roles=["mediator"])
    assert client.get(f"/api/v1/loans/{body['id']}", headers=_token(session, other)).status_code == 403
    # lending it again while it is out: 409 naming the loan
    person = client.post("/api/v1/loans", headers=staff, json={
        "borrower_kind": "person", "borrower_name": "Jeanne", "borrower_phone": "0600000000",
        "borrower_commune": "Loudun", "asset_id": tab.id, "due_at": END.isoformat()})
    assert person.status_code == 409 and "TAB-0101 est encore prêté" in person.get_json()["error"]["message"]
    back = client.post(f"/api/v1/loans/{body['id']}/return", headers=staff,
                       json={"condition_in": "damaged", "notes": "Écran fêlé"})
    assert back.status_code == 200 and back.get_json()["status"] == "returned"
    assert back.get_json()["condition_in"] == "damaged"
    case = session.execute(select(MaintenanceCase)).scalar_one()
    assert case.asset_id == tab.id and case.loan_id == body["id"]
    twice = client.post(f"/api/v1/loans/{body['id']}/return", headers=staff, json={})
    assert twice.status_code == 409
    listing = client.get("/api/v1/loans?status=returned", headers=staff).get_json()
    assert [x["id"] for x in listing["items"]] == [body["id"]]
    assert listing["items"][0]["status"] == LoanStatus.RETURNED


THREADS = 6


@pytest.mark.real_commits  # the threads' connections must see the assets and the tokens the test commits
def test_concurrent_conflicting_reservations_exactly_one_wins(app, session, users):
    mediators = [factories.user(session, roles=["mediator"], full_name=f"Médiatrice {i}") for i in range(THREADS)]
    tab = fi.asset(session, tag="TAB-RACE")
    spare = fi.asset(session, tag="TAB-SPARE")
    tokens = [_token(session, m) for m in mediators]
    session.commit()
    asset_id, spare_id, names = tab.id, spare.id, [m.full_name for m in mediators]
    session.close()

    def reserve(i: int):
        client = app.test_client()
        # overlapping periods, each a little different; each also asks for the spare (all or nothing)
        start = START + timedelta(minutes=10 * i)
        response = client.post("/api/v1/reservations", headers=tokens[i], json={
            "asset_ids": [asset_id, spare_id], "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat()})
        return response.status_code, response.get_json()

    results = run_together(reserve, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    won = [i for i, (status, _body) in enumerate(results) if status == 201]
    lost = [body for status, body in results if status == 409]
    assert len(won) == 1 and len(lost) == THREADS - 1, results
    winner = results[won[0]][1]
    for body in lost:
        error = body["error"]
        assert error["code"] == "conflict"
        assert f"est déjà réservé par {names[won[0]]} du " in error["message"], error
        assert error["conflict"]["reservation_id"] == winner["id"]
    active = session.execute(select(func.count()).select_from(AssetBooking).where(AssetBooking.active)).scalar_one()
    assert active == 2  # the winner's two bookings, nothing of the losers
    assert session.execute(select(func.count()).select_from(Reservation)).scalar_one() == 1


@pytest.mark.skipif(not PG_URL, reason="the exclusion constraint is PostgreSQL's")
def test_postgresql_refuses_overlapping_bookings_itself(session, users):
    tab = fi.asset(session)
    fi.reservation(session, user=users["mediator"], assets=[tab], starts_at=START, ends_at=END)
    r2 = Reservation(user_id=users["mediator"].id, starts_at=START, ends_at=END)
    session.add(r2)
    session.flush()
    with pytest.raises(IntegrityError) as exc, session.begin_nested():
        session.add(AssetBooking(asset_id=tab.id, reservation_id=r2.id, starts_at=START + timedelta(hours=1),
                                 ends_at=END + timedelta(hours=1)))
        session.flush()
    assert exc.value.orig.sqlstate == "23P01" and "ex_asset_bookings_no_overlap" in str(exc.value.orig)
    # back to back, or inactive: accepted
    with session.begin_nested():
        session.add(AssetBooking(asset_id=tab.id, reservation_id=r2.id, starts_at=END, ends_at=END + timedelta(hours=1)))
        session.add(AssetBooking(asset_id=tab.id, reservation_id=r2.id, starts_at=START, ends_at=END, active=False))
        session.flush()
    from coopnum.core.errors import conflict_from_database

    assert conflict_from_database(exc.value).status == 409
