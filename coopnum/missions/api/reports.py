"""JSON API of the reports area (being written)."""

from coopnum.core.api import endpoint  # noqa: F401
