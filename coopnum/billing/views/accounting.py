"""Billing pages: accounting — the FEC of a fiscal year (summary and download) and the CSV of sales of a period."""

from datetime import date

from flask import Response, flash, render_template, request
from flask_babel import gettext as _

from coopnum.billing.forms.payments import FecYearForm, SalesExportForm
from coopnum.billing.services import accounting as svc
from coopnum.billing.views import bp
from coopnum.core import clock
from coopnum.core.access import roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.core.views import form_error


def _render(year_form: FecYearForm | None = None, sales_form: SalesExportForm | None = None, status: int = 200):
    today = clock.today()
    years = svc.fiscal_years(db.session, today.year)
    if year_form is None:
        year_form = FecYearForm(request.args)
    year_form.year.choices = [(y, str(y)) for y in years]
    year = year_form.year.data if year_form.year.data in years else years[0]
    year_form.year.data = year
    if sales_form is None:
        sales_form = SalesExportForm(formdata=None, data={"date_from": date(today.year, 1, 1), "date_to": today})
    siren_error = None
    try:
        svc.seller_siren(db.session)
    except DomainError as exc:
        siren_error = exc.message
    lines = svc.fec_lines(db.session, year)
    return render_template("billing/accounting/index.html", year_form=year_form, sales_form=sales_form, year=year,
                           summary=svc.fec_summary(lines), line_count=len(lines), siren_error=siren_error,
                           filename=None if siren_error else svc.fec_filename(db.session, year)), status


@bp.route("/accounting")
@roles_required(Role.COORDINATOR)
def accounting():
    return _render()


@bp.route("/accounting/fec/<int:year>")
@roles_required(Role.COORDINATOR)
def accounting_fec(year: int):
    try:
        year = svc.check_year(year)
        name = svc.fec_filename(db.session, year)
    except DomainError as exc:
        flash(exc.message, "error")
        return _render(status=400)
    body = svc.fec_bytes(svc.fec_lines(db.session, year))
    response = Response(body, content_type=f"text/plain; charset={svc.ENCODING}")  # the whole header, once
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/accounting/sales.csv")
@roles_required(Role.COORDINATOR)
def accounting_sales():
    form = SalesExportForm(request.args)
    if form.validate():
        try:
            text = svc.sales_csv(db.session, form.date_from.data, form.date_to.data, today=clock.today())
        except DomainError as exc:
            form_error(form, exc)
        else:
            response = Response(text.encode("utf-8"), mimetype="text/csv")  # werkzeug adds "; charset=utf-8"
            name = _("ventes") + f"-{form.date_from.data.isoformat()}-{form.date_to.data.isoformat()}.csv"
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return _render(sales_form=form, status=400)
