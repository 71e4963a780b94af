"""Pages of the hours area (being written)."""

from coopnum.missions.views import bp  # noqa: F401
