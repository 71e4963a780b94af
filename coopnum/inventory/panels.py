"""Panels the inventory adds to other pages: the session page ("réserver du matériel pour cette séance", by the
bookings pages) and the dashboard (what is out, overdue, in maintenance, by the care pages)."""


def register() -> None:
    from coopnum.inventory.views import bookings, care

    bookings.register_panels()
    care.register_panels()
