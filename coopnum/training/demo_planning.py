"""Demo: planning."""


def seed(session, ctx, now) -> None:
    pass
