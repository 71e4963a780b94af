"""Pages of the reports area: a convention's activity report (HTML, PDF, XLSX) for a period, the read-only share
links created by the coordination, and the public pages of those links (/r/<token>, no login).

Who sees a report: the coordination, and the authority contact of the convention's organisation (others: 403).
The same figures (``services.reports.convention_report``) feed the page, the PDF (WeasyPrint, from the same
template partial, charts as inline SVG) and the workbook."""

import io
import re
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import lazyload
from wtforms import DateField
from wtforms.validators import Optional

from coopnum.core import clock, settings, slots, spreadsheet
from coopnum.core.access import load_or_404, roles_required
from coopnum.core.db import db, writing
from coopnum.core.errors import DomainError
from coopnum.core.filters import number
from coopnum.core.forms import SafeForm
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.views import commit_or_show, form_status
from coopnum.organisations.access import can_manage, can_view_convention
from coopnum.organisations.models import Convention, VolumeUnit
from coopnum.reports import charts, queries
from coopnum.reports.models import ReportShare
from coopnum.reports.services import reports
from coopnum.reports.views import bp, public_bp

STAFF_OR_AUTHORITY = (Role.COORDINATOR, Role.AUTHORITY)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- formatting -----------------------------------------------------------------------------------------------------

@bp.app_template_filter("last_valid_day")
def last_valid_day(share: ReportShare) -> str:
    return format_date(reports.last_valid_day(share))


def period_label(period: reports.Period) -> str:
    if period.kind == "month":
        return format_date(period.start, "MMMM y")
    if period.kind == "quarter":
        n = (period.start.month - 1) // 3 + 1
        if n == 1:
            return _("1er trimestre %(year)s", year=period.start.year)
        return _("%(n)se trimestre %(year)s", n=n, year=period.start.year)
    if period.kind == "year":
        return _("Année %(year)s", year=period.start.year)
    return _("du %(start)s au %(end)s", start=format_date(period.start), end=format_date(period.end))


@bp.app_template_global()
def report_period_links(convention=None) -> list[tuple[str, dict]]:
    """Quick periods for the links to a report: this month, last month, this year (label, query args); for a
    ``convention`` that ended before last month, its whole period (the quick ones would be empty)."""
    today = clock.today()
    this_month = reports.month_period(today)
    last_month = reports.month_period(reports.add_months(today, -1))
    if convention is not None and convention.end_date < last_month.start:
        whole = reports.Period("custom", convention.start_date, convention.end_date)
        return [(_("Toute la convention (%(period)s)", period=period_label(whole)), whole.args())]
    this_year = reports.year_period(today.year)
    return [(_("Ce mois-ci (%(month)s)", month=format_date(this_month.start, "MMMM y")), this_month.args()),
            (_("Le mois dernier (%(month)s)", month=format_date(last_month.start, "MMMM y")), last_month.args()),
            (_("Année %(year)s", year=today.year), this_year.args())]


@bp.app_template_global()
def active_report_shares(convention_id: int, limit: int = 5) -> list[ReportShare]:
    """The convention's share links still valid (for its detail page; staff only)."""
    now = clock.now()
    stmt = (reports.shares_query(convention_id)
            .where(ReportShare.revoked_at.is_(None), ReportShare.expires_at > now).limit(limit))
    return list(db.session.execute(stmt).scalars())


def _fmt(value) -> str:
    return number(value, "—")


def report_charts(figures: reports.ReportFigures) -> dict[str, Markup]:
    """The SVG charts of a report (the same markup for the page and the PDF)."""
    empty = _("Aucune donnée sur la période.")
    months = [format_date(m.month, "MMM yy") for m in figures.months]
    result = {
        "months_people": charts.columns(
            months, [(_("Accompagnements individuels"), [m.individual for m in figures.months]),
                     (_("Participants aux ateliers"), [m.participants for m in figures.months])],
            title=_("Personnes accompagnées par mois"), number_format=_fmt, empty_text=empty),
        "months_hours": charts.columns(
            months, [(_("Heures réalisées"), [m.hours_delivered for m in figures.months])],
            title=_("Heures réalisées par mois"), number_format=_fmt, empty_text=empty),
        "themes": charts.bars([(t.label, t.count) for t in figures.themes[:12]],
                              title=_("Thématiques d’accompagnement"), number_format=_fmt, empty_text=empty),
        "places": charts.bars([(p.name or _("Hors lieu (domicile, à distance…)"), p.people) for p in figures.places],
                              title=_("Personnes accompagnées par lieu"), number_format=_fmt, empty_text=empty,
                              color=charts.PALETTE[2]),
        "autonomy": charts.stacked_bar([(a.label, a.count) for a in figures.autonomy],
                                       title=_("Niveau d’autonomie des personnes accompagnées"),
                                       number_format=_fmt, empty_text=empty),
    }
    return {name: Markup(svg) for name, svg in result.items()}


