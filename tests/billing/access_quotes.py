"""Access rows for the quotes pages (coordination only) and the e-mailing of an issued invoice.

Ids from ``world()``: ``quote`` is a draft quote of the authority's organisation; ``issued_invoice`` an issued
invoice of that organisation, whose contacts do not receive invoices (so sending it is refused with a message)."""

import coopnum.billing.views.sending  # noqa: F401  (registers billing.invoice_send until views/__init__ imports it)
from tests.test_access import STAFF, only

ACCESS = {
    "billing.quotes": ("GET", "/billing/quotes", only(STAFF)),
    "billing.quote_new": ("GET", "/billing/quotes/new", only(STAFF)),
    "billing.quote_detail": ("GET", "/billing/quotes/{quote}", only(STAFF)),
    # nothing posted: the form is shown again with its errors
    "billing.quote_send": ("POST", "/billing/quotes/{quote}/send", only(STAFF, ok=400)),
    "billing.quote_accept": ("POST", "/billing/quotes/{quote}/accept", only(STAFF, ok=400)),
    # a draft cannot be declined: message and back to the quote
    "billing.quote_decline": ("POST", "/billing/quotes/{quote}/decline", only(STAFF, ok=302)),
    "billing.quote_duplicate": ("POST", "/billing/quotes/{quote}/duplicate", only(STAFF, ok=302)),
    "billing.quote_delete": ("POST", "/billing/quotes/{quote}/delete", only(STAFF, ok=302)),
    "billing.quote_pdf": ("GET", "/billing/quotes/{quote}/pdf", only(STAFF)),
    # no recipient receives invoices: refused with a message, back to the invoice
    "billing.invoice_send": ("POST", "/billing/invoices/{issued_invoice}/send", only(STAFF, ok=302)),
}
