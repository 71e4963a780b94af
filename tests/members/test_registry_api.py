"""The API of colleges, members and capital operations: the contract's fields, the refusals (422 with a French
message naming the problem), the member token's view (itself only), and gapless ledger numbers when operations are
posted at the same moment."""

import pytest
from sqlalchemy import select

from coopnum.core import clock, services
from coopnum.members.models import CapitalOperation, Member
from coopnum.members.services import capital
from tests import days
from tests.concurrency import run_together
from tests.members import factories_registry as mf


def _token(session, user) -> dict:
    return {"Authorization": f"Bearer {services.create_token(session, user, user, 'api', now=clock.now())[1]}"}


@pytest.fixture
def staff(session, users):
    return _token(session, users["coordinator"])


def _four_colleges(client, staff) -> list[int]:
    ids = []
    for name, weight in mf.WEIGHTS:
        r = client.post("/api/v1/colleges", json={"name": name, "weight_percent": weight}, headers=staff)
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["name"] == name and float(r.get_json()["weight_percent"]) == weight
        ids.append(r.get_json()["id"])
    return ids


def test_colleges_created_one_by_one_and_their_check(client, session, staff):
    r = client.post("/api/v1/colleges", json={"name": "Salariés", "weight_percent": 40}, headers=staff)
    assert r.status_code == 201
    listing = client.get("/api/v1/colleges", headers=staff).get_json()
    assert listing["valid"] is False and any("au moins 3" in p for p in listing["problems"])
    for name, weight in (("Collectivités", 20), ("Bénéficiaires", 20), ("Soutiens", 25)):
        client.post("/api/v1/colleges", json={"name": name, "weight_percent": weight}, headers=staff)
    listing = client.get("/api/v1/colleges", headers=staff).get_json()
    assert listing["problems"] == ["la somme des poids des collèges est de 105\u00a0% au lieu de 100\u00a0%"]
    r = client.post("/api/v1/colleges", json={"name": "Salariés", "weight_percent": 10}, headers=staff)
    assert r.status_code == 422 and "existe" not in r.get_json()["error"]["message"]
    assert "s'appelle déjà" in r.get_json()["error"]["message"]
    r = client.post("/api/v1/colleges", json={"name": "X", "weight_percent": 150}, headers=staff)
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "weight_percent"


def test_post_a_member_records_its_subscription(client, session, staff):
    colleges = _four_colleges(client, staff)
    r = client.post("/api/v1/members", headers=staff, json={
        "name": "Claire Martin", "kind": "person", "email": "claire@example.org", "college_id": colleges[0],
        "shares": 4, "admitted_on": days.days(-3).isoformat()})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["number"], body["status"], body["shares"], body["kind"]) == (1, "admitted", 4, "person")
    assert (body["subscribed_cents"], body["paid_cents"], body["unpaid_cents"]) == (20000, 5000, 15000)
    lines = client.get(f"/api/v1/capital/operations?member_id={body['id']}", headers=staff).get_json()["items"]
    assert sorted(line["kind"] for line in lines) == ["payment", "subscription"]
    subscription = next(line for line in lines if line["kind"] == "subscription")
    assert subscription["shares"] == 4 and subscription["due_on"] is not None
    second = client.post("/api/v1/members", headers=staff, json={
        "name": "Commune de Loudun", "kind": "organisation", "college_id": colleges[1], "shares": 1,
        "paid_cents": 5000, "admitted_on": days.days(-1).isoformat()}).get_json()
    assert second["number"] == 2 and second["email"] is None
    assert [m["name"] for m in client.get("/api/v1/members", headers=staff).get_json()["items"]] == [
        "Claire Martin", "Commune de Loudun"]


