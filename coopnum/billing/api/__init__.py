"""The billing API (/api/v1/invoices, /api/v1/payments). Each module declares its endpoints when imported."""

from coopnum.billing.api import invoices, payments  # noqa: F401
