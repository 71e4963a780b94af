"""Forms of the missions domain: catalogue."""
