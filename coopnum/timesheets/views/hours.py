"""Pages of the missions domain: hours — confirming a session, « Mes heures » (a mediator's month, extra hours,
sending the month), the coordination's timesheets (validate, send back, reopen) and the month's dashboard of
hours; the dashboard panels of both."""

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, dashboard, mail, navigation, outbox, slots
from coopnum.core.access import is_staff, load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.formats import elide
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.core.views import commit_or_flash, commit_or_show, form_status, safe_next
from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.organisations.forms.conventions import VOLUME_UNIT_LABELS
from coopnum.timesheets import access
from coopnum.timesheets.forms.hours import (
    CATEGORY_LABELS,
    NOT_HELD_LABELS,
    TIMESHEET_STATUS_BADGES,
    TIMESHEET_STATUS_LABELS,
    ConfirmForm,
    EntryForm,
    ReopenForm,
    SendBackForm,
)
from coopnum.timesheets.models import TimeEntry, TimesheetStatus
from coopnum.timesheets.services import bulk, hours
from coopnum.timesheets.services import timesheets as sheets
from coopnum.timesheets.views import bp


@bp.app_context_processor
def _hours_labels():
    return {
        "not_held_labels": NOT_HELD_LABELS,
        "time_category_labels": CATEGORY_LABELS,
        "timesheet_status_labels": TIMESHEET_STATUS_LABELS,
        "timesheet_status_badges": TIMESHEET_STATUS_BADGES,
        "month_key": hours.month_key,
    }


# --- helpers ------------------------------------------------------------------------------------------------------

def _this_month() -> date:
    return hours.current_month(clock.now())


def _requested_month() -> date:
    """``?month=YYYY-MM``; nothing is this month; anything invalid is this month, with a warning (never an error)."""
    text = request.args.get("month", "").strip()
    if not text:
        return _this_month()
    try:
        return hours.parse_month(text)
    except DomainError as exc:
        flash(exc.message + " " + _("Affichage du mois en cours."), "warning")
        return _this_month()


def _path_month(text: str) -> date:
    try:
        return hours.parse_month(text)
    except DomainError:
        abort(404)


def _month_nav(endpoint: str, month: date, **args) -> dict:
    return {"endpoint": endpoint, "args": args, "month": month, "prev": hours.previous_month(month),
            "next": hours.next_month(month), "this": _this_month()}


def _here() -> str:
    return request.full_path if request.query_string else request.path


def _get_session(session_id: int) -> MissionSession:
    return load_or_404(MissionSession, session_id, access.can_confirm)


def _entry_data(form: EntryForm) -> hours.EntryData:
    return hours.EntryData(day=form.day.data, minutes=form.minutes.data, category=form.category.data,
                           convention_id=form.convention_id.data or None, note=form.note.data or "")


def _entry_choices(form: EntryForm, user_id: int, include_id: int | None = None) -> None:
    form.convention_id.choices = [(0, "—")] + [
        (c.id, f"{c.reference} — {c.organisation.name}")
        for c in hours.conventions_of(db.session, user_id, today=clock.today(), include_id=include_id)
    ]


# --- confirming a session -----------------------------------------------------------------------------------------

def _confirm_form(s: MissionSession) -> ConfirmForm:
    form = ConfirmForm()
    if is_staff(current_user):
        form.for_user_id.choices = [(a.user_id, a.user.full_name) for a in s.assignments]
    else:
        del form.for_user_id
    return form


def _prefill(form: ConfirmForm, s: MissionSession) -> None:
    mediator_id = current_user.id
    if "for_user_id" in form and s.assignments:
        if not access.is_assigned(s, current_user.id):
            mediator_id = s.assignments[0].user_id
        form.for_user_id.data = mediator_id
    entry = hours.session_entry(db.session, s.id, mediator_id)
    if s.status == SessionStatus.NOT_HELD:
        form.outcome.data = "not_held"
        form.reason.data = s.not_held_reason or ""
        form.reason_text.data = s.cancel_reason
        form.minutes.data = entry.minutes if entry else 0
    else:
        form.outcome.data = "held"
        form.minutes.data = entry.minutes if entry else (s.held_minutes or s.duration_minutes)


def confirm_form_for(s: MissionSession) -> ConfirmForm | None:
    """The prefilled confirmation form of a started session, for the session page; None when the current user may
    not confirm it (or it cannot be confirmed yet)."""
    now = clock.now()
    if not access.can_confirm(current_user, s) or s.status == SessionStatus.CANCELLED or s.start > now:
        return None
    form = _confirm_form(s)
    _prefill(form, s)
    return form


