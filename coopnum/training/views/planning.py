"""The skills a service requires, the hints and warning of the assignment form, training suggestions."""


def register_panels() -> None:
    """The assignment form's panel (slot), the matrix's suggestions."""
