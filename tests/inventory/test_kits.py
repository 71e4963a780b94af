"""Kits: a unique code, members chosen among the assets (an asset belongs to one kit at most, also against a
concurrent claim), edit (members added and removed), deactivation (refused while lent or reserved; it releases the
assets); the pages."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.errors import Conflict, DomainError
from coopnum.inventory.models import Asset, AssetStatus, Kit
from coopnum.inventory.services import assets as services
from tests import days, factories
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv


def _kit(session, actor, code="KIT-TAB-1", assets=(), **kw):
    return services.create_kit(session, actor, code=code, name=kw.pop("name", "Kit atelier tablettes 1"),
                               asset_ids=[a.id for a in assets], now=clock.now(), **kw)


def test_a_kit_gathers_assets_and_an_asset_belongs_to_one_kit(session, users):
    coordinator = users["coordinator"]
    tablets = [inv.asset(session) for _ in range(3)]
    first = _kit(session, coordinator, assets=tablets[:2], place_id=factories.place(session).id)
    assert sorted(a.id for a in first.assets) == sorted(a.id for a in tablets[:2])
    with pytest.raises(Conflict, match=f"{tablets[1].tag} fait déjà partie du kit KIT-TAB-1"):
        _kit(session, coordinator, code="KIT-TAB-2", assets=tablets[1:])
    with pytest.raises(Conflict, match="déjà celui d'un autre kit"):
        _kit(session, coordinator, code="kit-tab-1")
    retired = inv.asset(session, status=AssetStatus.RETIRED)
    with pytest.raises(DomainError, match="réformé"):
        _kit(session, coordinator, code="KIT-X", assets=[retired])


def test_editing_a_kit_adds_and_removes_members(session, users):
    coordinator = users["coordinator"]
    a, b, c = (inv.asset(session) for _ in range(3))
    box = _kit(session, coordinator, assets=[a, b])
    services.update_kit(session, coordinator, box, code="KIT-TAB-1", name="Kit renommé", asset_ids=[b.id, c.id],
                        now=clock.now())
    session.refresh(a), session.refresh(c)
    assert a.kit_id is None and c.kit_id == box.id and box.name == "Kit renommé"
    assert sorted(x.id for x in box.assets) == sorted([b.id, c.id])


def test_the_conditional_claim_refuses_an_asset_taken_meanwhile(session, users):
    """Two requests claim the same free asset for two kits: the one that loaded it before the other committed sees
    it free, but its conditional update finds it taken, and the whole change is refused."""
    from sqlalchemy import update

    coordinator = users["coordinator"]
    a = inv.asset(session)
    one = _kit(session, coordinator, code="KIT-1")
    two = _kit(session, coordinator, code="KIT-2")
    assert a.kit_id is None  # loaded as free…
    session.execute(update(Asset).where(Asset.id == a.id).values(kit_id=one.id)  # …taken by the other request
                    .execution_options(synchronize_session=False))
    assert a.kit_id is None  # this request's copy is stale
    with pytest.raises(Conflict, match="vient de prendre"):
        services.update_kit(session, coordinator, two, code="KIT-2", name="Deux", asset_ids=[a.id],
                            now=clock.now())
    session.expire_all()
    assert session.get(Asset, a.id).kit_id == one.id


def test_deactivation_releases_the_assets_and_is_refused_while_lent_or_reserved(session, users):
    coordinator, mediator = users["coordinator"], users["mediator"]
    a, b = inv.asset(session), inv.asset(session)
    box = _kit(session, coordinator, assets=[a, b])
    start = days.NOW + timedelta(days=2)
    reservation = inv.reservation(session, user=mediator, assets=[a, b], starts_at=start,
                                  ends_at=start + timedelta(hours=3), kit_id=box.id)
    with pytest.raises(DomainError, match="réservé"):
        services.deactivate_kit(session, coordinator, box, now=clock.now())
    reservation.status = "cancelled"
    loan = inv.loan(session, assets=[a, b], user=mediator, checked_out_at=days.NOW, due_at=start, kit_id=box.id)
    with pytest.raises(DomainError, match="en prêt"):
        services.deactivate_kit(session, coordinator, box, now=clock.now())
    loan.status = "returned"
    services.deactivate_kit(session, coordinator, box, now=clock.now())
    session.refresh(a)
    assert not box.active and a.kit_id is None
    with pytest.raises(DomainError, match="désactivé"):
        services.update_kit(session, coordinator, box, code="KIT-TAB-1", name="X", now=clock.now())
    with pytest.raises(DomainError, match="désactivé"):
        services.create_asset(session, coordinator, tag="TAB-99", category="tablet", model="X", kit_id=box.id,
                              now=clock.now())


def test_kit_pages(client, session, users):
    coordinator = users["coordinator"]
    mine = [inv.asset(session, model="Galaxy Tab") for _ in range(2)]
    other_kit = _kit(session, coordinator, code="KIT-OTHER", assets=[inv.asset(session, tag="TAKEN-1")])
    session.commit()
    login(client, coordinator)
    form = client.get("/inventory/kits/new")
    assert "TAKEN-1" not in text_of(form) and mine[0].tag in text_of(form)
    response = client.post("/inventory/kits/new", data={"code": "kit-tab-1", "name": "Kit atelier tablettes 1",
                                                       "place_id": "0", "asset_ids": [str(a.id) for a in mine]})
    assert response.status_code == 302
    box = session.execute(select(Kit).where(Kit.code == "KIT-TAB-1")).scalar_one()
    page = text_of(client.get(f"/inventory/kits/{box.id}"))
    assert mine[0].tag in page and mine[1].tag in page
    listing = text_of(client.get("/inventory/kits"))
    assert "KIT-TAB-1" in listing and "KIT-OTHER" in listing
    # posting an asset of another kit (not offered): refused by the form's choices
    refused = client.post(f"/inventory/kits/{box.id}/edit", data={
        "code": "KIT-TAB-1", "name": "Kit", "place_id": "0", "asset_ids": [str(other_kit.assets[0].id)]})
    assert refused.status_code == 400
    assert client.post(f"/inventory/kits/{box.id}/deactivate").status_code == 302
    session.refresh(box)
    assert not box.active
    client.post("/logout")
    login(client, users["mediator"])
    assert client.get(f"/inventory/kits/{box.id}").status_code == 200
    assert client.get("/inventory/kits/new").status_code == 403


@pytest.mark.real_commits  # the threads' connections must see each other's commits
def test_two_kits_claiming_one_asset_at_once_exactly_one_gets_it(app, session, users):
    from tests.concurrency import logged_in_clients, run_together

    shared = inv.asset(session, tag="TAB-SHARED")
    session.commit()
    shared_id = shared.id
    clients = logged_in_clients(app, [users["coordinator"]] * 4)
    session.close()

    def post(i: int):
        return clients[i].post("/inventory/kits/new", data={"code": f"KIT-RACE-{i}", "name": f"Kit {i}",
                                                           "place_id": "0", "asset_ids": [str(shared_id)]})

    responses = run_together(post, 4)
    assert not [r for r in responses if isinstance(r, Exception)], responses
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 400, 400, 400], codes
    for r in responses:
        if r.status_code == 400:
            body = text_of(r)
            assert any(words in body for words in ("fait déjà partie", "vient de prendre", "en même temps",
                                                  "n'est pas un choix valide")), body[body.find("<main"):][:3000]
    assert len(session.execute(select(Kit)).scalars().all()) == 1
    assert session.get(Asset, shared_id).kit_id is not None
