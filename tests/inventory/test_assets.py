"""Assets: create and edit (unique tag, also against a concurrent request), retire (final), mark found, the photo
(a non-image refused, EXIF gone after re-encoding, bounded size), the list's filters and counts, the history of an
asset (every kind of event, in a fixed number of queries), the CSV/XLSX exports."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.errors import Conflict, DomainError
from coopnum.core.models import AuditLog
from coopnum.inventory.models import (
    Asset,
    AssetCategory,
    AssetPhoto,
    AssetStatus,
    Audit,
    AuditSighting,
    BorrowerKind,
    Condition,
    MaintenanceCase,
)
from coopnum.inventory.services import assets as services
from coopnum.inventory.services import history
from tests import days, factories
from tests.concurrency import run_together
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv
from tests.queries import counting


def _create(session, actor, tag="TAB-0001", **kw):
    values = {"category": AssetCategory.TABLET, "model": "Samsung Galaxy Tab A9+", "now": clock.now()} | kw
    return services.create_asset(session, actor, tag=tag, **values)


@pytest.fixture
def coordinator(client, users):
    login(client, users["coordinator"])
    return users["coordinator"]


def _jpeg_with_exif(size=(3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0110] = "SecretPhone 12"  # Model
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- services -------------------------------------------------------------------------------------------------------

def test_create_normalises_the_tag_and_stores_cents(session, users):
    place = factories.place(session)
    asset = _create(session, users["coordinator"], tag="  tab-0042 ", purchase_price_cents=22900,
                    purchase_date=days.days(-100), funding="Don", place_id=place.id)
    assert asset.tag == "TAB-0042" and asset.status == AssetStatus.AVAILABLE
    assert asset.purchase_price_cents == 22900 and asset.place_id == place.id
    log = session.execute(select(AuditLog).where(AuditLog.action == "inventory.asset_create")).scalar_one()
    assert log.object_id == str(asset.id) and "TAB-0042" in log.summary


def test_a_duplicate_tag_is_refused_in_french_whatever_its_case(session, users):
    _create(session, users["coordinator"], tag="TAB-0001")
    with pytest.raises(Conflict, match="déjà utilisée"):
        _create(session, users["coordinator"], tag="tab-0001")
    other = _create(session, users["coordinator"], tag="TAB-0002")
    with pytest.raises(Conflict):
        services.update_asset(session, users["coordinator"], other, tag="TAB-0001", category="tablet", model="X",
                              now=clock.now())


@pytest.mark.parametrize(("kw", "field"), [
    ({"tag": "TAB 01"}, "tag"), ({"tag": "TÂB-1"}, "tag"), ({"category": "toaster"}, "category"),
    ({"model": "  "}, "model"), ({"purchase_price_cents": -1}, "purchase_price"),
    ({"purchase_date": days.days(3)}, "purchase_date"), ({"place_id": 999999}, "place_id"),
    ({"kit_id": 999999}, "kit_id"),
])
def test_bad_values_are_refused_next_to_their_field(session, users, kw, field):
    with pytest.raises(DomainError) as exc:
        _create(session, users["coordinator"], **({"tag": "TAB-0009"} | kw))
    assert exc.value.field == field
    assert session.execute(select(Asset)).first() is None


def test_retire_is_final_and_refused_while_lent(session, users):
    coordinator = users["coordinator"]
    lent = _create(session, coordinator, tag="PC-1", category=AssetCategory.LAPTOP, model="ThinkPad")
    inv.loan(session, assets=[lent], user=users["mediator"], checked_out_at=days.NOW - timedelta(days=1),
             due_at=days.NOW + timedelta(days=3))
    with pytest.raises(DomainError, match="prêt"):
        services.retire_asset(session, coordinator, lent, on=days.TODAY, reason="Cassé", now=clock.now())
    box = inv.kit(session, code="KIT-1")
    asset = _create(session, coordinator, tag="TAB-1", kit_id=box.id)
    with pytest.raises(DomainError, match="futur"):
        services.retire_asset(session, coordinator, asset, on=days.days(2), reason="Vendu", now=clock.now())
    with pytest.raises(DomainError, match="motif"):
        services.retire_asset(session, coordinator, asset, on=days.TODAY, reason=" ", now=clock.now())
    services.retire_asset(session, coordinator, asset, on=days.days(-1), reason="Écran cassé", now=clock.now())
    assert asset.status == AssetStatus.RETIRED and asset.retired_on == days.days(-1) and asset.kit_id is None
    assert "Écran cassé" in asset.notes
    with pytest.raises(DomainError, match="déjà réformé"):
        services.retire_asset(session, coordinator, asset, on=days.TODAY, reason="Encore", now=clock.now())
    with pytest.raises(DomainError, match="plus modifiable"):
        services.update_asset(session, coordinator, asset, tag="TAB-1", category="tablet", model="X",
                              now=clock.now())


def test_a_lost_asset_found_is_available_again_or_in_maintenance(session, users):
    coordinator = users["coordinator"]
    lost = _create(session, coordinator, tag="TEL-1", category=AssetCategory.SMARTPHONE, model="Fairphone 5")
    lost.status = AssetStatus.LOST
    services.mark_found(session, coordinator, lost, now=clock.now())
    assert lost.status == AssetStatus.AVAILABLE
    with pytest.raises(DomainError, match="pas déclaré perdu"):
        services.mark_found(session, coordinator, lost, now=clock.now())
    broken = _create(session, coordinator, tag="TEL-2", category=AssetCategory.SMARTPHONE, model="Fairphone 5")
    session.add(MaintenanceCase(asset_id=broken.id, opened_on=days.TODAY, issue="Écran"))
    broken.status = AssetStatus.LOST
    services.mark_found(session, coordinator, broken, now=clock.now())
    assert broken.status == AssetStatus.MAINTENANCE


def test_the_photo_is_reencoded_without_exif_and_bounded(session, users):
    original = _jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif().get(0x0110) == "SecretPhone 12"
    asset = _create(session, users["coordinator"])
    photo = services.set_photo(session, users["coordinator"], asset, original, now=clock.now())
    stored = Image.open(io.BytesIO(photo.data))
    assert photo.content_type == "image/jpeg" and stored.format == "JPEG"
    assert max(stored.size) == services.PHOTO_MAX_SIDE and stored.size == (1600, 1067)
    assert dict(stored.getexif()) == {} and b"SecretPhone" not in photo.data and b"Exif" not in photo.data
    # a PNG stays a PNG; replacing keeps one row
    services.set_photo(session, users["coordinator"], asset, inv.tiny_png(), now=clock.now())
    rows = session.execute(select(AssetPhoto).where(AssetPhoto.asset_id == asset.id)).scalars().all()
    assert len(rows) == 1 and rows[0].content_type == "image/png"


@pytest.mark.parametrize("data", [b"%PDF-1.4 not an image", b"", b"GIF89a" + b"\x00" * 50,
                                  b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_a_non_image_is_refused(session, users, data):
    asset = _create(session, users["coordinator"])
    with pytest.raises(DomainError) as exc:
        services.set_photo(session, users["coordinator"], asset, data, now=clock.now())
    assert exc.value.field == "photo"


def test_a_decompression_bomb_is_refused(session, users):
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG", optimize=True)  # 48 Mpx in a few kilobytes
    assert len(out.getvalue()) < 100_000
    asset = _create(session, users["coordinator"])
    with pytest.raises(DomainError, match="trop grande"):
        services.set_photo(session, users["coordinator"], asset, out.getvalue(), now=clock.now())


def test_a_gif_is_refused_as_a_format(session, users):
    out = io.BytesIO()
    Image.new("RGB", (5, 5)).save(out, format="GIF")
    asset = _create(session, users["coordinator"])
    with pytest.raises(DomainError, match="JPEG ou PNG"):
        services.set_photo(session, users["coordinator"], asset, out.getvalue(), now=clock.now())


def test_search_filters_and_counts_per_status(session, users):
    coordinator = users["coordinator"]
    here, there = factories.place(session), factories.place(session)
    box = inv.kit(session, code="KIT-A")
    a = _create(session, coordinator, tag="TAB-1", place_id=here.id, serial="SN-XYZ", kit_id=box.id)
    b = _create(session, coordinator, tag="PC-1", category=AssetCategory.LAPTOP, model="HP ProBook",
                place_id=there.id)
    c = _create(session, coordinator, tag="TAB-2", place_id=there.id)
    c.status = AssetStatus.LOST
    session.flush()

    def tags(**kw):
        return [x.tag for x in session.execute(services.search_stmt(**kw)).scalars()]

    assert tags() == ["PC-1", "TAB-1", "TAB-2"]
    assert tags(q="probook") == ["PC-1"] and tags(q="sn-x") == ["TAB-1"] and tags(q="tab-") == ["TAB-1", "TAB-2"]
    assert tags(q="%") == [] and tags(q="_") == []  # LIKE's wildcards are plain characters
    assert tags(category="tablet") == ["TAB-1", "TAB-2"] and tags(status="lost") == ["TAB-2"]
    assert tags(place_id=there.id) == ["PC-1", "TAB-2"] and tags(kit_id=box.id) == ["TAB-1"]
    counts = services.status_counts(session, category="tablet")
    assert counts["available"] == 1 and counts["lost"] == 1 and counts["deployed"] == 0
    assert a.id and b.id


# --- history --------------------------------------------------------------------------------------------------------

def test_the_history_tells_everything_in_a_fixed_number_of_queries(session, users):
    coordinator, mediator = users["coordinator"], users["mediator"]
    place = factories.place(session, name="Médiathèque")
    asset = _create(session, coordinator, tag="TAB-7", place_id=place.id, now=days.NOW - timedelta(days=60))

    def add_events(first: int, n: int):
        for i in range(first, first + n):
            start = days.NOW - timedelta(days=40 - i * 5)  # one event of each kind every 5 days
            inv.reservation(session, user=mediator, assets=[asset], starts_at=start,
                            ends_at=start + timedelta(hours=2))
            inv.loan(session, assets=[asset], user=mediator, checked_out_at=start + timedelta(days=1),
                     due_at=start + timedelta(days=2), returned_at=start + timedelta(days=3),
                     condition_out=Condition.GOOD, condition_in=Condition.WORN, condition_in_notes="Rayure")
            audit_row = Audit(place_id=place.id, started_at=start, started_by_id=coordinator.id)
            session.add(audit_row)
            session.flush()
            session.add(AuditSighting(audit_id=audit_row.id, asset_id=asset.id, seen_at=start, scanned=True,
                                      seen_by_id=mediator.id))
            session.add(MaintenanceCase(asset_id=asset.id, opened_on=days.days(-38 + i * 5), closed_on=days.days(-37 + i * 5),
                                        issue=f"Écran {i}", repair="Vitre changée", cost_cents=4500,
                                        supplier="Atelier du Clain"))
        session.flush()

    add_events(0, 1)
    session.expire_all()
    with counting(session.get_bind()) as few:
        history.asset_history(session, asset, coordinator)
    add_events(1, 3)
    session.expire_all()
    with counting(session.get_bind()) as many:
        events = history.asset_history(session, asset, coordinator)
    assert len(many) == len(few) <= 10, many  # one query per kind of event (and the users' roles)
    kinds = [e.kind for e in events]
    for kind in ("created", "reservation", "loan_out", "loan_in", "maintenance_open", "maintenance_close",
                 "sighting"):
        assert kind in kinds
    assert kinds[-1] == "created"
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    back = next(e for e in events if e.kind == "loan_in")
    assert "usé" in back.detail and "Rayure" in back.detail
    assert any("Médiathèque" in e.title for e in events if e.kind == "sighting")
    services.retire_asset(session, coordinator, asset, on=days.TODAY, reason="Vendu", now=clock.now())
    events = history.asset_history(session, asset, coordinator)
    assert events[0].kind == "log" and "réformé" in events[0].title


def test_a_person_borrower_is_named_only_to_who_may_see_the_loan(session, users):
    asset = _create(session, users["coordinator"])
    inv.loan(session, assets=[asset], kind=BorrowerKind.PERSON, user=users["admin"],
             checked_out_at=days.NOW - timedelta(days=5), due_at=days.NOW - timedelta(days=1),
             returned_at=days.NOW - timedelta(days=2), borrower_name="Jeanne Usagère", borrower_commune="Loudun")
    from coopnum.core import audit

    audit.record(session, users["admin"], "inventory.loan_checkout", asset, summary="Prêté à Jeanne Usagère",
                 now=clock.now())
    staff_view = " ".join(e.title for e in history.asset_history(session, asset, users["coordinator"]))
    assert "Prêté à Jeanne Usagère" in staff_view
    mediator_view = " ".join(e.title for e in history.asset_history(session, asset, users["mediator"]))
    assert "Jeanne Usagère" in staff_view
    assert "Jeanne" not in mediator_view and "une personne sans compte" in mediator_view


# --- pages ----------------------------------------------------------------------------------------------------------

def _form(**kw):
    return {"tag": "TAB-0100", "category": "tablet", "model": "Lenovo Tab M10", "serial": "HA1K123",
            "purchase_date": days.days(-200).isoformat(), "purchase_price": "179,90", "funding": "Don",
            "place_id": "0", "kit_id": "0", "notes": ""} | kw


def test_the_coordinator_creates_and_edits_an_asset(client, session, coordinator):
    place = factories.place(session, name="Espace numérique")
    session.commit()
    response = client.post("/inventory/assets/new", data=_form(place_id=str(place.id)))
    assert response.status_code == 302
    asset = session.execute(select(Asset)).scalar_one()
    assert asset.purchase_price_cents == 17990 and asset.place_id == place.id and asset.created_by_id
    page = text_of(client.get(f"/inventory/assets/{asset.id}"))
    assert "TAB-0100" in page and "Lenovo Tab M10" in page and "Espace numérique" in page
    assert "179,90" in page and "Entrée dans l'inventaire" in page
    edit = client.get(f"/inventory/assets/{asset.id}/edit")
    assert 'value="179,90"' in edit.get_data(as_text=True)
    assert client.post(f"/inventory/assets/{asset.id}/edit",
                       data=_form(model="Lenovo Tab M11", purchase_price="")).status_code == 302
    session.refresh(asset)
    assert asset.model == "Lenovo Tab M11" and asset.purchase_price_cents is None


def test_a_duplicate_tag_shows_a_french_message_next_to_the_field(client, session, coordinator):
    _create(session, coordinator, tag="TAB-0100")
    session.commit()
    response = client.post("/inventory/assets/new", data=_form(tag="tab-0100"))
    assert response.status_code == 400
    assert "L'étiquette TAB-0100 est déjà utilisée" in text_of(response)
    response = client.post("/inventory/assets/new", data=_form(tag="TAB-0101", purchase_price="douze"))
    assert response.status_code == 400 and "Montant invalide" in text_of(response)


@pytest.mark.real_commits  # the threads' connections must see each other's commits
def test_a_concurrent_duplicate_tag_is_a_message_not_a_500(app, session, users):
    from tests.concurrency import logged_in_clients

    clients = logged_in_clients(app, [users["coordinator"], users["admin"]] * 2)
    session.close()

    def post(i: int):
        return clients[i].post("/inventory/assets/new", data=_form(tag="TAB-0500"))

    responses = run_together(post, 4)
    assert not [r for r in responses if isinstance(r, Exception)], responses
    codes = sorted(r.status_code for r in responses)
    assert codes.count(302) == 1 and all(c == 400 for c in codes if c != 302), codes
    for r in responses:
        if r.status_code == 400:
            body = text_of(r)
            assert "déjà utilisée" in body or "en même temps que vous" in body
    assert len(session.execute(select(Asset)).scalars().all()) == 1


def test_retire_and_found_from_the_page(client, session, coordinator):
    asset = _create(session, coordinator)
    lost = _create(session, coordinator, tag="TEL-9", category="smartphone", model="Galaxy A15")
    lost.status = AssetStatus.LOST
    session.commit()
    page = text_of(client.get(f"/inventory/assets/{lost.id}"))
    assert "Marquer comme retrouvé" in page
    assert client.post(f"/inventory/assets/{lost.id}/found").status_code == 302
    session.refresh(lost)
    assert lost.status == AssetStatus.AVAILABLE
    refused = client.post(f"/inventory/assets/{asset.id}/retire",
                          data={"retire-on": days.days(5).isoformat(), "retire-reason": "Vendu"})
    assert refused.status_code == 400 and "futur" in text_of(refused)
    done = client.post(f"/inventory/assets/{asset.id}/retire",
                       data={"retire-on": days.TODAY.isoformat(), "retire-reason": "Donné à une école"})
    assert done.status_code == 302
    session.refresh(asset)
    assert asset.status == AssetStatus.RETIRED
    page = text_of(client.get(f"/inventory/assets/{asset.id}"))
    assert "Donné à une école" in page and "Réformer ce matériel" not in page


def test_photo_upload_refuses_a_non_image_and_serves_the_reencoded_one(client, session, coordinator, users):
    asset = _create(session, coordinator)
    session.commit()
    refused = client.post(f"/inventory/assets/{asset.id}/photo",
                          data={"photo-photo": (io.BytesIO(b"%PDF-1.4 nope"), "facture.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "n'est pas une image JPEG ou PNG" in text_of(refused)
    ok = client.post(f"/inventory/assets/{asset.id}/photo",
                     data={"photo-photo": (io.BytesIO(_jpeg_with_exif((800, 600))), "photo.jpg")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    served = client.get(f"/inventory/assets/{asset.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert dict(Image.open(io.BytesIO(served.data)).getexif()) == {}
    client.post("/logout")
    login(client, users["mediator"])
    assert client.get(f"/inventory/assets/{asset.id}/photo").status_code == 200
    assert client.post(f"/inventory/assets/{asset.id}/photo/delete").status_code == 403


def test_the_list_filters_counts_and_hides_staff_actions_from_mediators(client, session, users):
    coordinator = users["coordinator"]
    _create(session, coordinator, tag="TAB-1")
    _create(session, coordinator, tag="PC-1", category="laptop", model="HP ProBook 440")
    session.commit()
    login(client, coordinator)
    page = text_of(client.get("/inventory/assets?category=laptop"))
    assert "PC-1" in page and "TAB-1" not in page and "Nouveau matériel" in page
    assert 'data-count="available">1<' in page
    garbage = client.get("/inventory/assets?category=garbage&place_id=abc&page=x")
    assert garbage.status_code == 200 and "PC-1" in text_of(garbage) and "TAB-1" in text_of(garbage)
    client.post("/logout")
    login(client, users["mediator"])
    page = text_of(client.get("/inventory/assets"))
    assert "PC-1" in page and "TAB-1" in page and "Nouveau matériel" not in page and "Exporter" not in page


# --- exports --------------------------------------------------------------------------------------------------------

def test_exports_follow_the_filters_and_neutralise_formulas(client, session, coordinator):
    place = factories.place(session, name="Tiers-lieu")
    _create(session, coordinator, tag="TAB-1", purchase_price_cents=22990, purchase_date=days.days(-10),
            place_id=place.id, notes='=HYPERLINK("http://x";"clic")')
    _create(session, coordinator, tag="PC-1", category="laptop", model="HP")
    session.commit()
    response = client.get("/inventory/assets.csv?category=tablet")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Étiquette", "Catégorie", "Modèle", "N° de série", "Date d'achat", "Prix (€)",
                       "Financement", "Lieu", "Kit", "Statut", "Notes"]
    assert len(rows) == 2
    assert rows[1][:3] == ["TAB-1", "Tablette", "Samsung Galaxy Tab A9+"]
    assert rows[1][4] == days.days(-10).strftime("%d/%m/%Y") and rows[1][5] == "229,90"
    assert rows[1][7] == "Tiers-lieu" and rows[1][9] == "Disponible" and rows[1][10].startswith("'=")
    response = client.get("/inventory/assets.xlsx")
    ws = load_workbook(io.BytesIO(response.data)).active
    values = list(ws.values)
    assert values[0][0] == "Étiquette" and [r[0] for r in values[1:]] == ["PC-1", "TAB-1"]
    assert values[2][5] == 229.9 and values[2][4].date() == days.days(-10)
    assert ws.cell(row=3, column=11).data_type == "s"
    assert client.get("/inventory/assets.pdf").status_code == 404


def test_the_asset_page_shows_its_loan_and_coming_reservations_to_a_mediator(client, session, users):
    mediator, other = users["mediator"], factories.user(session, roles=["mediator"], full_name="Paul Médiateur")
    asset = _create(session, users["coordinator"], tag="PC-0003", category="laptop", model="ThinkPad E14")
    inv.loan(session, assets=[asset], user=mediator, checked_out_at=days.NOW - timedelta(days=1),
             due_at=days.NOW + timedelta(days=2))
    start = days.at(days.days(5), 9)
    inv.reservation(session, user=other, assets=[asset], starts_at=start, ends_at=start + timedelta(hours=3))
    past = days.at(days.days(-5), 9)
    inv.reservation(session, user=other, assets=[asset], starts_at=past, ends_at=past + timedelta(hours=1))
    session.commit()
    login(client, mediator)
    page = text_of(client.get(f"/inventory/assets/{asset.id}"))
    assert f"En prêt à {mediator.full_name}" in page
    assert page.count("Réservé pour Paul Médiateur") == 1  # the coming one, not the past one
    assert "Réformer ce matériel" not in page and "Étiquette QR (PDF)" not in page and "Modifier" not in page
    assert client.get(f"/inventory/assets/{asset.id}/edit").status_code == 403
    assert client.post(f"/inventory/assets/{asset.id}/retire",
                       data={"retire-on": days.TODAY.isoformat(), "retire-reason": "X"}).status_code == 403


def test_query_names_that_url_for_reads_itself_break_nothing(client, session, coordinator):
    for n in range(60):  # two pages: the pagination links are built too
        inv.asset(session, tag=f"TAB-{n:04d}")
    session.commit()
    for query in ("endpoint=x", "fmt=pdf", "_external=1&_scheme=javascript", "page=2&endpoint=y&_anchor=z"):
        response = client.get(f"/inventory/assets?{query}")
        assert response.status_code == 200, query
        assert "javascript:" not in response.get_data(as_text=True)
