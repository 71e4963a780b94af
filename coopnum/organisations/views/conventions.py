"""Pages of the missions domain: conventions.

Staff create and edit them (commercial terms only while draft), sign and end them, and attach the signed PDF.
An authority contact reads its own organisation's conventions and downloads their signed PDF."""

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, filters, navigation
from coopnum.core.access import require, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import bounded_int, parse_id
from coopnum.core.views import commit_or_flash, commit_or_show, form_error, form_status
from coopnum.organisations import queries
from coopnum.organisations.access import can_manage, can_view_convention, is_authority_of
from coopnum.organisations.forms.catalogue import UNIT_LABELS, VAT_LABELS
from coopnum.organisations.forms.conventions import (
    PRICING_LABELS,
    STATUS_LABELS,
    VOLUME_UNIT_LABELS,
    ConventionAdminForm,
    ConventionFilterForm,
    ConventionForm,
    SignForm,
    UploadForm,
)
from coopnum.organisations.models import Convention, ConventionStatus, Service, VolumeUnit
from coopnum.organisations.services import conventions as services
from coopnum.organisations.views import bp
from coopnum.organisations.views.organisations import place_url

LABELS = {
    "status_labels": STATUS_LABELS,
    "pricing_labels": PRICING_LABELS,
    "unit_labels": VOLUME_UNIT_LABELS,
    "vat_labels": VAT_LABELS,
    "service_unit_labels": UNIT_LABELS,
}


@bp.app_template_filter("volume")
def volume(value, unit: str) -> str:
    """A convention's volume in the words of its unit: hours as durations (« 14 h 45 »), sessions counted
    (« 1 séance », « 6 séances »)."""
    if value is None:
        return ""
    if unit == VolumeUnit.HOURS:
        return filters.hours(value, "hours")
    return filters.count(value, _("séance"), _("séances"))


def _load(convention_id: int) -> Convention:
    convention = db.session.get(Convention, convention_id)
    if convention is None:
        abort(404)
    return convention


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _mission_url(mission_id: int) -> str:
    return url_for("missions.mission_detail", mission_id=mission_id)


# --- list -------------------------------------------------------------------------------------------------------


@bp.route("/conventions")
@roles_required(Role.COORDINATOR, Role.AUTHORITY)
def conventions():
    staff = can_manage(current_user)
    form = ConventionFilterForm(request.args)
    status = form.status.data if form.status.data in set(ConventionStatus) else None
    if staff:
        orgs = queries.organisation_choices(db.session, include_archived=True)
        form.organisation_id.choices = [("", _("Toutes"))] + [(str(org_id), name) for org_id, name in orgs]
        organisation_id = parse_id(form.organisation_id.data)
    else:
        del form.organisation_id
        organisation_id = current_user.organisation_id or -1  # an authority sees its own organisation only
    stmt = services.conventions_query(organisation_id=organisation_id, status=status, q=form.q.data)
    page = paginate(db.session, stmt, *page_args())
    summaries = queries.volumes(db.session, [c.id for c in page.items], now=clock.now())
    return render_template(
        "organisations/conventions/list.html", page=page, form=form, summaries=summaries, staff=staff, **LABELS
    )


# --- detail -------------------------------------------------------------------------------------------------------


def _render_detail(convention: Convention, *, sign_form=None, upload_form=None, status: int = 200):
    staff = can_manage(current_user)
    summary = queries.volumes(db.session, [convention.id], now=clock.now()).get(convention.id)
    missions = [
        (m, _mission_url(m.id), place_url(m.place_id))
        for m in queries.convention_missions(db.session, convention.id)
    ]
    return render_template(
        "organisations/conventions/detail.html",
        convention=convention,
        summary=summary,
        missions=missions,
        # a mission is planned under a convention still running (as the mission form offers)
        new_mission_url=url_for("missions.mission_new", convention_id=convention.id)
        if staff and convention.status != ConventionStatus.ENDED and convention.end_date >= clock.today() else None,
        staff=staff,
        can_view_organisation=staff or is_authority_of(current_user, convention.organisation_id),
        sign_form=sign_form or SignForm(),
        upload_form=upload_form or UploadForm(),
        **LABELS,
    ), status


@bp.route("/conventions/<int:convention_id>")
@roles_required(Role.COORDINATOR, Role.AUTHORITY)
def convention_detail(convention_id: int):
    convention = _load(convention_id)
    require(can_view_convention(current_user, convention))
    return _render_detail(convention)


# --- create and edit ------------------------------------------------------------------------------------------------


def _organisation_choices(current_id: int | None) -> list[tuple[int, str]]:
    return [(0, _("— Choisir une structure —"))] + queries.organisation_choices(db.session, keep_id=current_id)


def _catalogue_for(convention: Convention | None) -> list[Service]:
    """Active services, plus the ones already in the convention (even if withdrawn from the catalogue since)."""
    included = [cs.service_id for cs in convention.services] if convention is not None else []
    return queries.catalogue_services(db.session, included)


def _form_data(convention: Convention | None) -> dict:
    if convention is None:
        org_id = request.args.get("organisation_id", type=bounded_int) or 0
        return {"organisation_id": org_id, "payment_terms_days": 30, "services": []}
    data = {key: getattr(convention, key) for key in services.CONVENTION_FIELDS if key != "services"}
    if convention.organisation is not None and data["chorus_buyer_siret"] == convention.organisation.siret:
        data["chorus_buyer_siret"] = ""  # shown as "the organisation's", and follows it
    return data