def _unit_label(figures: reports.ReportFigures) -> str:
    return _("séances") if figures.volume_unit == VolumeUnit.SESSIONS else _("heures")


def _context(convention: Convention, period: reports.Period, figures: reports.ReportFigures, **extra) -> dict:
    """Everything the report's workbook shows: the figures and the charts."""
    return {"convention": convention, "period": period, "period_label": period_label(period), "figures": figures,
            "charts": report_charts(figures), "unit_label": _unit_label(figures),
            "coop_name": settings.cooperative_name(db.session), **extra}


def _page_context(convention: Convention, period: reports.Period, figures: reports.ReportFigures, **extra) -> dict:
    """What the report's page, PDF and share page show, gathered before rendering (the templates run no query):
    the workbook's context and the sections other domains add (slot "reports.convention", e.g. the equipment)."""
    sections = slots.panels_for("reports.convention", {"convention": convention, "date_from": figures.date_from,
                                                       "date_to": figures.date_to})
    return _context(convention, period, figures, sections=sections, **extra)


def _file_stem(convention: Convention, period: reports.Period) -> str:
    reference = re.sub(r"[^A-Za-z0-9_.-]+", "-", convention.reference).strip("-") or str(convention.id)
    return f"rapport-{reference}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"


def _download(data: bytes, mimetype: str, filename: str):
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- documents ------------------------------------------------------------------------------------------------------

def render_pdf(context: dict) -> bytes:
    """The report as an A4 PDF (WeasyPrint, imported on first use: it is slow to import)."""
    from weasyprint import HTML

    html = render_template("reports/reports/pdf.html", **context)
    return HTML(string=html, base_url=current_app.static_folder).write_pdf()


def render_xlsx(context: dict) -> bytes:
    """The report as a workbook: a summary sheet, then by month, by place and themes; numbers stay numbers."""
    from openpyxl import Workbook

    figures: reports.ReportFigures = context["figures"]
    wb = Workbook()
    _summary_sheet(wb.active, context, figures)
    _months_sheet(wb.create_sheet(_("Par mois")[:31]), figures)
    _places_sheet(wb.create_sheet(_("Par lieu")[:31]), figures)
    _themes_sheet(wb.create_sheet(_("Thématiques")[:31]), figures)
    out = io.BytesIO()
    spreadsheet.defuse_workbook(wb)  # names typed by users never become formulas
    wb.save(out)
    return out.getvalue()


def _bold_last_row(sheet) -> None:
    from openpyxl.styles import Font

    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _header(sheet, values: list) -> None:
    """A row of column titles, in bold."""
    sheet.append(values)
    _bold_last_row(sheet)


def _summary_sheet(ws, context: dict, figures: reports.ReportFigures) -> None:
    """The first sheet: what the report is about, the indicators, then autonomy and redirections."""
    from openpyxl.styles import Font

    ws.title = _("Synthèse")[:31]
    ws.append([context["coop_name"]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("Rapport d’activité"), context["period_label"]])
    ws.append([_("Convention"), f"{figures.convention_reference} — {figures.convention_title}"])
    ws.append([_("Structure"), figures.organisation_name])
    ws.append([_("Période"), _("du %(start)s au %(end)s", start=format_date(figures.date_from),
                                 end=format_date(figures.date_to))])
    ws.append([_("Édité le"), format_datetime(figures.generated_at, "short")])
    ws.append([])
    _header(ws, [_("Indicateur"), _("Valeur")])
    for row in _indicators(figures, context["unit_label"]):
        ws.append(list(row))
    ws.append([])
    _header(ws, [_("Niveau d’autonomie"), _("Accompagnements")])
    for a in figures.autonomy:
        ws.append([a.label, a.count])
    ws.append([_("Non renseigné"), figures.autonomy_unknown])
    ws.append([])
    _header(ws, [_("Structure de redirection"), _("Bénéficiaires réorientés")])
    for r in figures.redirections:
        ws.append([r.label, r.count])
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 40


