"""Pages of the missions domain: conventions."""

from coopnum.missions.views import bp  # noqa: F401
