"""Access rows for the billing API. Staff and authority tokens read (an authority its own organisation's issued
invoices and their payments); only staff write. An empty POST body is 422; issuing an issued invoice is 409."""

from tests.test_access import STAFF, only

READERS = STAFF | {"authority"}

ACCESS = {
    "api.list_invoices": ("GET", "/api/v1/invoices", only(READERS, anonymous=401)),
    "api.create_invoice": ("POST", "/api/v1/invoices", only(STAFF, ok=422, anonymous=401)),
    "api.get_invoice": ("GET", "/api/v1/invoices/{issued_invoice}", only(READERS, anonymous=401)),
    "api.issue_invoice": ("POST", "/api/v1/invoices/{issued_invoice}/issue", only(STAFF, ok=409, anonymous=401)),
    "api.invoice_pdf": ("GET", "/api/v1/invoices/{issued_invoice}/pdf", only(READERS, anonymous=401)),
    "api.create_credit_note": ("POST", "/api/v1/invoices/{issued_invoice}/credit-notes",
                               only(STAFF, ok=422, anonymous=401)),
    "api.list_payments": ("GET", "/api/v1/payments", only(READERS, anonymous=401)),
    "api.create_payment": ("POST", "/api/v1/payments", only(STAFF, ok=422, anonymous=401)),
}
