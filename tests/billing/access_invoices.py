"""Access rows for the coordination's invoice pages: the list, the month's run, a new draft, a draft and its lines,
issue, delete, the stored documents and the credit note form. Coordination only (an admin passes)."""

from tests.test_access import STAFF, only

ACCESS = {
    "billing.invoices": ("GET", "/billing/invoices", only(STAFF)),
    "billing.invoice_run": ("GET", "/billing/invoices/run?month={month_before}", only(STAFF)),
    "billing.invoice_new": ("GET", "/billing/invoices/new?convention_id={own_convention}&period_start={month_start}"
                                   "&period_end={month_end}", only(STAFF)),
    "billing.invoice": ("GET", "/billing/invoices/{draft_invoice}", only(STAFF)),
    # nothing posted: the form is shown again with its errors
    "billing.invoice_update": ("POST", "/billing/invoices/{draft_invoice}/update", only(STAFF, ok=400)),
    "billing.invoice_line_add": ("POST", "/billing/invoices/{draft_invoice}/lines", only(STAFF, ok=400)),
    "billing.invoice_line_update": ("POST", "/billing/invoices/{draft_invoice}/lines/{draft_line}",
                                    only(STAFF, ok=400)),
    "billing.invoice_line_delete": ("POST", "/billing/invoices/{draft_invoice}/lines/{draft_line}/delete",
                                    only(STAFF, ok=302)),
    # already issued: refused with a message, back to the invoice (no document rendered here)
    "billing.invoice_issue": ("POST", "/billing/invoices/{issued_invoice}/issue", only(STAFF, ok=302)),
    "billing.invoice_delete": ("POST", "/billing/invoices/{draft_invoice}/delete", only(STAFF, ok=302)),
    "billing.invoice_document": ("GET", "/billing/invoices/{issued_invoice}/documents/pdf", only(STAFF)),
    "billing.invoice_credit_note": ("GET", "/billing/invoices/{issued_invoice}/credit-note", only(STAFF)),
}
