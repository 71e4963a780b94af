"""API: reservations and loans (to be written)."""
