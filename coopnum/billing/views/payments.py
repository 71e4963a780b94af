"""Billing pages: payments (placeholder until written)."""

from flask import render_template_string

from coopnum.billing.views import bp
from coopnum.core.access import roles_required
from coopnum.core.models import Role


@bp.route("/payments")
@roles_required(Role.COORDINATOR)
def payments():
    return render_template_string('{% extends "base.html" %}{% block content %}<h1>Règlements</h1>{% endblock %}')


@bp.route("/receivables")
@roles_required(Role.COORDINATOR)
def receivables():
    return render_template_string('{% extends "base.html" %}{% block content %}<h1>Balance âgée</h1>{% endblock %}')
