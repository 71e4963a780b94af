"""QR labels and the public page of a label: the payload is the absolute URL of /q/<tag> (decoded back from the
PNG the sheet embeds, by comparing its modules with segno's matrix), the sheet is a PDF holding each tag, and
/q/<tag> opens the asset's page for whoever may see the inventory, the « found it? » page (the cooperative's
contact only) for anyone else, and the same page for an unknown tag."""

import base64
import io
import re

import pytest
from flask import url_for
from PIL import Image

from coopnum.core import clock, settings
from coopnum.inventory.services import labels
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv
from tests.pdftext import pdf_text


def decode_qr_png(data_uri: str) -> list[list[bool]]:
    """The modules of a QR code PNG written with ``labels.QR_SCALE`` and ``labels.QR_BORDER`` (dark = True)."""
    image = Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1]))).convert("L")
    scale, border = labels.QR_SCALE, labels.QR_BORDER
    size = image.width // scale - 2 * border
    return [[image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)) < 128
             for x in range(size)] for y in range(size)]


def payload_of(data_uri: str, candidates: list[str]) -> str | None:
    """Which candidate text the QR code encodes: the one whose segno matrix is the same picture."""
    modules = decode_qr_png(data_uri)
    for text in candidates:
        matrix = [[bool(v) for v in row] for row in labels.qr_code(text).matrix]
        if matrix == modules:
            return text
    return None


def test_the_payload_is_the_absolute_url_of_the_public_route(app):
    assert labels.qr_payload("https://coop.example.org/", "TAB-0012") == "https://coop.example.org/q/TAB-0012"
    with app.test_request_context():
        assert url_for("inventory_public.found", tag="TAB-0012") == "/q/TAB-0012"


def test_the_qr_png_decodes_to_its_payload_only():
    uri = labels.qr_data_uri("http://coopnum.test/q/TAB-0012")
    assert uri.startswith("data:image/png;base64,")
    candidates = ["http://coopnum.test/q/TAB-0013", "http://coopnum.test/q/TAB-0012", "http://coopnum.test/q/"]
    assert payload_of(uri, candidates) == "http://coopnum.test/q/TAB-0012"


def test_the_sheet_is_a_pdf_with_each_tag_and_its_code(client, session, users):
    settings.set_value(session, None, "company.name", "Coop'Num Vienne", now=clock.now())
    assets = [inv.asset(session, tag=f"TAB-{n:04d}", model="Galaxy Tab A9") for n in range(1, 27)]
    session.commit()
    login(client, users["coordinator"])
    response = client.get("/inventory/assets/labels.pdf?" + "&".join(f"asset_id={a.id}" for a in assets))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    for a in assets:
        assert a.tag in text
    assert "Galaxy Tab A9" in text and "Coop'Num Vienne" in text
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(response.data)).pages) == 2  # 24 labels a page


def test_the_sheet_html_embeds_the_code_of_the_public_url(app, session, users):
    asset = inv.asset(session, tag="PC-0007", model="ThinkPad")
    sheet = labels.labels_for([asset], "http://coopnum.test")
    assert sheet[0].payload == "http://coopnum.test/q/PC-0007"
    assert payload_of(sheet[0].qr, ["http://coopnum.test/q/PC-0008", "http://coopnum.test/q/PC-0007"]) \
        == "http://coopnum.test/q/PC-0007"


def test_labels_of_a_kit_and_of_the_filtered_list(client, session, users):
    box = inv.kit(session, code="KIT-A")
    inside = inv.asset(session, tag="IN-KIT-1", kit=box)
    inv.asset(session, tag="OUT-KIT-1")
    inv.asset(session, tag="OLD-1", status="retired")
    session.commit()
    login(client, users["coordinator"])
    text = pdf_text(client.get(f"/inventory/assets/labels.pdf?kit_id={box.id}").data)
    assert inside.tag in text and "OUT-KIT-1" not in text
    text = pdf_text(client.get("/inventory/assets/labels.pdf").data)
    assert "OUT-KIT-1" in text and "IN-KIT-1" in text and "OLD-1" not in text  # retired: not labelled
    none_ticked = client.get("/inventory/assets/labels.pdf?picked=1")
    assert none_ticked.status_code == 422 and "Cochez au moins un matériel" in text_of(none_ticked)
    ticked = client.get(f"/inventory/assets/labels.pdf?picked=1&asset_id={inside.id}")
    assert ticked.status_code == 200 and "OUT-KIT-1" not in pdf_text(ticked.data)
    empty = client.get("/inventory/assets/labels.pdf?q=nothing-matches")
    assert empty.status_code == 422 and "Aucun matériel à étiqueter" in text_of(empty)


# --- the public page ------------------------------------------------------------------------------------------------

@pytest.fixture
def contact(session):
    for key, value in {"company.name": "Coop'Num Vienne", "company.phone": "05 49 00 00 00",
                       "company.email": "contact@coopnum.example", "company.address": "12 rue de la Gare",
                       "company.postal_code": "86000", "company.city": "Poitiers"}.items():
        settings.set_value(session, None, key, value, now=clock.now())


def test_anonymous_sees_the_contact_and_nothing_about_the_asset(client, session, users, contact):
    from tests import factories

    home = factories.place(session, name="Maison France Services de Loudun")
    asset = inv.asset(session, tag="TAB-0042", model="Samsung Galaxy Tab A9+", serial="R9XW-SECRET",
                      place_id=home.id)
    session.commit()
    response = client.get("/q/TAB-0042")
    page = text_of(response)
    assert response.status_code == 200 and "Vous avez trouvé ce matériel ?" in page
    assert "05 49 00 00 00" in page and "contact@coopnum.example" in page and "Coop'Num Vienne" in page
    assert "12 rue de la Gare" in page and "TAB-0042" in page
    for secret in ("Galaxy", "R9XW-SECRET", "Loudun", "Maison France Services"):
        assert secret not in page
    unknown = client.get("/q/TAB-9999")
    assert unknown.status_code == 200
    # the same page, but for the tag: nothing tells whether a tag exists
    assert text_of(unknown).replace("TAB-9999", "TAB-0042") == page
    assert client.get("/q/tab-0042").status_code == 200
    assert asset.id


def test_a_mediator_is_sent_to_the_asset_and_a_member_sees_the_public_page(client, session, users, contact):
    asset = inv.asset(session, tag="TAB-0042", model="Samsung Galaxy Tab A9+")
    session.commit()
    login(client, users["mediator"])
    response = client.get("/q/tab-0042")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inventory/assets/{asset.id}")
    unknown = client.get("/q/TAB-9999")
    assert unknown.status_code == 200 and "Aucun matériel de l'inventaire ne porte cette étiquette" in text_of(unknown)
    client.post("/logout")
    login(client, users["member"])
    page = text_of(client.get("/q/TAB-0042"))
    assert "Vous avez trouvé ce matériel ?" in page and "05 49 00 00 00" in page and "Galaxy" not in page
    assert "Aucun matériel" not in page


def test_a_strange_tag_is_not_echoed(client, contact):
    response = client.get("/q/%3Cscript%3Ealert(1)")
    page = text_of(response)
    assert response.status_code == 200 and "<script>alert" not in response.get_data(as_text=True)
    assert "data-tag" not in page and "Étiquette :" not in page
    assert re.search(r"05 49 00 00 00", page)
