"""Forms of the missions domain: organisations."""
