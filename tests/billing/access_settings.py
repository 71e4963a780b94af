"""Access rows for the settings page of the cooperative's legal identity and billing settings (coordination only;
the POST with empty data → 400 for staff, 403 for the others, is in test_settings.py: one row per endpoint here)."""

from tests.test_access import STAFF, only

ACCESS = {
    "billing.settings": ("GET", "/billing/settings", only(STAFF)),
    "billing.rate_save": ("POST", "/billing/settings/ecb-rates", only(STAFF, ok=400)),
}
