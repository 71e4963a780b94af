"""JSON API of the reports domain (declared on the API blueprint when imported by ``init_app``)."""

from coopnum.reports.api import reports  # noqa: F401
