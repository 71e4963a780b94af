"""Access rows for the invoices of the authority portal. An administrator passes the role check but belongs to no
organisation: the list explains it (200) and a document is 404, as for another organisation's invoice."""

from tests.test_access import only

PORTAL = frozenset({"authority", "admin"})

ACCESS = {
    "billing.portal_invoices": ("GET", "/billing/portal/invoices", only(PORTAL)),
    "billing.portal_invoice_document": ("GET", "/billing/portal/invoices/{issued_invoice}/facturx",
                                        {**only(PORTAL), "admin": 404}),
}
