"""Demo: skills."""


def seed(session, ctx, now) -> None:
    pass
