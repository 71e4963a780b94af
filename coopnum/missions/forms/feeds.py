"""Forms of the missions domain: feeds."""
