"""Reservations, loans, the availability search and the calendars of an asset or a kit; the panel of the session
page (« Réserver du matériel pour cette séance »).

A mediator sees the inventory and the availability, reserves for itself (and cancels or moves its own
reservations), sees its own loans; the coordination (and admin) does everything, lends and takes back."""

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock
from coopnum.core.access import is_staff, require, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role, User
from coopnum.core.pagination import COUNT_LIMIT, page_args, paginate
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_flash, commit_or_show, form_status
from coopnum.inventory import access, queries
from coopnum.inventory.forms.bookings import (
    BORROWER_LABELS,
    CATEGORY_LABELS,
    CONDITION_LABELS,
    LOAN_STATUS_BADGES,
    LOAN_STATUS_LABELS,
    RESERVATION_STATUS_BADGES,
    RESERVATION_STATUS_LABELS,
    CheckinForm,
    CheckoutForm,
    ExtendForm,
    LoanFilterForm,
    LostForm,
    ReservationChangeForm,
    ReservationCheckoutForm,
    ReservationFilterForm,
    ReservationForm,
    aware,
    local,
)
from coopnum.inventory.models import (
    LENDABLE,
    RESERVABLE,
    Asset,
    Kit,
    Loan,
    Reservation,
)
from coopnum.inventory.services import bookings as svc
from coopnum.inventory.services import conflicts
from coopnum.inventory.views import bp

USERS = (Role.COORDINATOR, Role.MEDIATOR)
STAFF = (Role.COORDINATOR,)


@bp.app_context_processor
def _booking_labels():
    return {"reservation_status_labels": RESERVATION_STATUS_LABELS,
            "reservation_status_badges": RESERVATION_STATUS_BADGES, "loan_status_labels": LOAN_STATUS_LABELS,
            "loan_status_badges": LOAN_STATUS_BADGES, "condition_labels": CONDITION_LABELS,
            "borrower_labels": BORROWER_LABELS, "category_labels": CATEGORY_LABELS}


def _actor() -> User:
    return current_user._get_current_object()


