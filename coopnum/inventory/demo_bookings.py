"""Demo: bookings."""


def seed(session, ctx, now) -> None:
    pass
