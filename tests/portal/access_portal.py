"""Access rows for the authority portal and the requests for services.

The portal pages answer 200 to an administrator too (an admin passes every role check): they explain that the
account is attached to no organisation. Another organisation's request is 404 for a contact (see test_requests)."""

from tests.test_access import STAFF, only

PORTAL = frozenset({"authority", "admin"})

ACCESS = {
    "portal.portal": ("GET", "/missions/portal", only(PORTAL)),
    "portal.portal_sessions": ("GET", "/missions/portal/sessions", only(PORTAL)),
    "portal.portal_conventions": ("GET", "/missions/portal/conventions", only(PORTAL)),
    "missions.portal_requests": ("GET", "/missions/portal/requests", only(PORTAL)),
    "missions.request_new": ("GET", "/missions/portal/requests/new", only({"authority"})),
    "missions.request_withdraw": ("POST", "/missions/portal/requests/{own_request}/withdraw",
                                  only({"authority"}, ok=302)),
    "missions.requests": ("GET", "/missions/requests", only(STAFF)),
    "missions.request_detail": ("GET", "/missions/requests/{own_request}", only(STAFF | {"authority"})),
    "missions.request_take": ("POST", "/missions/requests/{own_request}/take", only(STAFF, ok=302)),
    # an empty answer is refused: the page comes back with the form's errors
    "missions.request_decline": ("POST", "/missions/requests/{own_request}/decline", only(STAFF, ok=400)),
    "missions.request_quote": ("POST", "/missions/requests/{own_request}/quote", only(STAFF, ok=400)),
    "missions.request_plan": ("POST", "/missions/requests/{own_request}/plan", only(STAFF, ok=400)),
}
