"""The inventory's home (dashboard: counts, what is out, overdue, in maintenance, reservations of the day and the
week), maintenance cases, audits, the usage report; the dashboard panels of the app's home page; the equipment
section of a convention's activity report (slot "reports.convention").

Who: the inventory's pages are for staff and mediators (``access.can_see_inventory``); a mediator reports a problem
(opens a case with its issue only) and ticks assets during an open audit; staff do the rest."""

import csv
import io
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, dashboard, slots
from coopnum.core.access import load_or_404, require, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.i18n import ngettext
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.spreadsheet import csv_row, xlsx_cell
from coopnum.core.views import commit_or_flash, commit_or_show, form_error, form_status, safe_next
from coopnum.inventory import access, queries
from coopnum.inventory.forms.care import (
    CATEGORY_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
    AuditFilterForm,
    AuditStartForm,
    CaseCloseForm,
    CaseEditForm,
    CaseFilterForm,
    CaseOpenForm,
    LostForm,
    TickForm,
    UsageForm,
)
from coopnum.inventory.models import Asset, AssetStatus, Audit, BorrowerKind, MaintenanceCase
from coopnum.inventory.services import audits, maintenance, reports
from coopnum.inventory.views import bp

USERS = (Role.COORDINATOR, Role.MEDIATOR)
STAFF = (Role.COORDINATOR,)


def _actor():
    return current_user._get_current_object()


def open_audit_for(asset) -> Audit | None:
    """For the asset's page: the open audit of the asset's home place, when the reader may tick it (the page then
    shows « vu ici aujourd'hui », a POST to ``inventory.audit_tick`` with ``asset_id`` and ``next``)."""
    if asset is None or not access.can_tick_audit(current_user):
        return None
    return audits.open_audit_of(db.session, asset.place_id)


def asset_care(asset) -> dict:
    """For the asset's page (``inventory/care/_asset_care.html``): its maintenance cases and the audits it was seen
    in, the latest first."""
    cases = list(db.session.execute(maintenance.cases_query(asset_id=asset.id).limit(20)).scalars())
    return {"cases": cases, "sightings": audits.asset_sightings(db.session, asset.id),
            "can_report": access.can_report_issue(current_user)}


@bp.app_context_processor
def _care_helpers():
    return {"care_category_labels": CATEGORY_LABELS, "care_status_labels": STATUS_LABELS,
            "care_status_badges": STATUS_BADGES,
            "inventory_open_audit": open_audit_for, "inventory_asset_care": asset_care}


def _place_names(place_ids) -> dict[int, str]:
    return queries.place_names(db.session, place_ids)


# --- the inventory's home -------------------------------------------------------------------------------------------

HOME_LINKS = (
    ("inventory.assets", _l("Matériel")), ("inventory.kits", _l("Kits")),
    ("inventory.reservations", _l("Réservations")), ("inventory.availability", _l("Disponibilités")),
    ("inventory.loans", _l("Prêts")), ("inventory.maintenance_list", _l("Maintenance")),
    ("inventory.audits_list", _l("Audits")), ("inventory.usage_report", _l("Taux d'utilisation")),
)
STAFF_ONLY_LINKS = {"inventory.usage_report"}


def home_links(user) -> list[tuple[str, str]]:
    links = []
    for endpoint, label in HOME_LINKS:
        if endpoint in STAFF_ONLY_LINKS and not access.can_see_reports(user):
            continue
        links.append((url_for(endpoint), str(label)))
    return links


def borrower_label(loan, labels: reports.Labels, *, personal: bool) -> str:
    """Who has a loan, in a few words; a person without an account is named only for ``personal`` readers."""
    if loan.borrower_kind == BorrowerKind.PERSON:
        if personal and loan.borrower_name and loan.anonymised_at is None:
            return loan.borrower_name
        return _("Personne sans compte")
    if loan.borrower_kind == BorrowerKind.SESSION and loan.session_id in labels.sessions:
        title, start = labels.sessions[loan.session_id]
        return _("Séance « %(title)s » du %(day)s", title=title, day=format_date(clock.paris_today(start), "short"))
    if loan.borrower_kind == BorrowerKind.MISSION and loan.mission_id in labels.missions:
        return _("Mission « %(title)s »", title=labels.missions[loan.mission_id])
    return labels.users.get(loan.user_id, "—")