def _load(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _mediator_choices() -> list[tuple[int, str]]:
    from coopnum.missions.services.assignment import mediators

    return [(u.id, u.full_name) for u in mediators(db.session)]


def _user_choices_with(user_ids) -> list[tuple[int, str]]:
    """The mediators, plus the users named (a coordinator responsible for a loan, the actor)."""
    choices = _mediator_choices()
    known = {i for i, _n in choices}
    missing = [i for i in user_ids if i and i not in known]
    if missing:
        choices += list(queries.user_names(db.session, missing).items())
    return choices


def _asset_choices(statuses) -> tuple[list[tuple[int, str]], list[Asset]]:
    assets = queries.assets_with_status(db.session, statuses)
    return [(a.id, f"{a.tag} — {a.model}") for a in assets], assets


def _kit_choices() -> list[tuple[str, str]]:
    kits = queries.active_kits(db.session)
    return [("", "—")] + [(str(k.id), f"{k.code} — {k.name}") for k in kits]


def _grouped(assets: list[Asset]) -> list[tuple[str, list[int]]]:
    """(label, asset ids) for the checkboxes: by category, then the assets of each kit under the kit's name."""
    kits = queries.kits_of(db.session, assets)
    groups: dict[str, list[int]] = {}
    for a in assets:
        if a.kit_id in kits:
            continue
        groups.setdefault(str(CATEGORY_LABELS.get(a.category, a.category)), []).append(a.id)
    for kit in sorted(kits.values(), key=lambda k: k.code):
        groups[_("Kit %(code)s — %(name)s", code=kit.code, name=kit.name)] = [a.id for a in assets
                                                                           if a.kit_id == kit.id]
    return list(groups.items())


def _assets_by_id(ids) -> dict[int, Asset]:
    return queries.assets_by_id(db.session, ids)


# --- reservations ----------------------------------------------------------------------------------------------------

@bp.route("/reservations")
@roles_required(*USERS)
def reservations():
    form = ReservationFilterForm(request.args)
    staff = is_staff(current_user)
    if staff:
        form.user_id.choices = [("", _("Tout le monde"))] + [(str(i), n) for i, n in _mediator_choices()]
    else:
        del form.user_id
    form.validate()
    user_id = None
    if not staff:
        user_id = current_user.id
    elif form.user_id.data and not form.user_id.errors:
        user_id = parse_id(form.user_id.data)
    status = form.status.data if not form.status.errors else ""
    stmt = queries.reservations_stmt(user_id=user_id, status=status, now=clock.now())
    page = paginate(db.session, stmt, *page_args(50), count_limit=COUNT_LIMIT)
    return render_template("inventory/bookings/reservations.html", form=form, page=page, staff=staff,
                           names=_names(r.user_id for r in page.items),
                           assets=_assets_by_id(b.asset_id for r in page.items for b in r.bookings))


def _names(user_ids) -> dict[int, str]:
    return queries.user_names(db.session, user_ids)


def _reservation_form() -> tuple[ReservationForm, list[Asset]]:
    form = ReservationForm()
    if is_staff(current_user):
        form.user_id.choices = _user_choices_with([current_user.id])
    else:
        del form.user_id
    form.assets.choices, assets = _asset_choices(RESERVABLE)
    form.kit_id.choices = _kit_choices()
    return form, assets


def _session_of(form) -> object | None:
    from coopnum.missions.models import MissionSession

    session_id = parse_id(form.session_id.data)
    return db.session.get(MissionSession, session_id) if session_id else None


@bp.route("/reservations/new", methods=["GET", "POST"])
@roles_required(*USERS)
def reservation_new():
    require(access.can_reserve(current_user))
    form, assets = _reservation_form()
    if request.method == "GET":
        form.session_id.data = request.args.get("session_id", "")
        ms = _session_of(form)
        if ms is not None:
            form.starts_at.data, form.ends_at.data = local(max(ms.start, clock.now())), local(ms.end)
        else:
            form.session_id.data = ""
            start = _arg_datetime("start")
            end = _arg_datetime("end")
            if start and end:
                form.starts_at.data, form.ends_at.data = local(start), local(end)
        if asset_ids := [i for i in map(parse_id, request.args.getlist("asset_id")[:100]) if i]:
            form.assets.data = asset_ids  # one asset, or the selection of the availability search
        if kit_id := parse_id(request.args.get("kit_id")):
            form.kit_id.data = kit_id
        if form.user_id:
            form.user_id.data = current_user.id
    ms = _session_of(form)
    if request.method == "POST" and form.user_id is None and parse_id(request.form.get("user_id")) not in (
            None, current_user.id):
        abort(403)  # a mediator reserves for itself only
    if form.validate_on_submit():
        user_id = form.user_id.data if form.user_id else current_user.id
        require(access.can_reserve_for(current_user, user_id))
        period_given = form.starts_at.data is not None or form.ends_at.data is not None
        ok, reservation = commit_or_show(form, lambda: svc.reserve(
            db.session, actor=_actor(), now=clock.now(), user_id=user_id,
            starts_at=aware(form.starts_at.data) if period_given or ms is None else None,
            ends_at=aware(form.ends_at.data) if period_given or ms is None else None,
            asset_ids=form.assets.data or [], kit_id=form.kit_id.data, session_id=ms.id if ms else None,
            notes=form.notes.data or ""), show=_show_on_reservation_form)
        if ok:
            flash(_("Réservation enregistrée."), "success")
            if ms is not None:
                return redirect(url_for("missions.session_detail", session_id=ms.id))
            return redirect(url_for("inventory.reservation", reservation_id=reservation.id))
    return render_template("inventory/bookings/reservation_form.html", form=form, groups=_grouped(assets),
                           mission_session=ms, busy=_busy(form, assets, ms)), form_status()


def _busy(form, assets, ms) -> dict[int, str]:
    """The assets already booked over the form's period (or the session's), to mark them on the form."""
    start, end = form.starts_at.data, form.ends_at.data
    if start is None or end is None or form.starts_at.errors or form.ends_at.errors:
        if ms is None:
            return {}
        start, end = ms.start, ms.end
    else:
        start, end = aware(start), aware(end)
    if end <= start:
        return {}
    return conflicts.busy_during(db.session, [a.id for a in assets], start, end)


def _show_on_reservation_form(form, exc) -> None:
    from coopnum.core.views import form_error

    field = exc.field
    if field in ("kit_id",) or (field == "assets" and not form.assets.data and form.kit_id.data):
        exc.field = "kit_id"
    if field == "session_id":
        exc.field = None
    form_error(form, exc)


def _arg_datetime(name: str) -> datetime | None:
    raw = request.args.get(name, "")
    try:
        value = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return aware(value) if 2000 <= value.year <= 2100 else None


def _render_reservation(reservation: Reservation, change_form=None, checkout_form=None, status: int = 200):
    can_change = access.can_change_reservation(current_user, reservation)
    can_lend = access.can_lend(current_user)
    if change_form is None and can_change:
        change_form = ReservationChangeForm(prefix="change", data={
            "starts_at": local(reservation.starts_at), "ends_at": local(reservation.ends_at),
            "notes": reservation.notes})
    if checkout_form is None and can_lend:
        checkout_form = ReservationCheckoutForm(prefix="checkout", data={"due_at": local(reservation.ends_at)})
    from coopnum.missions.models import MissionSession

    ms = db.session.get(MissionSession, reservation.session_id) if reservation.session_id else None
    kit = db.session.get(Kit, reservation.kit_id) if reservation.kit_id else None
    return render_template(
        "inventory/bookings/reservation.html", r=reservation, change_form=change_form, checkout_form=checkout_form,
        can_change=can_change, can_lend=can_lend, mission_session=ms, kit=kit,
        assets=_assets_by_id(b.asset_id for b in reservation.bookings), names=_names(
            [reservation.user_id, reservation.created_by_id])), status


@bp.route("/reservations/<int:reservation_id>")
@roles_required(*USERS)
def reservation(reservation_id: int):
    r = _load(Reservation, reservation_id)
    require(access.can_see_reservation(current_user, r))
    return _render_reservation(r)


@bp.route("/reservations/<int:reservation_id>/cancel", methods=["POST"])
@roles_required(*USERS)
def reservation_cancel(reservation_id: int):
    r = _load(Reservation, reservation_id)
    require(access.can_change_reservation(current_user, r))
    commit_or_flash(lambda: svc.cancel_reservation(db.session, r, actor=_actor(), now=clock.now()),
                    _("Réservation annulée."))
    return redirect(url_for("inventory.reservation", reservation_id=r.id))


@bp.route("/reservations/<int:reservation_id>/change", methods=["POST"])
@roles_required(*USERS)
def reservation_change(reservation_id: int):
    r = _load(Reservation, reservation_id)
    require(access.can_change_reservation(current_user, r))
    form = ReservationChangeForm(prefix="change")
    if form.validate_on_submit():
        ok, _r = commit_or_show(form, lambda: svc.change_reservation(
            db.session, r, actor=_actor(), now=clock.now(), starts_at=aware(form.starts_at.data),
            ends_at=aware(form.ends_at.data), notes=form.notes.data or ""))
        if ok:
            flash(_("Réservation modifiée."), "success")
            return redirect(url_for("inventory.reservation", reservation_id=r.id))
    return _render_reservation(r, change_form=form, status=400)


@bp.route("/reservations/<int:reservation_id>/checkout", methods=["POST"])
@roles_required(*STAFF)
def reservation_checkout(reservation_id: int):
    r = _load(Reservation, reservation_id)
    require(access.can_lend(current_user))
    form = ReservationCheckoutForm(prefix="checkout")
    if form.validate_on_submit():
        ok, loan = commit_or_show(form, lambda: svc.checkout_reservation(
            db.session, r, actor=_actor(), now=clock.now(), due_at=aware(form.due_at.data),
            condition_out=form.condition_out.data, condition_out_notes=form.condition_out_notes.data or "",
            signature=form.signature.data or None))
        if ok:
            flash(_("Prêt enregistré : le matériel est sorti."), "success")
            return redirect(url_for("inventory.loan", loan_id=loan.id))
    return _render_reservation(r, checkout_form=form, status=400)


# --- loans ---------------------------------------------------------------------------------------------------------

@bp.route("/loans")
@roles_required(*USERS)
def loans():
    require(access.can_see_loans(current_user))
    args = request.args.copy()
    if "state" in args and "status" not in args:  # the dashboard's links say ``state``
        args["status"] = args["state"]
    form = LoanFilterForm(args)
    form.validate()
    status = (form.status.data if not form.status.errors else None) or "open"
    staff = is_staff(current_user)
    now = clock.now()
    stmt = queries.loans_stmt(user_id=None if staff else current_user.id, status=status, now=now)
    page = paginate(db.session, stmt, *page_args(50), count_limit=COUNT_LIMIT)
    return render_template("inventory/bookings/loans.html", form=form, page=page, status=status, staff=staff,
                           now=now, names=_names(loan.user_id for loan in page.items),
                           assets=_assets_by_id(b.asset_id for loan in page.items for b in loan.bookings),
                           title=_("Prêts de matériel"))


@bp.route("/loans/overdue")
@roles_required(*USERS)
def overdue():
    require(access.can_see_loans(current_user))
    now = clock.now()
    rows = svc.overdue_loans(db.session, now, user_id=None if is_staff(current_user) else current_user.id)
    return render_template("inventory/bookings/overdue.html", rows=rows, now=now,
                           names=_names(loan.user_id for loan in rows),
                           assets=_assets_by_id(b.asset_id for loan in rows for b in loan.bookings))


def _checkout_form() -> tuple[CheckoutForm, list[Asset]]:
    form = CheckoutForm()
    form.user_id.choices = [("", "—")] + [(str(i), n) for i, n in _user_choices_with([current_user.id])]
    now = clock.now()
    sessions, missions = queries.loan_targets(db.session, now)
    form.session_id.choices = [("", "—")] + [
        (str(s.id), f"{clock.to_paris(s.start):%d/%m %H:%M} — {s.mission.title}") for s in sessions]
    form.mission_id.choices = [("", "—")] + [(str(m.id), m.title) for m in missions]
    form.kit_id.choices = _kit_choices()
    form.assets.choices, assets = _asset_choices(LENDABLE)
    return form, assets


@bp.route("/loans/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def loan_new():
    require(access.can_lend(current_user))
    form, assets = _checkout_form()
    if request.method == "GET":
        form.due_at.data = local(clock.now() + timedelta(days=7))
        if asset_id := parse_id(request.args.get("asset_id")):
            form.assets.data = [asset_id]
        if kit_id := parse_id(request.args.get("kit_id")):
            form.kit_id.data = kit_id
    if form.validate_on_submit():
        borrower = svc.Borrower(kind=form.borrower_kind.data, user_id=form.user_id.data,
                                session_id=form.session_id.data, mission_id=form.mission_id.data,
                                name=form.borrower_name.data or "", phone=form.borrower_phone.data or "",
                                commune=form.borrower_commune.data or "")
        ok, loan = commit_or_show(form, lambda: svc.checkout(
            db.session, actor=_actor(), now=clock.now(), borrower=borrower, due_at=aware(form.due_at.data),
            asset_ids=form.assets.data or [], kit_id=form.kit_id.data, condition_out=form.condition_out.data,
            condition_out_notes=form.condition_out_notes.data or "", notes=form.notes.data or "",
            signature=form.signature.data or None))
        if ok:
            flash(_("Prêt enregistré : le matériel est sorti."), "success")
            return redirect(url_for("inventory.loan", loan_id=loan.id))
    return render_template("inventory/bookings/loan_form.html", form=form, groups=_grouped(assets)), form_status()


def _loan_forms(loan: Loan) -> dict:
    out = [(b.asset_id, b.asset.tag if b.asset else str(b.asset_id)) for b in loan.bookings if b.open_loan]
    forms = {"checkin": CheckinForm(prefix="checkin"), "extend": ExtendForm(prefix="extend"),
             "lost": LostForm(prefix="lost")}
    forms["checkin"].damaged.choices = out
    forms["lost"].assets.choices = out
    if request.method == "GET":
        forms["extend"].due_at.data = local(loan.due_at + timedelta(days=7))
    return forms


def _render_loan(loan: Loan, forms: dict | None = None, status: int = 200):
    from coopnum.missions.models import Mission, MissionSession

    forms = forms or _loan_forms(loan)
    ms = db.session.get(MissionSession, loan.session_id) if loan.session_id else None
    mission = db.session.get(Mission, loan.mission_id) if loan.mission_id else None
    reservation = queries.reservation_of_loan(db.session, loan.id)
    return render_template(
        "inventory/bookings/loan.html", loan=loan, forms=forms, can_lend=access.can_lend(current_user),
        mission_session=ms, mission=mission, reservation=reservation, now=clock.now(),
        kit=db.session.get(Kit, loan.kit_id) if loan.kit_id else None,
        assets=_assets_by_id(b.asset_id for b in loan.bookings),
        names=_names([loan.user_id, loan.checked_out_by_id, loan.checked_in_by_id])), status


@bp.route("/loans/<int:loan_id>")
@roles_required(*USERS)
def loan(loan_id: int):
    row = _load(Loan, loan_id)
    require(access.can_see_loan(current_user, row))
    return _render_loan(row)


@bp.route("/loans/<int:loan_id>/signature.png")
@roles_required(*USERS)
def loan_signature(loan_id: int):
    row = _load(Loan, loan_id)
    require(access.can_see_loan(current_user, row))
    if not row.signature_png:
        abort(404)
    import io

    response = send_file(io.BytesIO(row.signature_png), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


LOAN_ACTIONS = {
    "return": ("checkin", lambda loan, f: svc.checkin(db.session, loan, actor=_actor(), now=clock.now(),
                                                      condition_in=f.condition_in.data, notes=f.notes.data or "",
                                                      damaged_asset_ids=f.damaged.data or None),
               _l("Retour enregistré.")),
    "extend": ("extend", lambda loan, f: svc.extend(db.session, loan, actor=_actor(), now=clock.now(),
                                                    due_at=aware(f.due_at.data)),
               _l("Prêt prolongé.")),
    "lost": ("lost", lambda loan, f: svc.declare_lost(db.session, loan, actor=_actor(), now=clock.now(),
                                                      asset_ids=f.assets.data),
             _l("Perte enregistrée.")),
}


@bp.route("/loans/<int:loan_id>/<any(return, extend, lost):action>", methods=["POST"])
@roles_required(*STAFF)
def loan_action(loan_id: int, action: str):
    row = _load(Loan, loan_id)
    require(access.can_lend(current_user))
    name, run, message = LOAN_ACTIONS[action]
    forms = _loan_forms(row)
    form = forms[name]
    if form.validate_on_submit():
        ok, _result = commit_or_show(form, lambda: run(row, form))
        if ok:
            flash(str(message), "success")
            return redirect(url_for("inventory.loan", loan_id=row.id))
    return _render_loan(row, forms, status=400)


# --- the session page's panel ----------------------------------------------------------------------------------------

def _session_panel(user, obj) -> dict | None:
    if not access.can_see_inventory(user):
        return None
    reservations = svc.reservations_of_session(db.session, obj.id)
    loans = svc.loans_of_session(db.session, obj.id)
    assets = _assets_by_id([b.asset_id for r in reservations for b in r.bookings]
                           + [b.asset_id for loan in loans for b in loan.bookings])
    return {"reservations": reservations, "loans": loans, "assets": assets,
            "names": _names([r.user_id for r in reservations] + [loan.user_id for loan in loans]),
            "can_reserve": access.can_reserve(user) and obj.status != "cancelled" and obj.end > clock.now(),
            "reserve_url": url_for("inventory.reservation_new", session_id=obj.id),
            "can_see_loan": lambda loan: access.can_see_loan(user, loan)}


def register_panels() -> None:
    """The session page's panel (slot "missions.session")."""
    from coopnum.core import slots

    slots.register("missions.session", "inventory/bookings/_session_panel.html", context=_session_panel, order=50)

