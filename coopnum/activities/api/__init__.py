"""JSON API of the activities domain (declared on the API blueprint when imported by ``init_app``)."""

from coopnum.activities.api import activities  # noqa: F401
