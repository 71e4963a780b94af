"""Demo: care."""


def seed(session, ctx, now) -> None:
    pass
