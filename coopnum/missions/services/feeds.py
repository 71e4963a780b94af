"""Services of the missions domain: feeds."""
