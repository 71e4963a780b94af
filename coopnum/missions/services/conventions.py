"""Services of the missions domain: conventions."""
