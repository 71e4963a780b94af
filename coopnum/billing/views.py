"""Pages of the billing domain."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.access import roles_required
from coopnum.core.models import Role

bp = Blueprint("billing", __name__, url_prefix="/billing")

navigation.register("billing.index", _l("Facturation"), (Role.COORDINATOR,), 300)


@bp.route("/")
@roles_required(Role.COORDINATOR,)
def index():
    return render_template("billing/index.html")
