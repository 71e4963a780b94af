"""The annual report for the AGO: the year's figures as a page and a PDF, and attached to an assembly."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.core import clock
from coopnum.core.access import require, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.core.views import commit_or_flash
from coopnum.members import access
from coopnum.members import forms as labels
from coopnum.members.models import Assembly
from coopnum.members.services import annual_report as reports
from coopnum.members.services import assemblies as assembly_services
from coopnum.members.views import bp
from coopnum.members.views.assemblies import _cooperative, _pdf_response, render_pdf

YEARS_SHOWN = 6


@bp.context_processor
def _last_year():
    """The year the links to the annual report open on (the register, the member's space): the last one."""
    return {"annual_report_year": clock.today().year - 1}


def _report_or_404(year: int) -> reports.AnnualReport:
    require(access.can_see_annual_report(current_user, assembly_services.member_for_user(db.session, current_user)))
    try:
        return reports.annual_report(db.session, year, now=clock.now())
    except DomainError:
        abort(404)


def _context(report: reports.AnnualReport) -> dict:
    this_year = clock.today().year
    return {"report": report, "cooperative": _cooperative(), "labels": labels,
            "years": list(range(this_year, this_year - YEARS_SHOWN, -1))}


def render_report_pdf(report: reports.AnnualReport) -> bytes:
    return render_pdf("members/annual_report/pdf.html", **_context(report))


@bp.route("/annual-report/<int:year>")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def annual_report(year: int):
    report = _report_or_404(year)
    return render_template("members/annual_report/page.html", **_context(report))


@bp.route("/annual-report/<int:year>.pdf")
@roles_required(Role.COORDINATOR, Role.MEMBER)
def annual_report_pdf(year: int):
    report = _report_or_404(year)
    return _pdf_response(render_report_pdf(report), reports.filename(year))


@bp.route("/assemblies/<int:assembly_id>/annual-report", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assembly_annual_report(assembly_id: int):
    """Render last year's report (the year before the assembly's) and store it as a document of the AGO."""
    assembly = db.session.get(Assembly, assembly_id)
    if assembly is None:
        abort(404)
    require(access.can_attach_annual_report(current_user, assembly))
    year = reports.year_for(assembly)
    target = url_for("members.assembly", assembly_id=assembly.id) + "#documents"
    try:
        reports.check_attachable(db.session, assembly, year)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(target)
    content = render_report_pdf(reports.annual_report(db.session, year, now=clock.now()))
    commit_or_flash(lambda: reports.attach(db.session, current_user._get_current_object(), assembly, year,
                                           content=content, now=clock.now()),
                    _("Rapport annuel %(year)s joint à l'assemblée.", year=year))
    return redirect(target)