def _indicators(figures: reports.ReportFigures, unit: str) -> list[tuple]:
    """(label, value) of the summary's indicators; volumes in ``unit`` (hours or sessions)."""
    return [
        (_("Séances réalisées"), figures.sessions_held),
        (_("Séances annulées"), figures.sessions_cancelled),
        (_("Séances non tenues"), figures.sessions_not_held),
        (_("Séances encore prévues"), figures.sessions_planned),
        (_("dont à confirmer"), figures.sessions_to_confirm),
        (_("Heures réalisées"), float(figures.hours_delivered)),
        (_("Volume contracté (%(unit)s)", unit=unit), float(figures.contracted_volume)),
        (_("Volume utilisé sur la période (%(unit)s)", unit=unit), float(figures.volume_used)),
        (_("Part du volume contracté utilisée sur la période (%)"),
         float(figures.volume_share_percent) if figures.volume_share_percent is not None else None),
        (_("Volume utilisé depuis le début de la convention (%(unit)s)", unit=unit),
         float(figures.volume_used_to_date)),
        (_("Accompagnements individuels"), figures.individual),
        (_("Ateliers collectifs"), figures.workshops),
        (_("Participants aux ateliers"), figures.collective_participants),
        (_("Personnes accompagnées"), figures.people_helped),
        (_("Bénéficiaires réorientés"), figures.oriented),
    ]


def _months_sheet(by_month, figures: reports.ReportFigures) -> None:
    """One row per month, then the total in bold."""
    _header(by_month, [_("Mois"), _("Séances réalisées"), _("Séances annulées"), _("Heures réalisées"),
                       _("Accompagnements individuels"), _("Ateliers collectifs"), _("Participants aux ateliers"),
                       _("Personnes accompagnées")])
    for m in figures.months:
        by_month.append([format_date(m.month, "MMMM y"), m.sessions_held, m.sessions_cancelled,
                         float(m.hours_delivered), m.individual, m.workshops, m.participants, m.people])
    by_month.append([_("Total"), figures.sessions_held, figures.sessions_cancelled, float(figures.hours_delivered),
                     figures.individual, figures.workshops, figures.collective_participants, figures.people_helped])
    _bold_last_row(by_month)
    by_month.column_dimensions["A"].width = 18


def _places_sheet(by_place, figures: reports.ReportFigures) -> None:
    """One row per place, activities outside a place last."""
    _header(by_place, [_("Lieu"), _("Séances réalisées"), _("Heures réalisées"), _("Accompagnements individuels"),
                       _("Ateliers collectifs"), _("Participants aux ateliers"), _("Personnes accompagnées")])
    for p in figures.places:
        by_place.append([p.name or _("Hors lieu (domicile, à distance…)"), p.sessions_held,
                         float(p.hours_delivered), p.individual, p.workshops, p.participants, p.people])
    by_place.column_dimensions["A"].width = 40


def _themes_sheet(themes, figures: reports.ReportFigures) -> None:
    """The accompaniment themes, then the administrative-procedure themes."""
    _header(themes, [_("Thématique d’accompagnement"), _("Activités")])
    for t in figures.themes:
        themes.append([t.label, t.count])
    themes.append([])
    _header(themes, [_("Démarche administrative"), _("Activités")])
    for t in figures.demarche_themes:
        themes.append([t.label, t.count])
    themes.column_dimensions["A"].width = 60


# --- the report of a convention -------------------------------------------------------------------------------------

def _convention(convention_id: int) -> Convention:
    """The convention of the report (not its services: the report does not show them)."""
    return load_or_404(Convention, convention_id, can_view_convention, options=[lazyload(Convention.services)])


def _report(convention: Convention):
    """(period, figures) for the request's period; DomainError on a bad period."""
    period = reports.resolve_period(request.args, clock.today())
    figures = reports.convention_report(db.session, convention, period.start, period.end, now=clock.now())
    return period, figures


def _nav(convention: Convention, period: reports.Period | None) -> dict:
    today = clock.today()
    quick = [
        (_("Ce mois-ci"), reports.month_period(today)),
        (_("Le mois dernier"), reports.month_period(reports.add_months(today, -1))),
        (_("Ce trimestre"), reports.quarter_period(today)),
        (_("Cette année"), reports.year_period(today.year)),
        (_("L’année dernière"), reports.year_period(today.year - 1)),
        (_("Toute la convention"), reports.Period("custom", convention.start_date, convention.end_date)),
    ]
    prev_period = period.shifted(-1) if period else None
    next_period = period.shifted(1) if period else None
    return {"quick": quick, "prev_period": prev_period, "next_period": next_period}


@bp.route("/conventions/<int:convention_id>/report")
@roles_required(*STAFF_OR_AUTHORITY)
def convention_report(convention_id: int):
    convention = _convention(convention_id)
    try:
        period, figures = _report(convention)
    except DomainError as exc:
        return render_template("reports/reports/report.html", convention=convention, period=None, figures=None,
                               errors={exc.field or "period": exc.message}, args=request.args,
                               staff=can_manage(current_user), **_nav(convention, None)), 400
    return render_template("reports/reports/report.html", errors={}, args=request.args,
                           staff=can_manage(current_user), **_nav(convention, period),
                           **_page_context(convention, period, figures))


