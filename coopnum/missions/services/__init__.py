"""Services of the missions domain, one module per area (plain values in, objects out, never commit)."""

from coopnum.core.validation import install_text_guard

install_text_guard()  # no text with control characters reaches a row, whatever the service
