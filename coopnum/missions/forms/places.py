"""Forms of the missions domain: places."""
