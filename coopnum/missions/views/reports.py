"""Pages of the reports area (being written)."""

from coopnum.missions.views import bp  # noqa: F401
