"""Assets and kits: the list (filters, counts per status, CSV/XLSX export), an asset's page (its data, photo, kit,
what holds it now, its full history), create/edit, retire, mark found, the photo; kits; the CSV import with its
preview; the QR label sheet (PDF).

Mediators see the list, the pages and the kits; everything that changes them, the import, the export and the
labels are for the staff (``access.can_manage_assets``)."""

import csv
import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from coopnum.core import clock, settings
from coopnum.core.access import require, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.spreadsheet import csv_row, xlsx_cell
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_flash, commit_or_show, form_status
from coopnum.inventory import access, queries
from coopnum.inventory.forms.assets import (
    CATEGORY_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
    AssetFilterForm,
    AssetForm,
    ImportConfirmForm,
    ImportForm,
    KitForm,
    PhotoForm,
    RetireForm,
)
from coopnum.inventory.models import Asset, AssetStatus, Kit
from coopnum.inventory.services import assets as services
from coopnum.inventory.services import history, imports, labels
from coopnum.inventory.views import bp

SEE = (Role.COORDINATOR, Role.MEDIATOR)
STAFF = (Role.COORDINATOR,)
IMPORT_SALT = "inventory.assets-import"
IMPORT_MAX_AGE = 3600  # seconds between the preview and the import
FILTERS = ("q", "category", "status", "place_id", "kit_id")


@bp.app_context_processor
def _asset_labels():
    return {"asset_category_labels": CATEGORY_LABELS, "asset_status_labels": STATUS_LABELS,
            "asset_status_badges": STATUS_BADGES}


def _actor():
    return current_user._get_current_object()


def _load(asset_id: int) -> Asset:
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        abort(404)
    require(access.can_see_inventory(current_user))
    return asset


def _managed(asset_id: int) -> Asset:
    asset = _load(asset_id)
    require(access.can_manage_assets(current_user))
    return asset


def _place_choices() -> list[tuple[int, str]]:
    return queries.places(db.session)


def _place_names() -> dict[int, str]:
    return dict(_place_choices())


def _kit_choices(active_only: bool = True) -> list[tuple[int, str]]:
    return queries.kit_choices(db.session, active_only)


# --- the list -------------------------------------------------------------------------------------------------------

def _filters():
    form = AssetFilterForm(request.args)
    form.place_id.choices = [("", _("Tous"))] + [(str(i), n) for i, n in _place_choices()]
    form.kit_id.choices = [("", _("Tous"))] + [(str(i), n) for i, n in _kit_choices(False)]
    form.validate()

    def value(field):
        return (field.data or None) if not field.errors else None

    criteria = {"q": (form.q.data or "") if not form.q.errors else "", "category": value(form.category),
                "place_id": parse_id(value(form.place_id)), "kit_id": parse_id(value(form.kit_id))}
    return form, criteria, value(form.status)


@bp.route("/assets")
@roles_required(*SEE)
def assets():
    require(access.can_see_inventory(current_user))
    form, criteria, status = _filters()
    page = paginate(db.session, services.search_stmt(status=status, **criteria), *page_args(50))
    counts = services.status_counts(db.session, **criteria)
    # the filters as typed, for the links (exports, labels, counts): only the filters' own names, never a name
    # that url_for reads itself (``endpoint``, ``_external``…)
    filters = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    return render_template("inventory/assets/list.html", form=form, page=page, counts=counts,
                           places=_place_names(), kits=dict(_kit_choices(False)), status=status, filters=filters,
                           manage=access.can_manage_assets(current_user))


EXPORT_HEADER = ["Étiquette", "Catégorie", "Modèle", "N° de série", "Date d'achat", "Prix (€)", "Financement",
                 "Lieu", "Kit", "Statut", "Notes"]
# The file format (re-importable): French words, whatever the reader's language.
CATEGORY_WORDS = {"laptop": "Ordinateur portable", "tablet": "Tablette", "smartphone": "Smartphone",
                  "hotspot": "Routeur 4G", "projector": "Vidéoprojecteur", "accessory": "Accessoire"}
STATUS_WORDS = {"available": "Disponible", "deployed": "En prêt", "maintenance": "En maintenance", "lost": "Perdu",
                "retired": "Réformé"}


def _export_rows(stmt, *, xlsx: bool):
    places = _place_names()
    kits = queries.kit_codes(db.session)
    for a in db.session.execute(stmt).scalars():
        if xlsx:
            day = a.purchase_date
            price = a.purchase_price_cents / 100 if a.purchase_price_cents is not None else ""
        else:
            day = a.purchase_date.strftime("%d/%m/%Y") if a.purchase_date else ""
            price = (f"{a.purchase_price_cents // 100},{a.purchase_price_cents % 100:02d}"
                     if a.purchase_price_cents is not None else "")
        yield [a.tag, CATEGORY_WORDS.get(a.category, a.category), a.model, a.serial, day or "", price, a.funding,
               places.get(a.place_id, ""), kits.get(a.kit_id, ""), STATUS_WORDS.get(a.status, a.status), a.notes]


