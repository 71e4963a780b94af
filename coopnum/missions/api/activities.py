"""JSON API of the activities area (being written)."""

from coopnum.core.api import endpoint  # noqa: F401