def _after_confirm(s: MissionSession):
    target = safe_next(request.values.get("next"))
    if target:
        return redirect(target)
    if current_user.has_role(Role.MEDIATOR) and access.is_assigned(s, current_user.id):
        return redirect(url_for("missions.my_week", date=hours.paris_day(s.start).isoformat()))
    return redirect(url_for("missions.session_detail", session_id=s.id))


@bp.route("/sessions/<int:session_id>/confirm", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_confirm(session_id: int):
    """One click (``outcome=held`` only: held for the planned duration) or the small form (another duration, or
    not held with a reason)."""
    s = _get_session(session_id)
    form = _confirm_form(s)
    if request.method == "GET":
        _prefill(form, s)
    if form.validate_on_submit():
        held = form.outcome.data == "held"
        ok, _entry = commit_or_show(form, lambda: hours.confirm_session(
            db.session, current_user._get_current_object(), s, held=held, minutes=form.minutes.data,
            reason=form.reason.data or None, reason_text=form.reason_text.data or "", now=clock.now(),
            for_user_id=form.for_user_id.data if "for_user_id" in form else None))
        if ok:
            if held:
                flash(_("Séance confirmée : %(duration)s. Pensez à saisir les activités.",
                        duration=hours.fmt_minutes(s.held_minutes)), "success")
            else:
                flash(_("Séance enregistrée comme non tenue."), "success")
            return _after_confirm(s)
    return render_template("timesheets/hours/confirm.html", form=form, s=s, now=clock.now(),
                           next=safe_next(request.values.get("next")) or ""), form_status()


@bp.route("/sessions/<int:session_id>/unconfirm", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_unconfirm(session_id: int):
    s = _get_session(session_id)
    commit_or_flash(lambda: hours.unconfirm_session(db.session, current_user._get_current_object(), s, now=clock.now()),
        _("Confirmation annulée : la séance est de nouveau prévue."))
    return _after_confirm(s)


# --- « Mes heures » -------------------------------------------------------------------------------------------------

def _render_month(template: str, user: User, month: date, *, entry_form: EntryForm, status: int = 200, **extra):
    now = clock.now()
    summary = sheets.month_summary(db.session, user.id, month, now=now)
    return render_template(template, person=user, summary=summary, month=month, entry_form=entry_form, now=now,
                           today=hours.paris_day(now), here=_here(), **extra), status


def _new_entry_form(user_id: int, month: date) -> EntryForm:
    form = EntryForm()
    _entry_choices(form, user_id)
    if request.method == "GET":
        today = hours.paris_day(clock.now())
        last_day = date.fromordinal(hours.next_month(month).toordinal() - 1)
        form.day.data = min(today, last_day) if month <= today else month
    return form


@bp.route("/hours", methods=["GET", "POST"])
@roles_required(Role.MEDIATOR)
def my_hours():
    month = _requested_month()
    form = _new_entry_form(current_user.id, month)
    if form.validate_on_submit():
        ok, entry = commit_or_show(form, lambda: hours.add_entry(
            db.session, current_user._get_current_object(), _entry_data(form), now=clock.now()))
        if ok:
            flash(_("Heures enregistrées : %(duration)s.", duration=hours.fmt_minutes(entry.minutes)), "success")
            return redirect(url_for("timesheets.my_hours", month=hours.month_key(entry.day)) + "#extra")
    return _render_month("timesheets/hours/my_hours.html", current_user, month, entry_form=form,
                         status=form_status(), nav=_month_nav("timesheets.my_hours", month))


@bp.route("/hours/<month>/submit", methods=["POST"])
@roles_required(Role.MEDIATOR)
def timesheet_submit(month: str):
    month = _path_month(month)
    commit_or_flash(lambda: sheets.submit(db.session, current_user._get_current_object(), month, now=clock.now()),
        _("Relevé envoyé à la coordination."))
    return redirect(url_for("timesheets.my_hours", month=hours.month_key(month)))


def _entry_back(entry_user_id: int, day: date):
    if entry_user_id == current_user.id:
        return redirect(url_for("timesheets.my_hours", month=hours.month_key(day)) + "#extra")
    return redirect(url_for("timesheets.timesheet", user_id=entry_user_id, month=hours.month_key(day)) + "#extra")


@bp.route("/hours/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def hours_entry_edit(entry_id: int):
    entry = load_or_404(TimeEntry, entry_id, access.can_edit_entry)
    if entry.session_id is not None:
        return redirect(url_for("timesheets.session_confirm", session_id=entry.session_id))
    form = EntryForm(obj=entry)
    _entry_choices(form, entry.user_id, include_id=entry.convention_id)
    if request.method == "GET":
        form.convention_id.data = entry.convention_id or 0
    if form.validate_on_submit():
        ok, _updated = commit_or_show(form, lambda: hours.update_entry(
            db.session, current_user._get_current_object(), entry, _entry_data(form), now=clock.now()))
        if ok:
            flash(_("Heures modifiées."), "success")
            return _entry_back(entry.user_id, entry.day)
    person = db.session.get(User, entry.user_id)
    return render_template("timesheets/hours/entry_form.html", form=form, entry=entry, person=person,
                           today=hours.paris_day(clock.now())), form_status()


@bp.route("/hours/entries/<int:entry_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def hours_entry_delete(entry_id: int):
    entry = load_or_404(TimeEntry, entry_id, access.can_edit_entry)
    user_id, day = entry.user_id, entry.day
    commit_or_flash(lambda: hours.delete_entry(db.session, current_user._get_current_object(), entry, now=clock.now()),
        _("Heures supprimées."))
    return _entry_back(user_id, day)


# --- the coordination: timesheets -------------------------------------------------------------------------------

@bp.route("/timesheets")
@roles_required(Role.COORDINATOR)
def timesheets():
    month = _requested_month()
    status = request.args.get("status", "")
    if status not in {s.value for s in TimesheetStatus}:
        status = ""
    page = paginate(db.session, sheets.mediators_stmt(month, status or None), *page_args(50))
    rows = sheets.mediator_rows(db.session, page.items, month, now=clock.now())
    return render_template("timesheets/hours/timesheets.html", page=page, rows=rows, month=month, status=status,
                           nav=_month_nav("timesheets.timesheets", month, status=status or None))


def _person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _render_timesheet(user: User, month: date, *, entry_form: EntryForm | None = None,
                      back_form: SendBackForm | None = None, reopen_form: ReopenForm | None = None,
                      status: int = 200):
    return _render_month(
        "timesheets/hours/timesheet.html", user, month, status=status,
        entry_form=entry_form or _new_entry_form(user.id, month),
        back_form=back_form or SendBackForm(prefix="back", formdata=None),
        reopen_form=reopen_form or ReopenForm(prefix="reopen", formdata=None),
        nav=_month_nav("timesheets.timesheet", month, user_id=user.id),
        next_person=bulk.next_submitted(db.session, user, month),
    )


@bp.route("/timesheets/<int:user_id>/<month>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def timesheet(user_id: int, month: str):
    """A mediator's month, for the coordination: validate, send back, reopen; add hours for them."""
    user, month = _person(user_id), _path_month(month)
    form = _new_entry_form(user.id, month)
    if form.validate_on_submit():
        ok, entry = commit_or_show(form, lambda: hours.add_entry(
            db.session, current_user._get_current_object(), _entry_data(form), now=clock.now(), for_user_id=user.id))
        if ok:
            flash(_("Heures enregistrées : %(duration)s.", duration=hours.fmt_minutes(entry.minutes)), "success")
            return redirect(url_for("timesheets.timesheet", user_id=user.id, month=hours.month_key(entry.day))
                            + "#extra")
    return _render_timesheet(user, month, entry_form=form, status=form_status())


MAIL_KIND = "timesheets.timesheet"
outbox.register_kind(MAIL_KIND, _l("Relevé d'heures"))


def _notify(user: User, subject: str, body: str) -> None:
    """A mail to the mediator, written into the outbox in the transaction of the action."""
    if user.active:
        outbox.queue(db.session, mail.Mail(to=[user.email], subject=subject, body=body), kind=MAIL_KIND,
                     about=user, actor=current_user._get_current_object(), now=clock.now())


def _hours_link(month: date) -> str:
    return current_app.config["COOPNUM_BASE_URL"].rstrip("/") + url_for("timesheets.my_hours",
                                                                        month=hours.month_key(month))


def notify_validated(user: User, month: date) -> None:
    """The mail telling a mediator that their month is validated (in the transaction of the validation)."""
    label = format_date(month, "MMMM y")
    _notify(user, elide(_("Votre relevé d'heures de %(month)s est validé", month=label), label),
            _("Bonjour %(name)s,", name=user.first_name) + "\n\n"
            + elide(_("La coordination a validé votre relevé d'heures de %(month)s : ce mois est maintenant "
                      "verrouillé.", month=label), label) + "\n\n" + _hours_link(month) + "\n")


@bp.route("/timesheets/<int:user_id>/<month>/validate", methods=["POST"])
@roles_required(Role.COORDINATOR)
def timesheet_validate(user_id: int, month: str):
    user, month = _person(user_id), _path_month(month)
    label = format_date(month, "MMMM y")

    def validate():
        sheets.validate(db.session, current_user._get_current_object(), user.id, month, now=clock.now())
        notify_validated(user, month)

    commit_or_flash(validate, elide(_("Relevé de %(name)s validé : %(month)s est verrouillé.", name=user.full_name,
                                      month=label), user.full_name))
    return redirect(url_for("timesheets.timesheet", user_id=user.id, month=hours.month_key(month)))


@bp.route("/timesheets/<int:user_id>/<month>/send-back", methods=["POST"])
@roles_required(Role.COORDINATOR)
def timesheet_send_back(user_id: int, month: str):
    user, month = _person(user_id), _path_month(month)
    form = SendBackForm(prefix="back")
    if form.validate_on_submit():
        label = format_date(month, "MMMM y")

        def send_back():
            sheets.send_back(db.session, current_user._get_current_object(), user.id, month, form.comment.data,
                             now=clock.now())
            _notify(user, elide(_("Votre relevé d'heures de %(month)s est à corriger", month=label), label),
                    _("Bonjour %(name)s,", name=user.first_name) + "\n\n"
                    + elide(_("La coordination vous renvoie votre relevé d'heures de %(month)s :", month=label), label) + "\n\n"
                    + form.comment.data.strip() + "\n\n"
                    + _("Corrigez-le puis envoyez-le de nouveau :") + "\n" + _hours_link(month) + "\n")

        ok, _ts = commit_or_show(form, send_back)
        if ok:
            flash(_("Relevé renvoyé à %(name)s pour correction.", name=user.full_name), "success")
            return redirect(url_for("timesheets.timesheet", user_id=user.id, month=hours.month_key(month)))
    return _render_timesheet(user, month, back_form=form, status=400)


@bp.route("/timesheets/<int:user_id>/<month>/reopen", methods=["POST"])
@roles_required(Role.COORDINATOR)
def timesheet_reopen(user_id: int, month: str):
    user, month = _person(user_id), _path_month(month)
    form = ReopenForm(prefix="reopen")
    if form.validate_on_submit():
        ok, _ts = commit_or_show(form, lambda: sheets.reopen(
            db.session, current_user._get_current_object(), user.id, month, form.reason.data, now=clock.now()))
        if ok:
            flash(_("Mois rouvert : %(name)s peut de nouveau le modifier.", name=user.full_name), "success")
            return redirect(url_for("timesheets.timesheet", user_id=user.id, month=hours.month_key(month)))
    return _render_timesheet(user, month, reopen_form=form, status=400)


@bp.route("/hours/overview")
@roles_required(Role.COORDINATOR)
def hours_overview():
    month = _requested_month()
    overview = sheets.month_overview(db.session, month, now=clock.now())
    unreported = paginate(db.session, sheets.without_report_stmt(month), *page_args(20))
    return render_template("timesheets/hours/overview.html", overview=overview, unreported=unreported, month=month,
                           unit_labels=VOLUME_UNIT_LABELS, nav=_month_nav("timesheets.hours_overview", month))


# --- dashboard panels ---------------------------------------------------------------------------------------------

def _coordination_panel(user) -> dict:
    now = clock.now()
    month = hours.current_month(now)
    return {"month": month, "counts": sheets.month_counts(db.session, month, now=now),
            "submitted": sheets.submitted_timesheets(db.session, limit=5)}


def _mediator_panel(user) -> dict:
    now = clock.now()
    month = hours.current_month(now)
    sessions, unconfirmed = sheets.sessions_to_confirm(db.session, user.id, now=now, limit=5)
    in_sessions, extra, status = sheets.month_state(db.session, user.id, month)
    return {"month": month, "now": now, "sessions": sessions, "unconfirmed": unconfirmed,
            "session_minutes": in_sessions, "extra_minutes": extra, "timesheet_status": status, "here": _here()}


def _session_panel(user, s: MissionSession) -> dict | None:
    """The « Réalisation » section of the session page, for whom may confirm it (not for a cancelled session)."""
    if s.status == SessionStatus.CANCELLED or not access.can_confirm(user, s):
        return None
    return {"confirm_form": confirm_form_for(s), "now": clock.now()}


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    slots.register("missions.session", "timesheets/hours/_session_panel.html", context=_session_panel, order=0)
    navigation.register("timesheets.my_hours", _l("Mes heures"), (Role.MEDIATOR,), 103, group="activities")
    navigation.register("timesheets.timesheets", _l("Relevés d'heures"), (Role.COORDINATOR,), 140, group="activities")
    navigation.register("timesheets.hours_overview", _l("Tableau des heures"), (Role.COORDINATOR,), 141, group="activities")
    dashboard.register("hours", "timesheets/hours/panel_coordination.html", (Role.COORDINATOR,), _coordination_panel, 30)
    dashboard.register("my_hours", "timesheets/hours/panel_mediator.html", (Role.MEDIATOR,), _mediator_panel, 21)
