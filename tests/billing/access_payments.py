"""Access rows for the payments, receivables, APTIC cheques and accounting pages. Coordination only (an admin
passes every role check). Ids from ``world()``: ``issued_invoice`` (partly paid), ``payment``, ``aptic_batch``
(open, empty) and ``aptic_cheque`` (an unbatched cheque)."""

from tests.test_access import STAFF, only

ACCESS = {
    "billing.payments": ("GET", "/billing/payments?method=transfer", only(STAFF)),
    "billing.payment_new": ("GET", "/billing/invoices/{issued_invoice}/payments/new", only(STAFF)),
    "billing.payment_delete": ("POST", "/billing/payments/{payment}/delete", only(STAFF, ok=302)),
    "billing.receivables": ("GET", "/billing/receivables", only(STAFF)),
    "billing.aptic": ("GET", "/billing/aptic", only(STAFF)),
    # nothing posted: the form is shown again with its errors
    "billing.aptic_cheque_new": ("POST", "/billing/aptic/cheques", only(STAFF, ok=400)),
    "billing.aptic_cheque_delete": ("POST", "/billing/aptic/cheques/{aptic_cheque}/delete", only(STAFF, ok=302)),
    "billing.aptic_batch_new": ("POST", "/billing/aptic/batches", only(STAFF, ok=400)),
    "billing.aptic_batch": ("GET", "/billing/aptic/batches/{aptic_batch}", only(STAFF)),
    # an empty batch, no APTIC organisation: refused with a message, back to the batch
    "billing.aptic_batch_send": ("POST", "/billing/aptic/batches/{aptic_batch}/send", only(STAFF, ok=302)),
    "billing.aptic_batch_reimbursed": ("POST", "/billing/aptic/batches/{aptic_batch}/reimbursed",
                                       only(STAFF, ok=400)),
    "billing.aptic_batch_delete": ("POST", "/billing/aptic/batches/{aptic_batch}/delete", only(STAFF, ok=302)),
    "billing.accounting": ("GET", "/billing/accounting?year={year}", only(STAFF)),
    "billing.accounting_fec": ("GET", "/billing/accounting/fec/{year}", only(STAFF)),
    "billing.accounting_sales": ("GET", "/billing/accounting/sales.csv?date_from={year}-01-01&date_to={year}-12-31",
                                 only(STAFF)),
}
