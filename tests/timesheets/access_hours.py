"""Access rows for the hours pages: confirming sessions, « Mes heures », the coordination's timesheets and the
month's dashboard of hours, and the timesheet API."""

from tests.test_access import STAFF, only

CONFIRMERS = STAFF | {"mediator"}  # staff, or the mediator assigned to the session
MEDIATOR = {"admin", "mediator"}  # a mediator's own pages (an admin passes every role check)

ACCESS = {
    "timesheets.session_confirm": ("GET", "/missions/sessions/{past_session}/confirm", only(CONFIRMERS)),
    # not confirmed yet: refused with a message, back to the page
    "timesheets.session_unconfirm": ("POST", "/missions/sessions/{past_session}/unconfirm", only(CONFIRMERS, ok=302)),
    "timesheets.my_hours": ("GET", "/missions/hours?month={month}", only(MEDIATOR)),
    # the mediator's past session is unconfirmed: refused with a message (redirect); the admin is no mediator
    "timesheets.timesheet_submit": ("POST", "/missions/hours/{month}/submit", only(MEDIATOR, ok=302)),
    # the mediator's own extra hours: the mediator and staff only
    "timesheets.hours_entry_edit": ("GET", "/missions/hours/entries/{extra_entry}/edit", only(CONFIRMERS)),
    "timesheets.hours_entry_delete": ("POST", "/missions/hours/entries/{extra_entry}/delete", only(CONFIRMERS, ok=302)),
    "timesheets.timesheets": ("GET", "/missions/timesheets?month={month}", only(STAFF)),
    "timesheets.timesheet": ("GET", "/missions/timesheets/{mediator}/{month}", only(STAFF)),
    # refused while the mediator's past session is unconfirmed: message and redirect
    "timesheets.timesheet_validate": ("POST", "/missions/timesheets/{mediator}/{month}/validate", only(STAFF, ok=302)),
    # no comment / reason posted: the form is shown again with its error
    "timesheets.timesheet_send_back": ("POST", "/missions/timesheets/{mediator}/{month}/send-back",
                                     only(STAFF, ok=400)),
    "timesheets.timesheet_reopen": ("POST", "/missions/timesheets/{mediator}/{month}/reopen", only(STAFF, ok=400)),
    # the bulk validation: the review of the selected sheets, then one POST (nothing selected: message, redirect)
    "timesheets.timesheets_review": ("GET", "/missions/timesheets/{month}/review?ids={mediator}", only(STAFF)),
    "timesheets.timesheets_validate": ("POST", "/missions/timesheets/{month}/validate", only(STAFF, ok=302)),
    "timesheets.hours_overview": ("GET", "/missions/hours/overview?month={month}", only(STAFF)),
    # a mediator reads their own months; staff anyone's
    "api.get_timesheet": ("GET", "/api/v1/timesheets/{mediator}/{month}", only(CONFIRMERS, anonymous=401)),
}