@bp.route("/")
@roles_required(*USERS)
def index():
    user = _actor()
    now = clock.now()
    staff = access.can_see_reports(user)
    day_start, tomorrow, next_monday = reports.week_bounds(clock.paris_today(now))
    loans_stmt = reports.open_loans_query(user_id=None if staff else user.id)
    loans = paginate(db.session, loans_stmt, *page_args(20))
    overdue = (list(db.session.execute(reports.open_loans_query(overdue_at=now).limit(50)).scalars())
               if staff else [])
    cases = list(db.session.execute(reports.open_cases_query().limit(50)).scalars())
    today_res = list(db.session.execute(reports.reservations_query(day_start, tomorrow).limit(50)).scalars())
    week_res = list(db.session.execute(reports.reservations_query(tomorrow, next_monday).limit(50)).scalars())
    labels = reports.labels_for(db.session, [*loans.items, *overdue, *today_res, *week_res])
    return render_template(
        "inventory/index.html", staff=staff, manage=access.can_manage_assets(user), counts=reports.status_counts(db.session),
        figures=reports.out_figures(db.session, now), loans=loans, overdue=overdue, cases=cases,
        today_reservations=today_res, week_reservations=week_res, labels=labels, now=now, links=home_links(user),
        borrower=lambda loan: borrower_label(loan, labels, personal=access.can_see_loan(user, loan)),
        open_audits=audits.open_audits(db.session))


# --- maintenance ----------------------------------------------------------------------------------------------------

@bp.route("/maintenance")
@roles_required(*USERS)
def maintenance_list():
    require(access.can_see_inventory(current_user))
    form = CaseFilterForm(request.args)
    form.validate()
    state = form.state.data if not form.state.errors else None
    category = form.category.data if not form.category.errors else None
    page = paginate(db.session, maintenance.cases_query(state=state or None, category=category or None),
                    *page_args(30))
    return render_template("inventory/care/maintenance_list.html", form=form, page=page,
                           totals=maintenance.cost_totals(db.session, category=category or None),
                           can_maintain=access.can_maintain(current_user))


def _asset_from_args() -> Asset | None:
    asset_id = request.args.get("asset_id", type=int)
    if asset_id is None:
        return None
    asset = db.session.get(Asset, asset_id) if 0 < asset_id < 2**31 else None
    if asset is None:
        abort(404)
    return asset


@bp.route("/maintenance/new", methods=["GET", "POST"])
@roles_required(*USERS)
def maintenance_new():
    """Open a case (staff) or "signaler un problème" (a mediator: the issue only). ``?asset_id=`` from the asset's
    page; without it, the tag is typed or scanned."""
    require(access.can_report_issue(current_user))
    staff = access.can_maintain(current_user)
    asset = _asset_from_args()
    form = CaseOpenForm()
    if not staff:
        del form.supplier
    if asset is not None:
        del form.tag
    if form.validate_on_submit():
        target, ok = asset, True
        if target is None:
            try:
                target = audits.find_by_tag(db.session, form.tag.data or "")
            except DomainError as exc:
                form_error(form, exc)
                ok = False
        if ok:
            supplier = form.supplier.data if staff else ""
            ok, case = commit_or_show(form, lambda: maintenance.open_case(
                db.session, target, actor=_actor(), now=clock.now(), issue=form.issue.data or "",
                supplier=supplier or ""))
            if ok:
                flash(_("Problème signalé sur %(tag)s : le matériel est en maintenance.", tag=target.tag), "success")
                return redirect(url_for("inventory.maintenance_case", case_id=case.id))
    return render_template("inventory/care/maintenance_new.html", form=form, asset=asset, staff=staff), form_status()


def _case(case_id: int) -> MaintenanceCase:
    return load_or_404(MaintenanceCase, case_id, lambda user, _case: access.can_see_inventory(user))


def _render_case(case: MaintenanceCase, edit_form=None, close_form=None, status: int = 200):
    if edit_form is None:
        edit_form = CaseEditForm(prefix="edit", data={"issue": case.issue, "repair": case.repair,
                                                      "cost": case.cost_cents, "supplier": case.supplier})
    if close_form is None:
        close_form = CaseCloseForm(prefix="close", data={"repair": case.repair, "cost": case.cost_cents,
                                                         "supplier": case.supplier})
    names = queries.user_names(db.session, [case.opened_by_id, case.closed_by_id])
    history = list(db.session.execute(maintenance.cases_query(asset_id=case.asset_id).limit(20)).scalars())
    return render_template("inventory/care/maintenance_case.html", case=case, asset=case.asset,
                           edit_form=edit_form, close_form=close_form, names=names, history=history,
                           can_maintain=access.can_maintain(current_user)), status