@bp.route("/assets.<fmt>")
@roles_required(*STAFF)
def assets_export(fmt: str):
    require(access.can_manage_assets(current_user))
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, criteria, status = _filters()
    stmt = services.search_stmt(status=status, **criteria)
    stamp = clock.today().isoformat()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(EXPORT_HEADER)
        for row in _export_rows(stmt, xlsx=False):
            writer.writerow(csv_row(row))
        data = ("\ufeff" + out.getvalue()).encode("utf-8")
        mimetype = "text/csv"  # werkzeug adds "; charset=utf-8" to text/*
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Matériel")
        ws.append(EXPORT_HEADER)
        for row in _export_rows(stmt, xlsx=True):
            ws.append([xlsx_cell(ws, v) if v != "" else None for v in row])
        buffer = io.BytesIO()
        wb.save(buffer)
        data = buffer.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="materiel-{stamp}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- an asset -------------------------------------------------------------------------------------------------------

@bp.route("/assets/<int:asset_id>")
@roles_required(*SEE)
def asset(asset_id: int):
    asset = _load(asset_id)
    return _render_asset(asset)


def _render_asset(asset: Asset, retire_form=None, photo_form=None, status: int = 200):
    now = clock.now()
    retire_form = retire_form or RetireForm(prefix="retire")
    if request.method == "GET":
        retire_form.on.data = clock.today()
    from coopnum.organisations.models import Place

    place = db.session.get(Place, asset.place_id) if asset.place_id else None
    kit = db.session.get(Kit, asset.kit_id) if asset.kit_id else None
    return render_template(
        "inventory/assets/asset.html", asset=asset, place=place, kit=kit,
        current=history.current_bookings(db.session, asset, now, current_user),
        events=history.asset_history(db.session, asset, current_user),
        has_photo=services.has_photo(db.session, asset.id), retire_form=retire_form,
        photo_form=photo_form or PhotoForm(prefix="photo"), manage=access.can_manage_assets(current_user)), status


def _asset_form(form: AssetForm) -> None:
    form.place_id.choices = [(0, "—")] + _place_choices()
    form.kit_id.choices = [(0, _("Aucun"))] + _kit_choices()


def _asset_values(form: AssetForm) -> dict:
    return {"tag": form.tag.data, "category": form.category.data, "model": form.model.data,
            "serial": form.serial.data or "", "purchase_date": form.purchase_date.data,
            "purchase_price_cents": form.purchase_price.data, "funding": form.funding.data or "",
            "place_id": form.place_id.data or None, "kit_id": form.kit_id.data or None, "notes": form.notes.data or ""}


