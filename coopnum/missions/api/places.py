"""JSON API of the missions domain: places."""
