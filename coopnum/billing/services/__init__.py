"""Services of the billing domain (plain values in, objects out, never commit)."""

from coopnum.core.validation import install_text_guard

install_text_guard()  # no text with control characters reaches a row (invoice lines, reasons…): Factur-X needs it
