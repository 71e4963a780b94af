"""API: invoices."""
