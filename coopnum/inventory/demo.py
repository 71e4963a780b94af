"""Demo equipment: ~80 assets in 6 categories and 5 kits (``demo_assets``), reservations around today linked to
workshop sessions and loans, one of them overdue to a person without an account (``demo_bookings``), maintenance
cases and an audit (``demo_care``). ``seed(session, ctx, now)`` is called by ``coopnum.demo.seed``."""

from datetime import datetime


def seed(session, ctx, now: datetime) -> None:
    from coopnum.inventory import demo_assets, demo_bookings, demo_care

    demo_assets.seed(session, ctx, now)
    demo_bookings.seed(session, ctx, now)
    demo_care.seed(session, ctx, now)
