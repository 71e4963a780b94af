"""Forms: assets."""
