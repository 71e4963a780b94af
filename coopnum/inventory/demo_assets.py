"""Demo: assets."""


def seed(session, ctx, now) -> None:
    pass