@bp.route("/conventions/<int:convention_id>/report.pdf")
@roles_required(*STAFF_OR_AUTHORITY)
def convention_report_pdf(convention_id: int):
    convention = _convention(convention_id)
    period, figures = _report(convention)
    return _download(render_pdf(_page_context(convention, period, figures)), "application/pdf",
                     _file_stem(convention, period) + ".pdf")


@bp.route("/conventions/<int:convention_id>/report.xlsx")
@roles_required(*STAFF_OR_AUTHORITY)
def convention_report_xlsx(convention_id: int):
    convention = _convention(convention_id)
    period, figures = _report(convention)
    return _download(render_xlsx(_context(convention, period, figures)), XLSX_MIMETYPE,
                     _file_stem(convention, period) + ".xlsx")


# --- share links (coordination) -------------------------------------------------------------------------------------

class ShareForm(SafeForm):
    period_start = DateField(_l("Début de la période"), validators=[Optional()])
    period_end = DateField(_l("Fin de la période"), validators=[Optional()])
    expires_on = DateField(_l("Lien valable jusqu’au"), validators=[Optional()],
                           description=_l("Au plus un an. Le lien cesse de fonctionner le lendemain."))


def share_url(share: ReportShare) -> str:
    return current_app.config["COOPNUM_BASE_URL"] + url_for("reports_public.report_share", token=share.token)


@bp.route("/conventions/<int:convention_id>/report/shares", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def report_shares(convention_id: int):
    convention = load_or_404(Convention, convention_id)
    today = clock.today()
    if request.method == "GET":
        try:
            period = reports.resolve_period(request.args, today)
        except DomainError:
            period = reports.month_period(today)
        form = ShareForm(data={"period_start": period.start, "period_end": period.end,
                               "expires_on": today + timedelta(days=reports.SHARE_DEFAULT_DAYS)})
    else:
        form = ShareForm()
    if form.validate_on_submit():
        ok, share = commit_or_show(form, lambda: reports.create_share(
            db.session, current_user, convention, period_start=form.period_start.data,
            period_end=form.period_end.data, expires_on=form.expires_on.data, now=clock.now()))
        if ok:
            flash(_("Lien de partage créé : %(url)s", url=share_url(share)), "success")
            return redirect(url_for("reports.report_shares", convention_id=convention.id))
    page = paginate(db.session, reports.shares_query(convention.id), *page_args(20))
    return render_template("reports/reports/shares.html", convention=convention, form=form, page=page,
                           now=clock.now(), share_url=share_url), form_status()


@bp.route("/report-shares/<token>/revoke", methods=["POST"])
@roles_required(Role.COORDINATOR)
def report_share_revoke(token: str):
    share = queries.share_by_token(db.session, token)
    if share is None:
        abort(404)
    reports.revoke_share(db.session, current_user, share, now=clock.now())
    db.session.commit()
    flash(_("Lien de partage révoqué : il ne fonctionne plus."), "success")
    return redirect(url_for("reports.report_shares", convention_id=share.convention_id))


# --- public pages of a share link -----------------------------------------------------------------------------------

def _shared(token: str):
    """(share, convention, period, figures) of a valid link, the access counted; 404 page otherwise."""
    now = clock.now()
    share = reports.valid_share(db.session, token, now=now)
    if share is None:
        abort(404, description=_("Ce lien de partage a expiré ou a été révoqué. Demandez un nouveau lien à la "
                                 "coopérative."))
    convention = db.session.get(Convention, share.convention_id)
    period = reports.Period("custom", share.period_start, share.period_end)
    figures = reports.convention_report(db.session, convention, period.start, period.end, now=now)
    db.session.commit()  # end the read; count the access in a writing transaction (SQLite: BEGIN IMMEDIATE)
    with writing():
        reports.touch_share(db.session, share, now=now)
        db.session.commit()
    return share, convention, period, figures


def _no_index(response):
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@public_bp.route("/r/<token>")
def report_share(token: str):
    share, convention, period, figures = _shared(token)
    html = render_template("reports/reports/share.html", share=share, **_page_context(convention, period, figures))
    return _no_index(current_app.make_response(html))


@public_bp.route("/r/<token>.pdf")
def report_share_pdf(token: str):
    _share, convention, period, figures = _shared(token)
    return _no_index(_download(render_pdf(_page_context(convention, period, figures)), "application/pdf",
                               _file_stem(convention, period) + ".pdf"))


@public_bp.route("/r/<token>.xlsx")
def report_share_xlsx(token: str):
    _share, convention, period, figures = _shared(token)
    return _no_index(_download(render_xlsx(_context(convention, period, figures)), XLSX_MIMETYPE,
                               _file_stem(convention, period) + ".xlsx"))
