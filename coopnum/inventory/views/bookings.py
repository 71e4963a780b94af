"""bookings: pages (to be written)."""
