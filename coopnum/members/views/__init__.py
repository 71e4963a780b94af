"""Pages of the members domain: the register and the capital (``registry``), assemblies and votes
(``assemblies``), the member's own space (``space``)."""

from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")

from coopnum.members.views import assemblies, registry, space  # noqa: E402,F401
