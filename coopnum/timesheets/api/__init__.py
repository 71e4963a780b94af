"""JSON API of the timesheets domain (declared on the API blueprint when imported by ``init_app``)."""

from coopnum.timesheets.api import hours  # noqa: F401
