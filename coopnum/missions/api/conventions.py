"""JSON API of the missions domain: conventions."""
