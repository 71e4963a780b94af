"""JSON API of the missions domain (declared on the API blueprint when imported by ``init_app``)."""

from coopnum.missions.api import planning  # noqa: F401
