"""Audits: the expected list (home place, neither retired nor lost), lent assets shown "en prêt" and never missing,
ticking (twice is harmless), scanning a tag or the label's URL, an unknown tag refused in French, closing freezes
the missing assets; the pages and the ``audit_tick`` endpoint (``next``)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.inventory.models import AssetStatus, Audit, AuditResult, AuditSighting
from coopnum.inventory.services import audits
from tests import days, factories
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv


def count(session) -> int:
    return session.scalar(select(func.count(AuditSighting.id)))


@pytest.fixture
def shelf(session, users):
    """A place with four tablets (one lent), a retired one, a lost one; a tablet of another place."""
    org = factories.organisation(session)
    place = factories.place(session, organisation=org, name="Local technique")
    other = factories.place(session, organisation=org, name="Annexe")
    a = {tag: inv.asset(session, tag=tag, place_id=place.id) for tag in ("TAB-01", "TAB-02", "TAB-03", "TAB-04")}
    inv.asset(session, tag="TAB-OLD", place_id=place.id, status=AssetStatus.RETIRED)
    inv.asset(session, tag="TAB-LOST", place_id=place.id, status=AssetStatus.LOST)
    a["TAB-X"] = inv.asset(session, tag="TAB-X", place_id=other.id)
    inv.loan(session, assets=[a["TAB-04"]], user=users["mediator"], checked_out_at=days.NOW - timedelta(days=1),
             due_at=days.NOW + timedelta(days=3))
    session.commit()
    return {"place": place, "other": other, **a}


def test_expected_lines_tick_scan_and_close(session, users, shelf):
    actor = users["coordinator"]
    audit = audits.start_audit(session, actor=actor, now=days.NOW, place_id=shelf["place"].id)
    lines = audits.lines(session, audit)
    assert [line.asset.tag for line in lines] == ["TAB-01", "TAB-02", "TAB-03", "TAB-04"]
    assert [line.lent for line in lines] == [False, False, False, True]
    asset, created = audits.tick(session, audit, actor=users["mediator"], now=days.NOW, asset_id=shelf["TAB-01"].id)
    assert created and asset.tag == "TAB-01"
    asset, created = audits.tick(session, audit, actor=users["mediator"], now=days.NOW, asset_id=shelf["TAB-01"].id)
    assert not created
    assert count(session) == 1
    asset, created = audits.tick(session, audit, actor=actor, now=days.NOW, tag=" http://coop.test/q/TAB-02?x=1 ")
    assert created and asset.tag == "TAB-02"
    assert session.execute(select(AuditSighting).where(AuditSighting.asset_id == shelf["TAB-02"].id)).scalar_one().scanned
    with pytest.raises(NotFound, match="Aucun matériel ne porte l'étiquette « NOPE »"):
        audits.tick(session, audit, actor=actor, now=days.NOW, tag="NOPE")
    asset, created = audits.tick(session, audit, actor=actor, now=days.NOW, tag="tab-x")  # another place's
    assert created and not audits.is_expected(audit, asset)
    assert [s.asset_id for s in audits.extra_sightings(session, audit)] == [shelf["TAB-X"].id]
    missing = audits.close_audit(session, audit, actor=actor, now=days.NOW + timedelta(hours=1))
    assert [a.tag for a in missing] == ["TAB-03"]  # TAB-04 is lent: not missing
    assert audit.missing_count == 1
    with pytest.raises(DomainError, match="terminé"):
        audits.tick(session, audit, actor=actor, now=days.NOW, asset_id=shelf["TAB-03"].id)
    # once closed, TAB-04's return does not make it missing (lent at the closing instant)
    lines = audits.lines(session, audit)
    assert [line.asset.tag for line in lines if line.missing] == ["TAB-03"]
    # mark the missing one lost: it stays in the closed audit's list
    audits.mark_missing_lost(session, audit, [shelf["TAB-03"].id, shelf["TAB-01"].id], actor=actor,
                             now=days.NOW + timedelta(hours=2))
    assert shelf["TAB-03"].status == AssetStatus.LOST and shelf["TAB-01"].status == AssetStatus.AVAILABLE
    assert [line.asset.tag for line in audits.lines(session, audit) if line.missing] == ["TAB-03"]


def test_a_closed_audit_keeps_what_it_found(session, users, shelf):
    """The result is frozen at the closing (one AuditResult per expected asset): an asset moved to another place, a
    lent one returned, a new asset at the place, none of them change the closed audit's lists."""
    actor = users["coordinator"]
    audit = audits.start_audit(session, actor=actor, now=days.NOW, place_id=shelf["place"].id)
    audits.tick(session, audit, actor=actor, now=days.NOW, asset_id=shelf["TAB-01"].id)
    audits.close_audit(session, audit, actor=actor, now=days.NOW + timedelta(hours=1))
    outcomes = dict(session.execute(select(AuditResult.asset_id, AuditResult.outcome)
                                    .where(AuditResult.audit_id == audit.id)).all())
    assert outcomes == {shelf["TAB-01"].id: "seen", shelf["TAB-02"].id: "missing", shelf["TAB-03"].id: "missing",
                        shelf["TAB-04"].id: "lent"}
    shelf["TAB-02"].place_id = shelf["other"].id  # moved since
    inv.asset(session, tag="TAB-NEW", place_id=shelf["place"].id)  # arrived since
    session.flush()
    lines = audits.lines(session, audit)
    assert [line.asset.tag for line in lines] == ["TAB-01", "TAB-02", "TAB-03", "TAB-04"]
    assert [line.asset.tag for line in lines if line.missing] == ["TAB-02", "TAB-03"] and audit.missing_count == 2