@bp.route("/maintenance/<int:case_id>")
@roles_required(*USERS)
def maintenance_case(case_id: int):
    return _render_case(_case(case_id))


@bp.route("/maintenance/<int:case_id>/edit", methods=["POST"])
@roles_required(*STAFF)
def maintenance_edit(case_id: int):
    case = _case(case_id)
    require(access.can_maintain(current_user))
    form = CaseEditForm(prefix="edit")
    if form.validate_on_submit():
        ok, _result = commit_or_show(form, lambda: maintenance.update_case(
            db.session, case, actor=_actor(), now=clock.now(), issue=form.issue.data or "",
            repair=form.repair.data or "", cost_cents=form.cost.data, supplier=form.supplier.data or "",
            clear_cost=form.cost.data is None))
        if ok:
            flash(_("Dossier de maintenance enregistré."), "success")
            return redirect(url_for("inventory.maintenance_case", case_id=case.id))
    return _render_case(case, edit_form=form, status=400)


@bp.route("/maintenance/<int:case_id>/close", methods=["POST"])
@roles_required(*STAFF)
def maintenance_close(case_id: int):
    case = _case(case_id)
    require(access.can_maintain(current_user))
    form = CaseCloseForm(prefix="close")
    if form.validate_on_submit():
        ok, _result = commit_or_show(form, lambda: maintenance.close_case(
            db.session, case, actor=_actor(), now=clock.now(), repair=form.repair.data or "",
            cost_cents=form.cost.data, supplier=form.supplier.data or ""))
        if ok:
            flash(_("Dossier clos : %(tag)s est de nouveau %(status)s.", tag=case.asset.tag,
                    status=str(STATUS_LABELS.get(case.asset.status, case.asset.status)).lower()), "success")
            return redirect(url_for("inventory.maintenance_case", case_id=case.id))
    return _render_case(case, close_form=form, status=400)


# --- audits ---------------------------------------------------------------------------------------------------------

NO_PLACE = "none"


def _place_choices() -> list[tuple[str, str]]:
    rows = queries.places(db.session)
    return [(str(i), n) for i, n in rows] + [(NO_PLACE, _("Matériel sans lieu de rattachement"))]


def _parse_place(value: str | None) -> tuple[bool, int | None]:
    """(valid, place id or None for "no place")."""
    if value == NO_PLACE:
        return True, None
    try:
        number = int(value or "")
    except ValueError:
        return False, None
    return (0 < number < 2**31), number


@bp.route("/audits")
@roles_required(*USERS)
def audits_list():
    require(access.can_see_inventory(current_user))
    choices = _place_choices()
    filters = AuditFilterForm(request.args)
    filters.place.choices = [("", _("Tous"))] + choices
    filters.validate()
    place = filters.place.data if not filters.place.errors else ""
    valid, place_id = _parse_place(place) if place else (False, None)
    stmt = audits.audits_query(place_id=place_id if valid else None, no_place=valid and place_id is None)
    page = paginate(db.session, stmt, *page_args(30))
    start_form = AuditStartForm()
    start_form.place.choices = [("", "—")] + choices
    return render_template("inventory/care/audits.html", page=page, filters=filters, start_form=start_form,
                           names=_place_names(a.place_id for a in page.items),
                           can_manage=access.can_manage_audits(current_user))


@bp.route("/audits/start", methods=["POST"])
@roles_required(*STAFF)
def audit_start():
    require(access.can_manage_audits(current_user))
    form = AuditStartForm()
    form.place.choices = [("", "—")] + _place_choices()
    if form.validate_on_submit():
        _valid, place_id = _parse_place(form.place.data)
        ok, row = commit_or_flash(lambda: audits.start_audit(db.session, actor=_actor(), now=clock.now(),
                                                             place_id=place_id, notes=form.notes.data or ""))
        if ok:
            flash(_("Audit commencé : cochez ou scannez le matériel présent."), "success")
            return redirect(url_for("inventory.audit", audit_id=row.id))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("inventory.audits_list"))


