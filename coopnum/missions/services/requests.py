"""Services of the missions domain: requests."""