def _build_form(convention: Convention | None):
    catalogue = _catalogue_for(convention)
    data = _form_data(convention)
    current = {cs.service_id: cs.unit_price_cents for cs in convention.services} if convention else {}
    data["services"] = [
        {"service_id": s.id, "included": s.id in current, "unit_price_cents": current.get(s.id)}
        for s in catalogue
    ]
    form = ConventionForm(data=data)
    form.organisation_id.choices = _organisation_choices(convention.organisation_id if convention else None)
    return form, {s.id: s for s in catalogue}


def _service_id(entry) -> int | None:
    try:
        return int(entry.service_id.data)
    except (TypeError, ValueError):
        return None


def _data(form: ConventionForm) -> services.ConventionData:
    values = {key: form[key].data for key in services.CONVENTION_FIELDS if key != "services"}
    return services.ConventionData(**values, services=tuple(
        (entry.service_id.data, entry.unit_price_cents.data) for entry in form.services if entry.included.data
    ))


@bp.route("/conventions/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def convention_new():
    form, catalogue = _build_form(None)
    if form.validate_on_submit():
        ok, convention = commit_or_show(
            form, lambda: services.create_convention(db.session, current_user, _data(form), now=clock.now())
        )
        if ok:
            flash(_("Convention %(reference)s créée (brouillon).", reference=convention.reference), "success")
            return redirect(url_for("organisations.convention_detail", convention_id=convention.id))
    return render_template(
        "organisations/conventions/form.html",
        form=form,
        convention=None,
        catalogue=catalogue,
        service_id=_service_id,
        full=True,
        **LABELS,
    ), form_status()


@bp.route("/conventions/<int:convention_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def convention_edit(convention_id: int):
    convention = _load(convention_id)
    full = convention.status == ConventionStatus.DRAFT
    if full:
        form, catalogue = _build_form(convention)
    else:
        form, catalogue = ConventionAdminForm(data=_form_data(convention)), {}
    if form.validate_on_submit():
        data = _data(form) if full else services.ConventionData.of(convention).but(
            **{key: form[key].data for key in services.CONVENTION_ADMIN})
        ok, _result = commit_or_show(
            form, lambda: services.update_convention(db.session, current_user, convention, data, now=clock.now())
        )
        if ok:
            flash(_("Convention %(reference)s enregistrée.", reference=convention.reference), "success")
            return redirect(url_for("organisations.convention_detail", convention_id=convention.id))
    return render_template(
        "organisations/conventions/form.html",
        form=form,
        convention=convention,
        catalogue=catalogue,
        service_id=_service_id,
        full=full,
        **LABELS,
    ), form_status()


# --- status and signed PDF ----------------------------------------------------------------------------------------


@bp.route("/conventions/<int:convention_id>/sign", methods=["POST"])
@roles_required(Role.COORDINATOR)
def convention_sign(convention_id: int):
    convention = _load(convention_id)
    form = SignForm()
    if form.validate_on_submit():
        ok, _result = commit_or_show(
            form,
            lambda: services.sign_convention(
                db.session, current_user, convention, signed_on=form.signed_on.data, now=clock.now()
            ),
        )
        if ok:
            flash(_("Convention %(reference)s signée.", reference=convention.reference), "success")
            return redirect(url_for("organisations.convention_detail", convention_id=convention.id))
    return _render_detail(convention, sign_form=form, status=400)


@bp.route("/conventions/<int:convention_id>/end", methods=["POST"])
@roles_required(Role.COORDINATOR)
def convention_end(convention_id: int):
    convention = _load(convention_id)
    commit_or_flash(lambda: services.end_convention(db.session, current_user, convention, now=clock.now()),
        _("Convention %(reference)s terminée.", reference=convention.reference))
    return redirect(url_for("organisations.convention_detail", convention_id=convention.id))


@bp.route("/conventions/<int:convention_id>/file", methods=["POST"])
@roles_required(Role.COORDINATOR)
def convention_upload(convention_id: int):
    convention = _load(convention_id)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(services.MAX_PDF_BYTES + 1)
        try:
            relative = services.attach_signed_pdf(
                db.session, current_user, convention, filename=upload.filename, data=data, now=clock.now()
            )
            # Written before the commit, under a name derived from its content: the database never points to a
            # missing file, and a failed commit leaves at most an unreferenced copy.
            services.store_upload(_uploads(), relative, data)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        except OSError:
            db.session.rollback()
            current_app.logger.exception("cannot store the signed PDF of convention %s", convention.id)
            flash(
                _("Le fichier n'a pas pu être enregistré. Réessayez ou prévenez l'équipe technique."), "error"
            )
        else:
            db.session.commit()
            flash(_("PDF signé enregistré."), "success")
            return redirect(url_for("organisations.convention_detail", convention_id=convention.id))
    return _render_detail(convention, upload_form=form, status=400)


@bp.route("/conventions/<int:convention_id>/signed.pdf")
@roles_required(Role.COORDINATOR, Role.AUTHORITY)
def convention_file(convention_id: int):
    convention = _load(convention_id)
    require(can_view_convention(current_user, convention))
    if not convention.signed_file_path:
        abort(404)
    path = _uploads() / convention.signed_file_path
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=convention.signed_file_name or f"{convention.reference}.pdf",
        max_age=0,
    )


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    navigation.register("organisations.conventions", _l("Conventions"), (Role.COORDINATOR,), 130, group="clients")
