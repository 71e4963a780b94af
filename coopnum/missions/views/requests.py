"""Pages of the missions domain: requests."""

from coopnum.missions.views import bp  # noqa: F401
