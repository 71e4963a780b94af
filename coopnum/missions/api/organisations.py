"""JSON API of the missions domain: organisations."""