def _audit(audit_id: int) -> Audit:
    return load_or_404(Audit, audit_id, lambda user, _a: access.can_see_inventory(user))


@bp.route("/audits/<int:audit_id>")
@roles_required(*USERS)
def audit(audit_id: int):
    row = _audit(audit_id)
    lines = audits.lines(db.session, row)
    extra = audits.extra_sightings(db.session, row)
    extra_assets = queries.assets_by_id(db.session, [s.asset_id for s in extra])
    tick_form = TickForm(formdata=None)
    lost_form = LostForm(formdata=None)
    missing = [line for line in lines if line.missing]
    lost_form.asset_ids.choices = [(line.asset.id, line.asset.tag) for line in missing
                                   if line.asset.status != AssetStatus.LOST]
    return render_template(
        "inventory/care/audit.html", audit=row, lines=lines, missing=missing, extra=extra,
        extra_assets=extra_assets, tick_form=tick_form, lost_form=lost_form,
        place_name=_place_names([row.place_id]).get(row.place_id), can_manage=access.can_manage_audits(current_user),
        can_tick=access.can_tick_audit(current_user) and row.closed_at is None,
        seen_count=sum(1 for line in lines if line.seen), lent_count=sum(1 for line in lines if line.lent))


@bp.route("/audits/<int:audit_id>/tick", methods=["POST"])
@roles_required(*USERS)
def audit_tick(audit_id: int):
    """Mark an asset "vu aujourd'hui" during an open audit. Form fields: ``asset_id`` (the tick button) or ``tag``
    (typed or scanned: the tag or the label's URL …/q/<tag>), ``next`` (a local URL to go back to; default: the
    audit's page), ``csrf_token``. Answers a redirect with a flash message (success, already seen, or the error)."""
    row = _audit(audit_id)
    require(access.can_tick_audit(current_user))
    form = TickForm()
    back = url_for("inventory.audit", audit_id=row.id)
    target = safe_next(form.next.data) or back
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(target)
    if form.asset_id.data is None and not (form.tag.data or "").strip():
        flash(_("Saisissez ou scannez l'étiquette du matériel."), "error")
        return redirect(target)
    ok, result = commit_or_flash(lambda: audits.tick(
        db.session, row, actor=_actor(), now=clock.now(), asset_id=form.asset_id.data,
        tag=None if form.asset_id.data is not None else form.tag.data))
    if ok:
        asset, created = result
        if not created:
            flash(_("%(tag)s était déjà noté comme vu.", tag=asset.tag), "info")
        elif not audits.is_expected(row, asset):
            flash(_("%(tag)s noté comme vu, mais il n'est pas rattaché à ce lieu.", tag=asset.tag), "warning")
        else:
            flash(_("%(tag)s vu aujourd'hui.", tag=asset.tag), "success")
    return redirect(target)


@bp.route("/audits/<int:audit_id>/close", methods=["POST"])
@roles_required(*STAFF)
def audit_close(audit_id: int):
    row = _audit(audit_id)
    require(access.can_manage_audits(current_user))
    ok, missing = commit_or_flash(lambda: audits.close_audit(db.session, row, actor=_actor(), now=clock.now()))
    if ok:
        if missing:
            flash(ngettext("Audit terminé : %(num)s matériel manquant.", "Audit terminé : %(num)s matériels manquants.",
                           len(missing)), "warning")
        else:
            flash(_("Audit terminé : rien ne manque."), "success")
    return redirect(url_for("inventory.audit", audit_id=row.id))


@bp.route("/audits/<int:audit_id>/lost", methods=["POST"])
@roles_required(*STAFF)
def audit_lost(audit_id: int):
    row = _audit(audit_id)
    require(access.can_manage_audits(current_user))
    form = LostForm()
    form.asset_ids.choices = [(line.asset.id, line.asset.tag) for line in audits.lines(db.session, row)
                              if line.missing]
    if form.validate_on_submit():
        ok, chosen = commit_or_flash(lambda: audits.mark_missing_lost(db.session, row, form.asset_ids.data,
                                                                      actor=_actor(), now=clock.now()))
        if ok:
            flash(ngettext("Déclaré perdu : %(tags)s.", "Déclarés perdus : %(tags)s.", len(chosen),
                           tags=", ".join(a.tag for a in chosen)), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("inventory.audit", audit_id=row.id))


