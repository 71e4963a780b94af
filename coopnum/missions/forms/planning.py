"""Forms of the missions domain: planning."""
