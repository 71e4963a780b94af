"""Forms of the inventory domain (SafeForm): assets, bookings, care; the labels of the categories and statuses,
defined once for every page."""

from flask_babel import lazy_gettext as _l

from coopnum.inventory.models import AssetCategory, AssetStatus

CATEGORY_LABELS = {
    AssetCategory.LAPTOP: _l("Ordinateur portable"),
    AssetCategory.TABLET: _l("Tablette"),
    AssetCategory.SMARTPHONE: _l("Smartphone"),
    AssetCategory.HOTSPOT: _l("Routeur 4G"),
    AssetCategory.PROJECTOR: _l("Vidéoprojecteur"),
    AssetCategory.ACCESSORY: _l("Accessoire"),
}
# headings of lists grouped by category
CATEGORY_PLURAL = {
    AssetCategory.LAPTOP: _l("Ordinateurs portables"),
    AssetCategory.TABLET: _l("Tablettes"),
    AssetCategory.SMARTPHONE: _l("Smartphones"),
    AssetCategory.HOTSPOT: _l("Routeurs 4G"),
    AssetCategory.PROJECTOR: _l("Vidéoprojecteurs"),
    AssetCategory.ACCESSORY: _l("Accessoires"),
}
STATUS_LABELS = {
    AssetStatus.AVAILABLE: _l("Disponible"),
    AssetStatus.DEPLOYED: _l("En prêt"),
    AssetStatus.MAINTENANCE: _l("En maintenance"),
    AssetStatus.LOST: _l("Perdu"),
    AssetStatus.RETIRED: _l("Réformé"),
}
STATUS_BADGES = {AssetStatus.AVAILABLE: "badge-ok", AssetStatus.DEPLOYED: "badge-info",
                 AssetStatus.MAINTENANCE: "badge-warn", AssetStatus.LOST: "badge-bad", AssetStatus.RETIRED: ""}
