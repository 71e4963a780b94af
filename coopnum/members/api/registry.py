"""API: colleges, members, capital operations."""
