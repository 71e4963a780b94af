"""Services of the billing domain (plain values in, objects out, never commit)."""
