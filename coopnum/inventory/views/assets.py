"""assets: pages (to be written)."""
