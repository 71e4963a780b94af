"""JSON API of the missions domain. Importing this package declares its endpoints on the API blueprint."""

from coopnum.missions.api import activities, conventions, hours, organisations, places, planning, reports  # noqa: F401
