"""Billing pages: invoices (placeholder until written)."""

from flask import render_template_string

from coopnum.billing.views import bp
from coopnum.core.access import roles_required
from coopnum.core.models import Role


@bp.route("/invoices")
@roles_required(Role.COORDINATOR)
def invoices():
    return render_template_string('{% extends "base.html" %}{% block content %}<h1>Factures</h1>{% endblock %}')
