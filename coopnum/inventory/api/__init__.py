"""The inventory's JSON API: /api/v1/assets, /api/v1/reservations, /api/v1/loans (same services as the pages)."""

from coopnum.inventory.api import assets, bookings  # noqa: F401
