"""Services of the missions domain: organisations."""
