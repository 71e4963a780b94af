"""Pages of the members domain: the register and the capital (``registry``), assemblies and votes
(``assemblies``), the member's own space (``space``), the annual report for the AGO (``annual_report``)."""

from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")

from coopnum.members.views import annual_report, assemblies, registry, space  # noqa: E402,F401
