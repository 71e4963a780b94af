"""Access rows of reservations, loans, the availability search and the calendars (pages and API).

A mediator sees the inventory, reserves for itself, changes or cancels its own reservations only and sees the
loans it is responsible for; lending, checkin, extension and loss are the staff's. Ids from ``inventory_world``:
``own_reservation`` (the mediator's), ``other_reservation`` (another mediator's), ``open_loan`` (to the mediator),
``person_loan`` (returned, another mediator responsible), ``signed_loan`` (another mediator's, with a signature),
``asset``, ``kit``."""

from tests.test_access import STAFF, only

USERS = STAFF | {"mediator"}
API_USERS = {**only(USERS), "anonymous": 401}
API_STAFF = {**only(STAFF), "anonymous": 401}

ACCESS = {
    "inventory.reservations": ("GET", "/inventory/reservations", only(USERS)),
    "inventory.reservation_new": ("GET", "/inventory/reservations/new?session_id={assigned_session}", only(USERS)),
    "inventory.reservation": ("GET", "/inventory/reservations/{own_reservation}", only(USERS)),
    # another mediator's reservation: the mediator may not cancel it
    "inventory.reservation_cancel": ("POST", "/inventory/reservations/{other_reservation}/cancel",
                                     only(STAFF, ok=302)),
    # nothing posted: the page again, with the form's errors (the mediator's own reservation)
    "inventory.reservation_change": ("POST", "/inventory/reservations/{own_reservation}/change",
                                     only(USERS, ok=400)),
    "inventory.reservation_checkout": ("POST", "/inventory/reservations/{own_reservation}/checkout",
                                       only(STAFF, ok=400)),
    "inventory.availability": ("GET", "/inventory/availability?category=tablet&day={tomorrow}&start=09:00&end=12:00",
                               only(USERS)),
    "inventory.asset_calendar": ("GET", "/inventory/assets/{asset}/calendar", only(USERS)),
    "inventory.kit_calendar": ("GET", "/inventory/kits/{kit}/calendar", only(USERS)),
    "inventory.calendar_ics": ("GET", "/inventory/kits/{kit}/calendar.ics", only(USERS)),
    "inventory.loans": ("GET", "/inventory/loans?status=all", only(USERS)),
    "inventory.overdue": ("GET", "/inventory/loans/overdue", only(USERS)),
    "inventory.loan_new": ("GET", "/inventory/loans/new", only(STAFF)),
    # the mediator's own loan (it is responsible for it)
    "inventory.loan": ("GET", "/inventory/loans/{open_loan}", only(USERS)),
    # another mediator's loan: its borrower's signature is not shown to this mediator
    "inventory.loan_signature": ("GET", "/inventory/loans/{signed_loan}/signature.png", only(STAFF)),
    # nothing posted: returned in good condition (the default)
    "inventory.loan_action": ("POST", "/inventory/loans/{open_loan}/return", only(STAFF, ok=302)),
    "api.list_reservations": ("GET", "/api/v1/reservations", API_USERS),
    # a POST without a body: 422 for those who may reserve
    "api.create_reservation": ("POST", "/api/v1/reservations", {**only(USERS, ok=422), "anonymous": 401}),
    "api.get_reservation": ("GET", "/api/v1/reservations/{own_reservation}", API_USERS),
    "api.delete_reservation": ("DELETE", "/api/v1/reservations/{other_reservation}", API_STAFF),
    "api.cancel_reservation": ("POST", "/api/v1/reservations/{own_reservation}/cancel", API_USERS),
    "api.availability": ("GET", "/api/v1/availability?start={tomorrow}T09:00:00%2B01:00&end={tomorrow}T12:00:00"
                                "%2B01:00&category=tablet", API_USERS),
    "api.list_loans": ("GET", "/api/v1/loans", API_USERS),
    "api.create_loan": ("POST", "/api/v1/loans", {**only(STAFF, ok=422), "anonymous": 401}),
    "api.get_loan": ("GET", "/api/v1/loans/{person_loan}", API_STAFF),
    "api.return_loan": ("POST", "/api/v1/loans/{open_loan}/return", {**only(STAFF, ok=422), "anonymous": 401}),
}
