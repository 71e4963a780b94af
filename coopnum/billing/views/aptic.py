"""Billing pages: aptic (placeholder until written)."""

from flask import render_template_string

from coopnum.billing.views import bp
from coopnum.core.access import roles_required
from coopnum.core.models import Role


@bp.route("/aptic")
@roles_required(Role.COORDINATOR)
def aptic():
    return render_template_string('{% extends "base.html" %}{% block content %}<h1>Chèques APTIC</h1>{% endblock %}')
