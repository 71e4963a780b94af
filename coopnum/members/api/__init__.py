"""The members domain's API endpoints (declared on the core API blueprint)."""

from coopnum.members.api import assemblies, registry  # noqa: F401
