"""Pages of the missions domain: places (lieux de médiation numérique) and their open-data files.

Staff create, edit and archive places; mediators read them all; an authority contact reads the places of its
own organisation. The open-data export (LaMednum schema) is public: /open-data/lieux.csv and lieux.json."""

import re
from datetime import UTC

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, navigation, settings
from coopnum.core.access import is_staff, load_or_404, login_required, roles_required
from coopnum.core.clock import PARIS
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import bounded_int
from coopnum.core.views import commit_or_show, form_error, form_status
from coopnum.organisations import access, lamednum, queries
from coopnum.organisations.forms.places import FIELD_LABELS, OPENING_HOURS_EXAMPLE, SECTIONS, PlaceForm
from coopnum.organisations.models import Place
from coopnum.organisations.services import places as services
from coopnum.organisations.views import bp, public_bp


def _source() -> str:
    return current_app.config["COOPNUM_NAME"]


def _load(place_id: int) -> Place:
    return load_or_404(Place, place_id, access.can_view_place)


def _authority_scope() -> int | None:
    """The organisation an authority contact is limited to (``-1``: none, so nothing); None for other roles."""
    if access.can_view_places(current_user):
        return None
    return current_user.organisation_id or -1


def _organisation_choices(current_id: int | None = None) -> list[tuple[int, str]]:
    return [(0, "—")] + queries.organisation_choices(db.session, keep_id=current_id)


def _show_errors(form: PlaceForm, exc: DomainError) -> None:
    """Each message of the service next to its field, the schema name replaced by the field's French label."""
    fields = exc.details.get("fields") if exc.details else None
    if not fields:
        form_error(form, exc)
        return
    for name, message in fields.items():
        field = getattr(form, name, None)
        if field is None:
            flash(message, "error")
            continue
        message = message.replace(f"« {name} »", f"« {field.label.text} »")
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


def _render_form(form: PlaceForm, place: Place | None):
    return render_template(
        "organisations/places/form.html", form=form, place=place, sections=SECTIONS, example=OPENING_HOURS_EXAMPLE
    ), form_status()


# --- pages ----------------------------------------------------------------------------------------------------------


@bp.route("/places")
@roles_required(Role.COORDINATOR, Role.MEDIATOR, Role.AUTHORITY)
def places():
    scope = _authority_scope()
    q = request.args.get("q", "").strip()
    organisation_id = request.args.get("organisation", 0, type=bounded_int) or None
    commune = request.args.get("commune", "").strip()
    published = {"1": True, "0": False}.get(request.args.get("published", ""))
    show_archived = request.args.get("archived") == "1" and is_staff(current_user)
    stmt = services.search(
        q=q,
        organisation_id=organisation_id if scope is None else None,
        commune=commune,
        published=published,
        archived=True if show_archived else False,
        only_organisation_id=scope,
    )
    page = paginate(db.session, stmt, *page_args())
    organisations = []
    if scope is None:
        organisations = queries.organisations_having_places(db.session)
    return render_template(
        "organisations/places/list.html",
        page=page,
        q=q,
        organisation_id=organisation_id or 0,
        commune=commune,
        published=request.args.get("published", ""),
        show_archived=show_archived,
        organisations=organisations,
        communes=services.communes(db.session, only_organisation_id=scope),
        can_manage=access.can_manage(current_user),
    )


