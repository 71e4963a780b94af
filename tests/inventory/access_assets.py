"""Access rows for the assets and kits (pages, import, export, labels, photo), the public page of a label and the
assets API. Mediators see the inventory; the staff change it. Ids from ``inventory_world`` (``asset``,
``asset_tag``, ``kit``) and ``_assets_world`` (``lost_asset``, ``photo_asset``, ``spare_kit``)."""

from tests.test_access import STAFF, only

SEE = STAFF | {"mediator"}
API_READERS = {**only(SEE), "anonymous": 401}
# a POST/PATCH without a body: 422 for the staff (the body is checked after the role)
API_STAFF_WRITE = {**only(STAFF, ok=422), "anonymous": 401}

ACCESS = {
    "inventory.assets": ("GET", "/inventory/assets?q=T&category=tablet", only(SEE)),
    "inventory.asset": ("GET", "/inventory/assets/{asset}", only(SEE)),
    "inventory.asset_new": ("GET", "/inventory/assets/new", only(STAFF)),
    "inventory.asset_edit": ("GET", "/inventory/assets/{asset}/edit", only(STAFF)),
    # nothing posted: the page again with the form's errors
    "inventory.asset_retire": ("POST", "/inventory/assets/{asset}/retire", only(STAFF, ok=400)),
    "inventory.asset_found": ("POST", "/inventory/assets/{lost_asset}/found", only(STAFF, ok=302)),
    "inventory.asset_photo_upload": ("POST", "/inventory/assets/{asset}/photo", only(STAFF, ok=400)),
    "inventory.asset_photo_delete": ("POST", "/inventory/assets/{photo_asset}/photo/delete", only(STAFF, ok=302)),
    "inventory.asset_photo": ("GET", "/inventory/assets/{photo_asset}/photo", only(SEE)),
    "inventory.assets_export": ("GET", "/inventory/assets.csv?status=available", only(STAFF)),
    "inventory.labels_pdf": ("GET", "/inventory/assets/labels.pdf?asset_id={asset}", only(STAFF)),
    "inventory.assets_import": ("GET", "/inventory/assets/import", only(STAFF)),
    "inventory.assets_import_confirm": ("POST", "/inventory/assets/import/confirm", only(STAFF, ok=400)),
    "inventory.assets_import_template": ("GET", "/inventory/assets/import/modele.csv", only(STAFF)),
    "inventory.kits": ("GET", "/inventory/kits", only(SEE)),
    "inventory.kit": ("GET", "/inventory/kits/{kit}", only(SEE)),
    "inventory.kit_new": ("GET", "/inventory/kits/new", only(STAFF)),
    "inventory.kit_edit": ("GET", "/inventory/kits/{kit}/edit", only(STAFF)),
    "inventory.kit_deactivate": ("POST", "/inventory/kits/{spare_kit}/deactivate", only(STAFF, ok=302)),
    # the label's QR code: the asset's page for who may see the inventory, the public page for everyone else
    "inventory_public.found": ("GET", "/q/{asset_tag}", {**only(SEE, ok=302, denied=200), "anonymous": 200}),
    "api.list_assets": ("GET", "/api/v1/assets?category=tablet", API_READERS),
    "api.get_asset": ("GET", "/api/v1/assets/{asset}", API_READERS),
    "api.create_asset": ("POST", "/api/v1/assets", API_STAFF_WRITE),
    "api.update_asset": ("PATCH", "/api/v1/assets/{asset}", API_STAFF_WRITE),
}
