"""Skills framework, people, levels, certifications, target profiles, the skills matrix."""


def register_panels() -> None:
    """Dashboard panel."""
