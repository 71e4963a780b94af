"""JSON API of the hours area (being written)."""

from coopnum.core.api import endpoint  # noqa: F401