def test_one_open_audit_per_place_and_the_assets_without_home(session, users, shelf):
    actor = users["coordinator"]
    audits.start_audit(session, actor=actor, now=days.NOW, place_id=shelf["place"].id)
    with pytest.raises(Conflict, match="déjà en cours"):
        audits.start_audit(session, actor=actor, now=days.NOW, place_id=shelf["place"].id)
    homeless = inv.asset(session, tag="HOME-0")
    audit = audits.start_audit(session, actor=actor, now=days.NOW, place_id=None)
    assert [line.asset.tag for line in audits.lines(session, audit)] == [homeless.tag]
    with pytest.raises(NotFound):
        audits.start_audit(session, actor=actor, now=days.NOW, place_id=999999)


def test_the_audit_pages(client, session, users, shelf):
    login(client, users["coordinator"])
    response = client.post("/inventory/audits/start", data={"place": str(shelf["place"].id)})
    assert response.status_code == 302
    audit = session.execute(select(Audit)).scalar_one()
    url = f"/inventory/audits/{audit.id}"
    page = text_of(client.get(url))
    assert "TAB-01" in page and "TAB-OLD" not in page and "TAB-LOST" not in page and "en prêt" in page
    assert "Vu aujourd'hui" in page
    response = client.post(f"{url}/tick", data={"asset_id": shelf["TAB-01"].id})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    response = client.post(f"{url}/tick", data={"tag": "TAB-02"}, follow_redirects=True)
    assert "TAB-02 vu aujourd'hui" in text_of(response)
    response = client.post(f"{url}/tick", data={"tag": "TAB-02"}, follow_redirects=True)
    assert "TAB-02 était déjà noté comme vu" in text_of(response)
    response = client.post(f"{url}/tick", data={"tag": "ZZZ-9"}, follow_redirects=True)
    assert "Aucun matériel ne porte l'étiquette « ZZZ-9 »" in text_of(response)
    # from the asset page: back to it with ``next``; a foreign ``next`` is ignored
    response = client.post(f"{url}/tick", data={"tag": "TAB-03", "next": "/inventory/assets/3"})
    assert response.headers["Location"].endswith("/inventory/assets/3")
    response = client.post(f"{url}/tick", data={"tag": "TAB-03", "next": "https://evil.test/"})
    assert response.headers["Location"].endswith(url)
    assert count(session) == 3
    client.post(f"{url}/tick", data={"tag": "TAB-X"})
    response = client.post(f"{url}/close", follow_redirects=True)
    page = text_of(response)
    assert "Audit terminé : rien ne manque." in page
    session.refresh(audit)
    assert audit.missing_count == 0 and audit.closed_at is not None
    assert "Vu ici mais rattaché ailleurs" in page and "TAB-X" in page
    history = text_of(client.get(f"/inventory/audits?place={shelf['place'].id}"))
    assert f"Audit n° {audit.id}" in history
    assert f"Audit n° {audit.id}" not in text_of(client.get(f"/inventory/audits?place={shelf['other'].id}"))


def test_closing_shows_the_missing_and_marks_them_lost(client, session, users, shelf):
    audit = audits.start_audit(session, actor=users["coordinator"], now=days.NOW, place_id=shelf["place"].id)
    audits.tick(session, audit, actor=None, now=days.NOW, asset_id=shelf["TAB-01"].id)
    session.commit()
    login(client, users["mediator"])
    assert client.post(f"/inventory/audits/{audit.id}/close").status_code == 403
    assert client.post(f"/inventory/audits/{audit.id}/tick", data={"tag": "TAB-02"}).status_code == 302
    client.post("/logout")
    login(client, users["coordinator"])
    page = text_of(client.post(f"/inventory/audits/{audit.id}/close", follow_redirects=True))
    assert "1 matériel manquant" in page and "Matériel manquant" in page and "TAB-03" in page
    response = client.post(f"/inventory/audits/{audit.id}/lost", data={"asset_ids": [str(shelf["TAB-03"].id)]})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(type(shelf["TAB-03"]), shelf["TAB-03"].id).status == AssetStatus.LOST


def test_the_tick_button_for_the_asset_page(app, session, users, shelf):
    from flask import render_template_string
    from flask_login import login_user

    audit = audits.start_audit(session, actor=users["coordinator"], now=days.NOW, place_id=shelf["place"].id)
    session.commit()
    template = '{% include "inventory/care/_audit_tick_button.html" %}'
    with app.test_request_context("/inventory/assets/1"):
        login_user(users["mediator"])
        html = render_template_string(template, asset=shelf["TAB-01"])
        assert f"/inventory/audits/{audit.id}/tick" in html and f'value="{shelf["TAB-01"].id}"' in html
        assert 'name="next" value="/inventory/assets/1"' in html
        assert render_template_string(template, asset=shelf["TAB-X"]).strip() == ""  # no audit of its place
