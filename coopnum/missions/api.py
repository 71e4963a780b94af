"""JSON API of the missions domain (organisations, conventions, places, missions, sessions)."""
