"""Pages of the missions domain: organisations."""

from coopnum.missions.views import bp  # noqa: F401