def test_a_member_without_shares_or_unknown_kind_is_refused(client, session, staff):
    colleges = _four_colleges(client, staff)
    base = {"name": "X", "kind": "person", "college_id": colleges[0], "admitted_on": days.days(-1).isoformat()}
    r = client.post("/api/v1/members", headers=staff, json={**base, "shares": 0})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "shares"
    r = client.post("/api/v1/members", headers=staff, json={**base, "shares": 1, "kind": "robot"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "kind"
    r = client.post("/api/v1/members", headers=staff, json={**base, "shares": 1, "paid_cents": 100})
    assert r.status_code == 422 and "Au moins 12,50" in r.get_json()["error"]["message"]
    assert session.execute(select(Member)).first() is None  # nothing half-written


def test_operations_and_their_refusals(client, session, staff):
    cols = mf.colleges(session)
    a = mf.member(session, cols[0], name="Alice", shares=20, on=days.days(-100))
    b = mf.member(session, cols[1], name="Bruno", shares=2, on=days.days(-100))
    town = mf.member(session, cols[1], name="Commune", kind="organisation", public_body=True, shares=0)
    session.commit()
    on = days.days(-1).isoformat()
    r = client.post("/api/v1/capital/operations", headers=staff, json={
        "kind": "transfer", "member_id": a.id, "counterpart_member_id": b.id, "shares": 3, "on": on})
    assert r.status_code == 201 and r.get_json()["shares"] == -3 and r.get_json()["related_id"]
    # public bodies above 50 %
    r = client.post("/api/v1/capital/operations", headers=staff, json={
        "kind": "subscription", "member_id": town.id, "shares": 23, "paid_cents": 115000, "on": on})
    assert r.status_code == 422 and "50\u00a0%" in r.get_json()["error"]["message"]
    # reimbursement under the floor: ¼ of the highest capital (24 shares, 1 200 €) is 300 €
    client.post("/api/v1/capital/operations", headers=staff, json={
        "kind": "subscription", "member_id": town.id, "shares": 2, "paid_cents": 10000, "on": on})
    r = client.post("/api/v1/capital/operations", headers=staff, json={
        "kind": "reimbursement", "member_id": a.id, "shares": 15, "on": on})  # 450 € left
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/capital/operations", headers=staff, json={
        "kind": "reimbursement", "member_id": b.id, "shares": 4, "on": on})
    assert r.status_code == 422 and "plancher de 300,00" in r.get_json()["error"]["message"]  # 250 € < 300 €
    r = client.post("/api/v1/capital/operations", headers=staff, json={
        "kind": "payment", "member_id": a.id, "on": on})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "amount_cents"
    r = client.post("/api/v1/capital/operations", headers=staff, json={
        "kind": "subscription", "member_id": a.id, "shares": 1, "paid_cents": 5000, "on": days.days(1).isoformat()})
    assert r.status_code == 422 and "futur" in r.get_json()["error"]["message"]
    numbers = [o["number"] for o in client.get("/api/v1/capital/operations?per_page=200",
                                                 headers=staff).get_json()["items"]]
    assert numbers == list(range(len(numbers), 0, -1))  # newest first, no gap


def test_a_member_token_reads_only_itself(client, session, users):
    cols = mf.colleges(session)
    own = mf.member(session, cols[0], name="Moi", shares=1, user=users["member"])
    other = mf.member(session, cols[0], name="Autre", shares=1)
    headers = _token(session, users["member"])
    session.commit()
    assert client.get(f"/api/v1/members/{own.id}", headers=headers).get_json()["name"] == "Moi"
    assert client.get(f"/api/v1/members/{other.id}", headers=headers).status_code == 403
    assert [m["name"] for m in client.get("/api/v1/members", headers=headers).get_json()["items"]] == ["Moi"]
    assert client.get("/api/v1/capital/operations", headers=headers).status_code == 403
    assert client.post("/api/v1/colleges", json={"name": "X", "weight_percent": 10},
                       headers=headers).status_code == 403


@pytest.mark.real_commits  # the threads' connections must see the members the test commits
def test_concurrent_operations_get_gapless_numbers(app, session, users):
    cols = mf.colleges(session)
    people = [mf.member(session, cols[i % 4], name=f"Sociétaire {i}", shares=2, on=days.days(-50))
              for i in range(6)]
    token = _token(session, users["coordinator"])
    session.commit()
    ids = [p.id for p in people]
    before = capital.last_number(session)
    session.close()

    def post(i: int):
        client = app.test_client()
        results = []
        for _ in range(3):
            r = client.post("/api/v1/capital/operations", headers=token, json={
                "kind": "subscription", "member_id": ids[i], "shares": 1, "paid_cents": 5000,
                "on": days.days(-1).isoformat()})
            results.append(r.status_code)
        return results

    results = run_together(post, len(ids))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert all(code == 201 for codes in results for code in codes), results
    numbers = list(session.execute(select(CapitalOperation.number).order_by(CapitalOperation.number)).scalars())
    assert numbers == list(range(1, before + len(ids) * 3 * 2 + 1))  # a subscription and its payment each time


@pytest.mark.real_commits  # the threads' connections must see the colleges the test commits
def test_concurrent_admissions_get_distinct_register_numbers(app, session, users):
    cols = mf.colleges(session)
    token = _token(session, users["coordinator"])
    session.commit()
    college_id = cols[2].id
    session.close()

    def post(i: int):
        return app.test_client().post("/api/v1/members", headers=token, json={
            "name": f"Bénéficiaire {i}", "kind": "person", "college_id": college_id, "shares": 1,
            "admitted_on": days.days(-1).isoformat()})

    responses = run_together(post, 6)
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert [r.status_code for r in responses] == [201] * 6
    assert sorted(r.get_json()["number"] for r in responses) == [1, 2, 3, 4, 5, 6]
