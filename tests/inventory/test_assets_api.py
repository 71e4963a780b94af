"""The assets API: list with filters and pagination, one asset, create (201; 409 on a duplicate tag, also a
concurrent one; 422 on a bad category or value; 403 for a mediator), PATCH."""

import pytest
from sqlalchemy import func, select

from coopnum.core import clock, services
from coopnum.inventory.models import Asset, AssetStatus
from tests import days, factories
from tests.concurrency import run_together
from tests.inventory import factories_inventory as inv


def _token(session, user) -> dict:
    return {"Authorization": f"Bearer {services.create_token(session, user, user, 'api', now=clock.now())[1]}"}


@pytest.fixture
def staff(session, users):
    return _token(session, users["coordinator"])


@pytest.fixture
def mediator(session, users):
    return _token(session, users["mediator"])


def test_list_filters_and_pages(client, session, mediator):
    here = factories.place(session)
    box = inv.kit(session, code="KIT-1")
    inv.asset(session, tag="TAB-1", place_id=here.id, kit=box)
    inv.asset(session, tag="TAB-2", status=AssetStatus.LOST)
    inv.asset(session, tag="PC-1", category="laptop", model="ThinkPad", place_id=here.id)
    session.commit()

    def tags(query=""):
        response = client.get(f"/api/v1/assets{query}", headers=mediator)
        assert response.status_code == 200, response.get_json()
        return [a["tag"] for a in response.get_json()["items"]]

    assert tags() == ["PC-1", "TAB-1", "TAB-2"]
    assert tags("?category=tablet") == ["TAB-1", "TAB-2"] and tags("?status=lost") == ["TAB-2"]
    assert tags(f"?place_id={here.id}") == ["PC-1", "TAB-1"] and tags(f"?kit_id={box.id}") == ["TAB-1"]
    assert tags("?q=think") == ["PC-1"]
    page = client.get("/api/v1/assets?per_page=2&page=2", headers=mediator).get_json()
    assert page["total"] == 3 and page["pages"] == 2 and [a["tag"] for a in page["items"]] == ["TAB-2"]
    bad = client.get("/api/v1/assets?category=toaster", headers=mediator)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "category"
    assert client.get("/api/v1/assets?status=broken", headers=mediator).status_code == 422
    one = client.get(f"/api/v1/assets/{session.execute(select(Asset.id).where(Asset.tag == 'PC-1')).scalar()}",
                     headers=mediator).get_json()
    assert one["tag"] == "PC-1" and one["category"] == "laptop" and one["status"] == "available"
    assert client.get("/api/v1/assets/999999", headers=mediator).status_code == 404


def test_create_and_its_refusals(client, session, staff, mediator):
    place = factories.place(session)
    session.commit()
    body = {"tag": "tab-0100", "category": "tablet", "model": "Lenovo Tab M10", "purchase_price_cents": 17990,
            "purchase_date": days.days(-30).isoformat(), "place_id": place.id, "funding": "Don"}
    created = client.post("/api/v1/assets", json=body, headers=staff)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["tag"] == "TAB-0100" and data["purchase_price_cents"] == 17990 and data["place_id"] == place.id
    duplicate = client.post("/api/v1/assets", json=body, headers=staff)
    assert duplicate.status_code == 409 and "déjà utilisée" in duplicate.get_json()["error"]["message"]
    bad = client.post("/api/v1/assets", json=body | {"tag": "TAB-0101", "category": "toaster"}, headers=staff)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "category"
    for wrong in ({"tag": "TAB 1"}, {"purchase_price_cents": -5}, {"place_id": 999999}, {"model": ""},
                  {"purchase_date": days.days(10).isoformat()}, {"color": "rouge"}):
        response = client.post("/api/v1/assets", json=body | {"tag": "TAB-0102"} | wrong, headers=staff)
        assert response.status_code == 422, (wrong, response.get_json())
    forbidden = client.post("/api/v1/assets", json=body | {"tag": "TAB-0103"}, headers=mediator)
    assert forbidden.status_code == 403
    assert session.execute(select(func.count()).select_from(Asset)).scalar_one() == 1


def test_patch_changes_only_the_fields_given(client, session, staff, mediator):
    asset = inv.asset(session, tag="TAB-1", serial="OLD", funding="Don")
    inv.asset(session, tag="TAB-2")
    session.commit()
    response = client.patch(f"/api/v1/assets/{asset.id}", json={"model": "Galaxy Tab S9", "serial": None},
                            headers=staff)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["model"] == "Galaxy Tab S9" and response.get_json()["serial"] == ""
    assert response.get_json()["funding"] == "Don"
    assert client.patch(f"/api/v1/assets/{asset.id}", json={"tag": "TAB-2"}, headers=staff).status_code == 409
    assert client.patch(f"/api/v1/assets/{asset.id}", json={"tag": None}, headers=staff).status_code == 422
    assert client.patch(f"/api/v1/assets/{asset.id}", json={"model": "X"}, headers=mediator).status_code == 403


@pytest.mark.real_commits  # the threads' connections must see each other's commits
def test_concurrent_creations_of_one_tag_exactly_one_wins(app, session, users):
    token = _token(session, users["coordinator"])
    session.commit()
    session.close()

    def post(i: int):
        return app.test_client().post("/api/v1/assets", headers=token, json={
            "tag": "TAB-0777", "category": "tablet", "model": f"Tablette {i}"})

    responses = run_together(post, 4)
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert session.execute(select(func.count()).select_from(Asset)).scalar_one() == 1
