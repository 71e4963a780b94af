"""Services of the missions domain, one module per area (plain values in, objects out, never commit)."""
