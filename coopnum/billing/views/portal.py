"""Billing pages: portal (placeholder until written)."""

from flask import render_template_string

from coopnum.billing.views import bp
from coopnum.core.access import roles_required
from coopnum.core.models import Role


@bp.route("/portal/invoices")
@roles_required(Role.AUTHORITY)
def portal_invoices():
    return render_template_string('{% extends "base.html" %}{% block content %}<h1>Mes factures</h1>{% endblock %}')
