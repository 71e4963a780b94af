"""API: payments."""
