"""JSON API of the missions domain. Importing this package declares its endpoints on the API blueprint."""

from coopnum.missions.api import conventions, organisations, places, planning  # noqa: F401
