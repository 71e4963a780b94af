"""Forms of the missions domain, one module per area."""
