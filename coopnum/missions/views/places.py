"""Pages of the missions domain: places."""

from coopnum.missions.views import bp  # noqa: F401