# --- the usage report -----------------------------------------------------------------------------------------------

def _usage_request() -> tuple[UsageForm, reports.Usage | None, str | None]:
    form = UsageForm(request.args)
    form.validate()
    default_start, default_end = reports.last_full_month(clock.today())
    start = form.start.data if form.start.data and not form.start.errors else default_start
    end = form.end.data if form.end.data and not form.end.errors else default_end
    if not form.start.data and not form.start.errors:
        form.start.data = start
    if not form.end.data and not form.end.errors:
        form.end.data = end
    category = (form.category.data or None) if not form.category.errors else None
    try:
        return form, reports.usage(db.session, start, end, now=clock.now(), category=category), None
    except DomainError as exc:  # a bad period
        return form, None, exc.message


@bp.route("/reports/usage")
@roles_required(*STAFF)
def usage_report():
    require(access.can_see_reports(current_user))
    form, usage, error = _usage_request()
    return render_template("inventory/care/usage.html", form=form, usage=usage, error=error), (400 if error else 200)


def _usage_rows(usage: reports.Usage):
    header = [_("Catégorie"), _("Matériel"), _("Modèle"), _("Nombre"), _("Jours disponibles"), _("Jours utilisés"),
              _("Taux d'utilisation (%)")]
    rows = []
    for c in usage.categories:
        rows.append([str(CATEGORY_LABELS.get(c.category, c.category)), _("(toute la catégorie)"), "", c.assets,
                     c.available_days, c.used_days, round(c.rate * 100, 2) if c.rate is not None else ""])
    for a in usage.assets:
        rows.append([str(CATEGORY_LABELS.get(a.category, a.category)), a.key, a.model, 1, a.available_days,
                     a.used_days, round(a.rate * 100, 2) if a.rate is not None else ""])
    return header, rows


@bp.route("/reports/usage.<fmt>")
@roles_required(*STAFF)
def usage_export(fmt: str):
    require(access.can_see_reports(current_user))
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, usage, error = _usage_request()
    if usage is None:
        flash(error, "error")
        return redirect(url_for("inventory.usage_report"))
    header, rows = _usage_rows(usage)
    stem = f"utilisation-materiel-{usage.start:%Y%m%d}-{usage.end:%Y%m%d}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(csv_row(row))
        data = ("\ufeff" + out.getvalue()).encode("utf-8")
        mimetype = "text/csv"  # werkzeug adds "; charset=utf-8" to text/*
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("Utilisation"))
        ws.append(header)
        for row in rows:
            ws.append([xlsx_cell(ws, v) if v != "" else None for v in row])
        buffer = io.BytesIO()
        wb.save(buffer)
        data = buffer.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"{stem}.{fmt}")


# --- panels on other pages ------------------------------------------------------------------------------------------

def _staff_panel(_user) -> dict:
    return {"figures": reports.out_figures(db.session, clock.now())}


def _mediator_panel(user) -> dict:
    now = clock.now()
    loans, upcoming = reports.mediator_equipment(db.session, user.id, now)
    return {"loans": loans, "reservations": upcoming, "now": now}


def _report_section(_user, obj) -> dict | None:
    """The equipment used per session, in a convention's activity report (when the convention asks for it)."""
    convention = obj.get("convention") if isinstance(obj, dict) else None
    date_from: date | None = obj.get("date_from") if isinstance(obj, dict) else None
    date_to: date | None = obj.get("date_to") if isinstance(obj, dict) else None
    if convention is None or not getattr(convention, "report_equipment", False) or not date_from or not date_to:
        return None
    return {"sessions": reports.convention_equipment(db.session, convention.id, date_from, date_to)}


def register_panels() -> None:
    """The dashboard panels (coopnum.core.dashboard) and the activity report's section (slot "reports.convention")."""
    dashboard.register("inventory", "inventory/care/panel_staff.html", STAFF, _staff_panel, 40)
    dashboard.register("my_equipment", "inventory/care/panel_mediator.html", (Role.MEDIATOR,), _mediator_panel, 45)
    slots.register("reports.convention", "inventory/care/_report_equipment.html", _report_section, 50)

