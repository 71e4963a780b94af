"""API: assets (to be written)."""
