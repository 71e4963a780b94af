"""Demo: sessions."""


def seed(session, ctx, now) -> None:
    pass
