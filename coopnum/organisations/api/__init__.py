"""JSON API of the organisations domain (declared on the API blueprint when imported by ``init_app``)."""

from coopnum.organisations.api import conventions, organisations, places  # noqa: F401
