"""Forms of the missions domain: requests."""
