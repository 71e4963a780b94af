"""Services of the missions domain: planning."""
