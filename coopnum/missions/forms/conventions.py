"""Forms of the missions domain: conventions."""
