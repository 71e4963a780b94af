"""Pages of the missions domain: catalogue."""

from coopnum.missions.views import bp  # noqa: F401
