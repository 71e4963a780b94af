"""Services of the missions domain: catalogue."""