@bp.route("/places/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def place_new():
    # ?organisation=<id>: the place of that organisation (the link of its page's empty list of places)
    form = PlaceForm(data={**services.new_values(),
                           "organisation_id": request.args.get("organisation", 0, type=bounded_int)})
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        ok, place = commit_or_show(
            form,
            lambda: services.create_place(
                db.session, current_user, form.values(), now=clock.now(), source=_source()
            ),
            _show_errors,
        )
        if ok:
            flash(_("Lieu « %(name)s » créé.", name=place.name), "success")
            return redirect(url_for("organisations.place_detail", place_id=place.id))
    return _render_form(form, None)


@bp.route("/places/<int:place_id>")
@login_required
def place_detail(place_id: int):
    place = _load(place_id)
    organisation = place.organisation
    pivot = services.effective_pivot(place.pivot, organisation)
    return render_template(
        "organisations/places/detail.html",
        place=place,
        values=services.values_of(place),
        labels=FIELD_LABELS,
        sections=SECTIONS,
        pivot=pivot,
        pivot_inherited=not place.pivot,
        enum_label=lamednum.label,
        typologies=lamednum.TYPOLOGIES,
        hours=lamednum.describe_opening_hours(place.horaires),
        export_id=services.export_id(place.id, _source()),
        can_manage=access.can_manage(current_user),
    )


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def place_edit(place_id: int):
    place = _load(place_id)
    form = PlaceForm(data=dict(services.values_of(place), organisation_id=place.organisation_id or 0))
    form.organisation_id.choices = _organisation_choices(place.organisation_id)
    form.keep_unknown_typologies(place.typologie)
    if form.validate_on_submit():
        ok, _result = commit_or_show(
            form,
            lambda: services.update_place(
                db.session, current_user, place, form.values(), now=clock.now(), source=_source()
            ),
            _show_errors,
        )
        if ok:
            flash(_("Lieu enregistré."), "success")
            return redirect(url_for("organisations.place_detail", place_id=place.id))
    return _render_form(form, place)


@bp.route("/places/<int:place_id>/archive", methods=["POST"])
@roles_required(Role.COORDINATOR)
def place_archive(place_id: int):
    place = _load(place_id)
    services.archive_place(db.session, current_user, place, now=clock.now())
    db.session.commit()
    flash(_("Lieu archivé : il n'apparaît plus dans les listes ni dans les données ouvertes."), "success")
    return redirect(url_for("organisations.place_detail", place_id=place.id))


@bp.route("/places/<int:place_id>/restore", methods=["POST"])
@roles_required(Role.COORDINATOR)
def place_restore(place_id: int):
    place = _load(place_id)
    services.restore_place(db.session, current_user, place, now=clock.now())
    db.session.commit()
    flash(_("Lieu réactivé."), "success")
    return redirect(url_for("organisations.place_detail", place_id=place.id))


# --- open data (no login) -------------------------------------------------------------------------------------------


def _open_data(body: str, mimetype: str, filename: str | None = None) -> Response:
    """A public open-data file (``text/*`` get ``; charset=utf-8`` once, from werkzeug), cached an hour."""
    changed = services.last_modified(db.session)
    response = Response(body, mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    if changed is not None:
        response.last_modified = changed.astimezone(UTC).replace(microsecond=0)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)


def producer_siret() -> str:
    """The producer of the open data: the cooperative's SIRET (setting ``company.siret``, as on its invoices), else
    the config ``COOPNUM_SIRET``; "" when neither is set (the file name then leaves it out)."""
    siret = re.sub(r"\s+", "", settings.get(db.session, "company.siret") or "")
    return siret or re.sub(r"\s+", "", current_app.config.get("COOPNUM_SIRET") or "")


def csv_filename(on=None) -> str:
    """The recommended name: date, producer's SIRET (``producer_siret``), territory (config COOPNUM_TERRITORY,
    else the cooperative's name)."""
    changed = services.last_modified(db.session)
    day = on or (changed or clock.now()).astimezone(PARIS).date()
    producer = producer_siret()
    territory = current_app.config.get("COOPNUM_TERRITORY") or _source()
    try:
        return lamednum.export_filename(producer, territory, day)
    except ValueError:
        try:
            return lamednum.export_filename(producer, "lieux", day)
        except ValueError:  # a malformed SIRET setting: no identifier rather than a wrong one
            return lamednum.export_filename(None, "lieux", day)


@public_bp.route("/open-data/lieux.csv")
def places_csv():
    rows = services.export_rows(db.session, source=_source())
    return _open_data(lamednum.to_csv(rows), "text/csv", csv_filename())


@public_bp.route("/open-data/lieux.json")
def places_json():
    rows = services.export_rows(db.session, source=_source())
    return _open_data(lamednum.to_json(rows), "application/json")


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    navigation.register("organisations.places", _l("Lieux"), (Role.COORDINATOR, Role.MEDIATOR), 120, group="clients")
