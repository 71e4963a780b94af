"""The page a label's QR code opens: ``/q/<tag>``.

Someone logged in who may see the inventory goes to the asset's page. Anyone else (not logged in, a member, an
authority's contact) reads « Vous avez trouvé ce matériel ? » with the cooperative's contact and the tag: nothing
about the asset (model, place, borrower). An unknown tag shows the same page, so that it tells nobody whether a tag
exists."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from coopnum.core import settings
from coopnum.core.db import db
from coopnum.inventory import access
from coopnum.inventory.services import assets as services
from coopnum.inventory.views import public_bp

CONTACT_KEYS = ("company.name", "company.phone", "company.email", "company.address", "company.postal_code",
                "company.city", "company.website")


@public_bp.route("/q/<tag>")
def found(tag: str):
    normalized = services.normalize_tag(tag)
    if access.can_see_inventory(current_user):
        asset = services.asset_by_tag(db.session, normalized)
        if asset is not None:
            return redirect(url_for("inventory.asset", asset_id=asset.id))
    shown = normalized if services.TAG_PATTERN.match(normalized) else ""
    contact = settings.get_many(db.session, CONTACT_KEYS)
    return render_template("inventory/public/found.html", tag=shown, contact=contact,
                           known_to_staff=access.can_see_inventory(current_user))
