"""JSON API of the missions domain: planning."""
