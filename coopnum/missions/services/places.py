"""Services of the missions domain: places."""
