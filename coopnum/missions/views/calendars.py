"""Pages of the missions domain: calendars."""

from coopnum.missions.views import bp  # noqa: F401