@bp.route("/assets/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def asset_new():
    require(access.can_manage_assets(current_user))
    form = AssetForm()
    _asset_form(form)
    if form.validate_on_submit():
        ok, asset = commit_or_show(form, lambda: services.create_asset(
            db.session, _actor(), now=clock.now(), **_asset_values(form)))
        if ok:
            flash(_("Matériel %(tag)s enregistré.", tag=asset.tag), "success")
            return redirect(url_for("inventory.asset", asset_id=asset.id))
    return render_template("inventory/assets/form.html", form=form, asset=None), form_status()


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def asset_edit(asset_id: int):
    asset = _managed(asset_id)
    form = AssetForm(obj=asset)
    _asset_form(form)
    if request.method == "GET":
        form.purchase_price.data = asset.purchase_price_cents
        form.place_id.data = asset.place_id or 0
        form.kit_id.data = asset.kit_id or 0
    if form.validate_on_submit():
        ok, _a = commit_or_show(form, lambda: services.update_asset(
            db.session, _actor(), asset, now=clock.now(), **_asset_values(form)))
        if ok:
            flash(_("Matériel %(tag)s enregistré.", tag=asset.tag), "success")
            return redirect(url_for("inventory.asset", asset_id=asset.id))
    return render_template("inventory/assets/form.html", form=form, asset=asset), form_status()


@bp.route("/assets/<int:asset_id>/retire", methods=["POST"])
@roles_required(*STAFF)
def asset_retire(asset_id: int):
    asset = _managed(asset_id)
    form = RetireForm(prefix="retire")
    if form.validate_on_submit():
        ok, _a = commit_or_show(form, lambda: services.retire_asset(
            db.session, _actor(), asset, on=form.on.data, reason=form.reason.data, now=clock.now()))
        if ok:
            flash(_("%(tag)s est réformé.", tag=asset.tag), "success")
            return redirect(url_for("inventory.asset", asset_id=asset.id))
    return _render_asset(asset, retire_form=form, status=400)


@bp.route("/assets/<int:asset_id>/found", methods=["POST"])
@roles_required(*STAFF)
def asset_found(asset_id: int):
    asset = _managed(asset_id)
    commit_or_flash(lambda: services.mark_found(db.session, _actor(), asset, now=clock.now()),
                    _("%(tag)s est retrouvé.", tag=asset.tag))
    return redirect(url_for("inventory.asset", asset_id=asset.id))


@bp.route("/assets/<int:asset_id>/photo", methods=["POST"])
@roles_required(*STAFF)
def asset_photo_upload(asset_id: int):
    asset = _managed(asset_id)
    form = PhotoForm(prefix="photo")
    if form.validate_on_submit():
        data = form.photo.data.read(services.PHOTO_MAX_BYTES + 1)
        ok, _p = commit_or_show(form, lambda: services.set_photo(db.session, _actor(), asset, data, now=clock.now()))
        if ok:
            flash(_("Photo enregistrée."), "success")
            return redirect(url_for("inventory.asset", asset_id=asset.id))
    return _render_asset(asset, photo_form=form, status=400)


@bp.route("/assets/<int:asset_id>/photo/delete", methods=["POST"])
@roles_required(*STAFF)
def asset_photo_delete(asset_id: int):
    asset = _managed(asset_id)
    commit_or_flash(lambda: services.remove_photo(db.session, _actor(), asset, now=clock.now()),
                    _("Photo supprimée."))
    return redirect(url_for("inventory.asset", asset_id=asset.id))


@bp.route("/assets/<int:asset_id>/photo")
@roles_required(*SEE)
def asset_photo(asset_id: int):
    asset = _load(asset_id)
    photo = queries.asset_photo(db.session, asset.id)
    if photo is None:
        abort(404)
    response = Response(photo.data, mimetype=photo.content_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = f'inline; filename="{asset.tag}.{photo.content_type.split("/")[1]}"'
    return response


# --- labels ---------------------------------------------------------------------------------------------------------

def label_base_url() -> str:
    """Where a label's QR code leads: the public address of the application (COOPNUM_BASE_URL)."""
    return current_app.config.get("COOPNUM_BASE_URL") or request.url_root


@bp.route("/assets/labels.pdf")
@roles_required(*STAFF)
def labels_pdf():
    require(access.can_manage_assets(current_user))
    ids = [i for i in (parse_id(v) for v in request.args.getlist("asset_id")) if i]
    if request.args.get("picked") and not ids:
        raise DomainError(_("Cochez au moins un matériel dans la liste."))
    if ids:
        stmt = queries.labels_stmt(ids, labels.MAX_LABELS + 1)
    else:
        _form, criteria, status = _filters()
        stmt = services.search_stmt(status=status, **criteria)
        if not status:
            stmt = stmt.where(Asset.status != AssetStatus.RETIRED)
    chosen = list(db.session.execute(stmt.limit(labels.MAX_LABELS + 1)).scalars())
    if not chosen:
        raise DomainError(_("Aucun matériel à étiqueter : choisissez du matériel dans la liste."))
    if len(chosen) > labels.MAX_LABELS:
        raise DomainError(_("Trop d'étiquettes à la fois (%(max)s au plus) : filtrez la liste.",
                            max=labels.MAX_LABELS))
    sheet = labels.labels_for(chosen, label_base_url())
    with force_locale("fr"):
        html = render_template("inventory/assets/pdf/labels.html", pages=labels.pages(sheet),
                               company=settings.get(db.session, "company.name"))
    response = Response(labels.render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="etiquettes.pdf"'
    return response


# --- import ---------------------------------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=IMPORT_SALT)


def _render_import(form=None, checked=None, confirm=None, status: int = 200):
    return render_template("inventory/assets/import.html", form=form or ImportForm(), checked=checked,
                           confirm=confirm, columns=imports.COLUMNS), status


@bp.route("/assets/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def assets_import():
    require(access.can_manage_assets(current_user))
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_import(form, status=form_status())
    data = form.file.data.read(imports.MAX_BYTES + 1)
    if len(data) > imports.MAX_BYTES:
        form.file.errors.append(_("Fichier trop volumineux (1 Mo au plus)."))
        return _render_import(form, status=400)
    text = imports.decode(data)
    checked = imports.preview(db.session, text, now=clock.now())
    confirm = None
    if checked.ok:
        confirm = ImportConfirmForm(formdata=None)
        confirm.content.data = _serializer().dumps(text)
    return _render_import(ImportForm(formdata=None), checked, confirm)


@bp.route("/assets/import/confirm", methods=["POST"])
@roles_required(*STAFF)
def assets_import_confirm():
    require(access.can_manage_assets(current_user))
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash(_("Le fichier vérifié n'a pas été transmis : recommencez l'import."), "error")
        return _render_import(status=400)
    try:
        text = _serializer().loads(form.content.data, max_age=IMPORT_MAX_AGE)
    except BadSignature:
        flash(_("Le fichier vérifié a expiré ou a été modifié : recommencez l'import."), "error")
        return _render_import(status=400)
    ok, created = commit_or_flash(lambda: imports.import_rows(db.session, _actor(), text, now=clock.now()))
    if not ok:
        checked = imports.preview(db.session, text, now=clock.now())
        return _render_import(ImportForm(formdata=None), checked, None, status=409)
    flash(_("%(count)s matériels importés.", count=len(created)), "success")
    return redirect(url_for("inventory.assets"))


@bp.route("/assets/import/modele.csv")
@roles_required(*STAFF)
def assets_import_template():
    require(access.can_manage_assets(current_user))
    response = Response(imports.template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="modele-import-materiel.csv"'
    return response


# --- kits -----------------------------------------------------------------------------------------------------------

def _load_kit(kit_id: int) -> Kit:
    kit = db.session.get(Kit, kit_id)
    if kit is None:
        abort(404)
    require(access.can_see_inventory(current_user))
    return kit


@bp.route("/kits")
@roles_required(*SEE)
def kits():
    require(access.can_see_inventory(current_user))
    rows = queries.kits(db.session)
    sizes = queries.kit_sizes(db.session)
    return render_template("inventory/kits/list.html", kits=rows, sizes=sizes, places=_place_names(),
                           manage=access.can_manage_assets(current_user))


@bp.route("/kits/<int:kit_id>")
@roles_required(*SEE)
def kit(kit_id: int):
    kit = _load_kit(kit_id)
    members = queries.kit_assets(db.session, kit.id)
    return render_template("inventory/kits/kit.html", kit=kit, members=members, places=_place_names(),
                           manage=access.can_manage_assets(current_user))


def _kit_form(form: KitForm, kit: Kit | None) -> None:
    form.place_id.choices = [(0, "—")] + _place_choices()
    form.asset_ids.choices = [(r.id, f"{r.tag} — {r.model}")
                              for r in queries.kit_candidates(db.session, kit.id if kit else None)]


def _kit_values(form: KitForm) -> dict:
    return {"code": form.code.data, "name": form.name.data, "description": form.description.data or "",
            "place_id": form.place_id.data or None, "asset_ids": form.asset_ids.data or []}


@bp.route("/kits/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def kit_new():
    require(access.can_manage_assets(current_user))
    form = KitForm()
    _kit_form(form, None)
    if form.validate_on_submit():
        ok, kit = commit_or_show(form, lambda: services.create_kit(db.session, _actor(), now=clock.now(),
                                                                    **_kit_values(form)))
        if ok:
            flash(_("Kit %(code)s enregistré.", code=kit.code), "success")
            return redirect(url_for("inventory.kit", kit_id=kit.id))
    return render_template("inventory/kits/form.html", form=form, kit=None), form_status()


@bp.route("/kits/<int:kit_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def kit_edit(kit_id: int):
    kit = _load_kit(kit_id)
    require(access.can_manage_assets(current_user))
    form = KitForm(obj=kit)
    _kit_form(form, kit)
    if request.method == "GET":
        form.place_id.data = kit.place_id or 0
        form.asset_ids.data = [a.id for a in kit.assets]
    if form.validate_on_submit():
        ok, _k = commit_or_show(form, lambda: services.update_kit(db.session, _actor(), kit, now=clock.now(),
                                                                   **_kit_values(form)))
        if ok:
            flash(_("Kit %(code)s enregistré.", code=kit.code), "success")
            return redirect(url_for("inventory.kit", kit_id=kit.id))
    return render_template("inventory/kits/form.html", form=form, kit=kit), form_status()


@bp.route("/kits/<int:kit_id>/deactivate", methods=["POST"])
@roles_required(*STAFF)
def kit_deactivate(kit_id: int):
    kit = _load_kit(kit_id)
    require(access.can_manage_assets(current_user))
    commit_or_flash(lambda: services.deactivate_kit(db.session, _actor(), kit, now=clock.now()),
                    _("Kit %(code)s désactivé : son matériel est libéré.", code=kit.code))
    return redirect(url_for("inventory.kit", kit_id=kit.id))
