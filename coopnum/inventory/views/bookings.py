"""Reservations, loans, availability search and calendars."""


def register_panels() -> None:
    """The session page's panel (slot "missions.session")."""
