"""Billing pages: the cooperative's legal identity and the billing settings (coordination only).

Each changed setting is saved with ``coopnum.core.settings.set_value`` (audited, one entry per key), then committed
once. A banner lists what is still missing before invoices can be issued (``coopnum.billing.company.missing``) and
the ECB rates that reminders wait for; the rates of a semester (the ECB rate, the legal interest rate that bounds a
convention's late-penalty rate: ``coopnum.core.rates``) have each their own small form."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.billing import company, queries
from coopnum.billing.forms.settings import (
    MISSING_LABELS,
    SemesterRateForm,
    SettingsForm,
    semester_name,
)
from coopnum.billing.services import dunning
from coopnum.billing.views import bp
from coopnum.core import clock
from coopnum.core import settings as store
from coopnum.core.access import roles_required
from coopnum.core.clock import paris_today
from coopnum.core.db import db
from coopnum.core.forms import percent_input
from coopnum.core.i18n import ngettext
from coopnum.core.models import RateKind, Role
from coopnum.core.rates import rates as dated_rates
from coopnum.core.rates import set_rate
from coopnum.core.views import commit_or_show, form_status

RATE_SECTIONS = {"ecb-rates": RateKind.ECB, "legal-rates": RateKind.LEGAL_INTEREST}  # URL and anchor → kind


def _current() -> dict:
    keys = [k for k in store.DEFAULTS if k.startswith(("company.", "billing."))]
    return {key: store.get(db.session, key) for key in keys}


def _organisation_choices(selected: int | None) -> list[tuple[int, str]]:
    rows = queries.open_organisations(db.session, keep=selected or 0)
    return [(0, _("— Aucune —"))] + [(r.id, r.name) for r in rows]


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def settings():
    current = _current()
    form = SettingsForm(data=SettingsForm.initial(current)) if request.method == "GET" else SettingsForm()
    form.aptic_organisation_id.choices = _organisation_choices(current.get("billing.aptic_organisation_id"))
    if form.validate_on_submit():
        now = clock.now()
        changed = [(key, value) for key, value in form.values().items() if value != current.get(key)]
        for key, value in changed:
            store.set_value(db.session, current_user, key, value, now=now)
        db.session.commit()
        if changed:
            flash(ngettext("Paramètres enregistrés (%(num)s modification).",
                           "Paramètres enregistrés (%(num)s modifications).", len(changed)), "success")
        else:
            flash(_("Aucune modification."), "info")
        return redirect(url_for("billing.settings"))
    return _render(form, {}, current), form_status()


def _rate_forms(posted: SemesterRateForm | None = None) -> dict[str, SemesterRateForm]:
    """The form of each kind of rate, by its section's anchor (the one posted, with its errors)."""
    today = paris_today(clock.now())
    return {anchor: posted if posted is not None and posted.kind == kind else
            SemesterRateForm(formdata=None, kind=kind, today=today) for anchor, kind in RATE_SECTIONS.items()}


def _render(form: SettingsForm, rate_forms: dict, current: dict | None = None):
    current = current if current is not None else _current()
    missing = [MISSING_LABELS.get(name, name) for name in company.missing(
        {name: current.get(f"company.{name}") or "" for name in company.FIELDS})]
    rate_forms = rate_forms or _rate_forms()
    rates = {anchor: [(semester_name(row.valid_from), percent_input(row.rate_bp))
                      for row in dated_rates(db.session, kind)] for anchor, kind in RATE_SECTIONS.items()}
    waiting = [item.message for item in dunning.missing_rates(db.session, now=clock.now())]
    return render_template("billing/settings.html", form=form, rate_forms=rate_forms, missing=missing, rates=rates,
                           waiting_rates=waiting)


@bp.route("/settings/<any('ecb-rates', 'legal-rates'):section>", methods=["POST"])
@roles_required(Role.COORDINATOR)
def rate_save(section: str):
    """Record the rate of a semester: the ECB rate (``ecb-rates``) or the legal interest rate (``legal-rates``)."""
    now = clock.now()
    kind = RATE_SECTIONS[section]
    rate_form = SemesterRateForm(kind=kind, today=paris_today(now))
    if rate_form.validate_on_submit():
        ok, _row = commit_or_show(rate_form, lambda: set_rate(
            db.session, current_user, kind, valid_from=rate_form.valid_from_date, rate_bp=rate_form.rate.data,
            now=now))
        if ok:
            flash(_("Taux de la BCE enregistré.") if kind == RateKind.ECB else
                  _("Taux de l'intérêt légal enregistré."), "success")
            return redirect(url_for("billing.settings", _anchor=section))
    current = _current()
    form = SettingsForm(formdata=None, data=SettingsForm.initial(current))
    form.aptic_organisation_id.choices = _organisation_choices(current.get("billing.aptic_organisation_id"))
    return _render(form, _rate_forms(rate_form), current), 400
