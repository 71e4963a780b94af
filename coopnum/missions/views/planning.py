"""Pages of the missions domain: planning — missions, their sessions, assignments, open sessions, absences."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from coopnum.core import clock, navigation, slots
from coopnum.core.access import load_or_404, require, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.i18n import elided, ngettext
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import bounded_int
from coopnum.core.views import commit_or_flash, commit_or_show, form_error, form_status
from coopnum.missions import access, queries
from coopnum.missions.forms.planning import (
    ABSENCE_LABELS,
    KIND_LABELS,
    AbsenceForm,
    AssignForm,
    CancelForm,
    MissionFilterForm,
    MissionForm,
    SessionTimesForm,
)
from coopnum.missions.models import (
    Absence,
    Mission,
    MissionSession,
    ServiceRequest,
    SessionStatus,
)
from coopnum.missions.recurrence import describe_rrule
from coopnum.missions.services import assignment, availability, planning
from coopnum.missions.services.volumes import volume_summaries
from coopnum.missions.views import bp
from coopnum.organisations import queries as organisations_queries
from coopnum.organisations.forms.conventions import VOLUME_UNIT_LABELS

SESSION_STATUS_LABELS = {
    SessionStatus.PLANNED: _l("prévue"),
    SessionStatus.CANCELLED: _l("annulée"),
    SessionStatus.HELD: _l("réalisée"),
    SessionStatus.NOT_HELD: _l("non réalisée"),
}


@bp.app_context_processor
def _planning_labels():
    return {
        "session_status_labels": SESSION_STATUS_LABELS,
        "mission_kind_labels": KIND_LABELS,
        "absence_labels": ABSENCE_LABELS,
        "describe_rrule": describe_rrule,
    }


# --- missions -------------------------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def index():
    form = MissionFilterForm(request.args)
    form.convention_id.choices = [(0, _("Toutes"))] + _convention_choices(all_statuses=True)
    form.place_id.choices = [(0, _("Tous"))] + _place_choices()
    stmt = queries.missions_stmt(q=form.q.data, convention_id=form.convention_id.data,
                                 place_id=form.place_id.data, status=form.status.data)
    page = paginate(db.session, stmt, *page_args())
    upcoming = queries.upcoming_session_counts(db.session, [m.id for m in page.items], now=clock.now())
    return render_template("missions/planning/index.html", page=page, form=form, upcoming=upcoming)


def _convention_choices(all_statuses: bool = False):
    return organisations_queries.convention_labels(db.session, include_ended=all_statuses)


def _place_choices():
    return organisations_queries.place_choices(db.session, with_city=True)


def _convention_hint(convention, summary) -> str:
    """Under the convention's select: its end date and, when it has a volume, what is left of it."""
    text = _("Convention valable jusqu'au %(date)s.", date=format_date(convention.end_date, "d MMMM y"))
    if summary is not None and summary.contracted:
        unit = VOLUME_UNIT_LABELS.get(summary.unit, summary.unit)
        text += " " + _("Volume restant : %(left)s %(unit)s sur %(total)s (séances prévues comprises).",
                        left=format_decimal(summary.remaining), unit=unit, total=format_decimal(summary.contracted))
    return text


def _fill_choices(form: MissionForm, mission: Mission | None = None) -> None:
    """The select lists of the mission form. Each convention's option carries the places it allows (the script
    narrows the places to them) and its hint (end date, volume left), shown under the select."""
    # a new mission is planned under a convention still running (its period not over)
    conventions = organisations_queries.conventions_with_organisation(db.session, include_ended=False,
                                                                      running_on=clock.today())
    if mission is not None and all(c.id != mission.convention_id for c in conventions):
        conventions.append(mission.convention)
    places = availability.places_by_convention(db.session, conventions)
    if mission is not None:
        places[mission.convention_id] = sorted({*places[mission.convention_id], mission.place_id})
    summaries = volume_summaries(db.session, [c.id for c in conventions], now=clock.now())
    form.convention_hints = {c.id: _convention_hint(c, summaries.get(c.id)) for c in conventions}
    form.convention_id.choices = [
        (c.id, f"{c.reference} — {c.organisation.name} — {c.title}",
         {"data-places": " ".join(str(i) for i in places[c.id]), "data-hint": form.convention_hints[c.id]})
        for c in conventions
    ]
    form.place_id.choices = _place_choices()
    form.service_id.choices = [(0, "—")] + organisations_queries.service_choices(db.session)
    form.default_mediators.choices = [(u.id, u.full_name) for u in assignment.mediators(db.session)]


def _mission_data(form: MissionForm) -> planning.MissionData:
    return planning.MissionData(
        convention_id=form.convention_id.data,
        place_id=form.place_id.data,
        service_id=form.service_id.data or None,
        kind=form.kind.data,
        title=form.title.data or "",
        rrule=form.built_rrule(),
        first_date=form.first_date.data,
        until_date=form.until_date.data,
        start_time=form.start_time.data,
        end_time=form.end_time.data,
        exclude_holidays=form.exclude_holidays.data,
        holiday_subdiv=form.holiday_subdiv.data or None,
        mediators_needed=form.mediators_needed.data,
        notes=form.notes.data or "",
        default_mediator_ids=list(form.default_mediators.data or []),
    )


def _mission_error(form: MissionForm, exc: DomainError) -> None:
    if exc.field == "rrule":
        target = form.rrule_custom if form.recurrence.data == "custom" else form.recurrence
        target.errors = [*target.errors, exc.message]
    elif exc.field == "default_mediator_ids":
        form.default_mediators.errors = [*form.default_mediators.errors, exc.message]
    else:
        form_error(form, exc)


def _flash_report(report: planning.SyncReport) -> None:
    """The summary of the save, and one warning per mediator who could not be assigned to some sessions."""
    flash(_("Mission enregistrée : %(summary)s.", summary=report.summary()), "success")
    for sentence in report.busy_summaries():
        flash(sentence, "warning")


@bp.route("/missions/check", methods=["POST"])
@roles_required(Role.COORDINATOR)
def mission_check():
    """The form's preview before saving (htmx): the sessions it would plan and the default mediators already busy
    on some of them; nothing is written."""
    mission_id = request.args.get("mission_id", type=bounded_int)
    mission = _get_mission(mission_id) if mission_id else None
    form = MissionForm()
    _fill_choices(form, mission)
    preview, error = None, None
    if form.validate():
        try:
            preview = planning.preview_mission(db.session, _mission_data(form), now=clock.now(), mission=mission)
        except DomainError as exc:
            error = exc.message
        db.session.rollback()  # a preview writes nothing
    return render_template("missions/planning/_mission_check.html", preview=preview, error=error)


@bp.route("/missions/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def mission_new():
    form = MissionForm()
    _fill_choices(form)
    service_request = None
    if request.method == "GET":
        if request.args.get("convention_id", type=bounded_int):
            form.convention_id.data = request.args.get("convention_id", type=bounded_int)
        if (rid := request.args.get("request_id", type=bounded_int)) and (
            service_request := db.session.get(ServiceRequest, rid)
        ):
            form.title.data = service_request.service.name if service_request.service else ""
            form.place_id.data = service_request.place_id
            form.service_id.data = service_request.service_id or 0
            form.first_date.data = service_request.wished_start
            form.until_date.data = service_request.wished_end
            form.notes.data = service_request.description
            conv = organisations_queries.latest_open_convention_id(db.session, service_request.organisation_id)
            if conv:
                form.convention_id.data = conv
    if form.validate_on_submit():
        ok, result = commit_or_show(
            form,
            lambda: planning.create_mission(db.session, current_user, _mission_data(form), now=clock.now()),
            _mission_error,
        )
        if ok:
            mission, report = result
            _flash_report(report)
            return redirect(url_for("missions.mission_detail", mission_id=mission.id))
    return render_template(
        "missions/planning/mission_form.html", form=form, mission=None, service_request=service_request
    ), form_status()


def _get_mission(mission_id: int) -> Mission:
    return load_or_404(Mission, mission_id, access.can_view_mission)


@bp.route("/missions/<int:mission_id>")
@roles_required(Role.COORDINATOR, Role.MEDIATOR, Role.AUTHORITY)
def mission_detail(mission_id: int):
    mission = _get_mission(mission_id)
    show = request.args.get("show", "upcoming")
    stmt = queries.mission_sessions_stmt(mission.id, past=show == "past", now=clock.now())
    page = paginate(db.session, stmt, *page_args(20))
    return render_template(
        "missions/planning/mission_detail.html",
        mission=mission,
        page=page,
        show=show,
        add_form=SessionTimesForm(prefix="add"),
        can_manage=access.can_manage(current_user),
    )


@bp.route("/missions/<int:mission_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def mission_edit(mission_id: int):
    mission = _get_mission(mission_id)
    form = MissionForm(obj=mission)
    _fill_choices(form, mission)
    if request.method == "GET":
        form.load_rrule(mission.rrule)
        form.service_id.data = mission.service_id or 0
        form.default_mediators.data = [m.user_id for m in mission.default_mediators]
        form.holiday_subdiv.data = mission.holiday_subdiv or ""
    if form.validate_on_submit():
        ok, report = commit_or_show(
            form,
            lambda: planning.update_mission(
                db.session, current_user, mission, _mission_data(form), now=clock.now()
            ),
            _mission_error,
        )
        if ok:
            _flash_report(report)
            return redirect(url_for("missions.mission_detail", mission_id=mission.id))
    return render_template(
        "missions/planning/mission_form.html", form=form, mission=mission, service_request=None
    ), form_status()


@bp.route("/missions/<int:mission_id>/archive", methods=["POST"])
@roles_required(Role.COORDINATOR)
def mission_archive(mission_id: int):
    mission = _get_mission(mission_id)
    count = planning.archive_mission(db.session, current_user, mission, now=clock.now())
    db.session.commit()
    flash(ngettext("Mission archivée ; %(num)s séance à venir annulée.",
                   "Mission archivée ; %(num)s séances à venir annulées.", count), "success")
    return redirect(url_for("missions.mission_detail", mission_id=mission.id))


@bp.route("/missions/<int:mission_id>/sessions", methods=["POST"])
@roles_required(Role.COORDINATOR)
def session_add(mission_id: int):
    mission = _get_mission(mission_id)
    form = SessionTimesForm(prefix="add")
    if not form.validate_on_submit():
        flash(_("Indiquez la date, l'heure de début et l'heure de fin."), "error")
        return redirect(url_for("missions.mission_detail", mission_id=mission.id))
    ok, s = commit_or_flash(lambda: planning.add_session(
        db.session, current_user, mission, form.date.data, form.start_time.data, form.end_time.data, now=clock.now(),
    ), _("Séance ajoutée."))
    if not ok:
        return redirect(url_for("missions.mission_detail", mission_id=mission.id))
    return redirect(url_for("missions.session_detail", session_id=s.id))


# --- sessions -------------------------------------------------------------------------------------------------------


def _get_session(session_id: int) -> MissionSession:
    return load_or_404(MissionSession, session_id, access.can_view_session)


@bp.route("/sessions/<int:session_id>")
@roles_required(Role.COORDINATOR, Role.MEDIATOR, Role.AUTHORITY)
def session_detail(session_id: int):
    s = _get_session(session_id)
    assign_form = AssignForm(prefix="assign")
    can_manage = access.can_manage(current_user)
    if can_manage:
        taken = {a.user_id for a in s.assignments}
        assign_form.user_id.choices = [
            (u.id, u.full_name) for u in assignment.mediators(db.session) if u.id not in taken
        ]
    move_form = SessionTimesForm(
        prefix="move",
        data={
            "day": clock.to_paris(s.start).date(),
            "start_time": clock.to_paris(s.start).time(),
            "end_time": clock.to_paris(s.end).time(),
        },
    )
    return render_template(
        "missions/planning/session_detail.html",
        s=s,
        can_manage=can_manage,
        assign_form=assign_form,
        move_form=move_form,
        cancel_form=CancelForm(prefix="cancel"),
        now=clock.now(),
        can_take=access.can_take_session(current_user, s)
        and assignment.is_open(s)
        and s.end > clock.now()
        and all(a.user_id != current_user.id for a in s.assignments),
    )


def _back(s: MissionSession):
    return redirect(url_for("missions.session_detail", session_id=s.id))


def _run(s: MissionSession, action, success: str):
    commit_or_flash(action, success)
    return _back(s)


@bp.route("/sessions/<int:session_id>/assign", methods=["POST"])
@roles_required(Role.COORDINATOR)
def session_assign(session_id: int):
    s = _get_session(session_id)
    form = AssignForm(prefix="assign")
    form.user_id.choices = [(u.id, u.full_name) for u in assignment.mediators(db.session)]
    if not form.validate_on_submit():
        flash(_("Choisissez un médiateur."), "error")
        return _back(s)
    mediator = db.session.get(User, form.user_id.data)
    ok, _result = commit_or_flash(
        lambda: assignment.assign(db.session, current_user, s, mediator, now=clock.now()),
        _("%(name)s est affecté·e à cette séance.", name=mediator.full_name),
    )
    _flash_notices(ok, s, mediator)
    return _back(s)


def _flash_notices(ok: bool, s: MissionSession, mediator: User) -> None:
    """After an assignment: the other domains' warnings (e.g. a competence the service requires), never a refusal."""
    if ok:
        for message in slots.notices("missions.assigned", session=s, user=mediator):
            flash(message, "warning")


@bp.route("/sessions/<int:session_id>/unassign/<int:user_id>", methods=["POST"])
@roles_required(Role.COORDINATOR)
def session_unassign(session_id: int, user_id: int):
    s = _get_session(session_id)
    return _run(
        s,
        lambda: assignment.unassign(db.session, current_user, s, user_id, now=clock.now()),
        _("Affectation retirée : la séance est à pourvoir."),
    )


@bp.route("/sessions/<int:session_id>/take", methods=["POST"])
@roles_required(Role.MEDIATOR)
def session_take(session_id: int):
    s = _get_session(session_id)
    require(access.can_take_session(current_user, s))
    ok, _result = commit_or_flash(
        lambda: assignment.take_session(db.session, current_user._get_current_object(), s, now=clock.now()),
        _("Vous êtes affecté·e à cette séance."),
    )
    _flash_notices(ok, s, current_user._get_current_object())
    return _back(s)


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@roles_required(Role.COORDINATOR)
def session_cancel(session_id: int):
    s = _get_session(session_id)
    form = CancelForm(prefix="cancel")
    reason = form.reason.data or "" if form.validate_on_submit() else ""
    return _run(
        s,
        lambda: planning.cancel_session(db.session, current_user, s, reason, now=clock.now()),
        _("Séance annulée."),
    )


@bp.route("/sessions/<int:session_id>/restore", methods=["POST"])
@roles_required(Role.COORDINATOR)
def session_restore(session_id: int):
    s = _get_session(session_id)
    return _run(
        s, lambda: planning.restore_session(db.session, current_user, s, now=clock.now()), _("Séance rétablie.")
    )


@bp.route("/sessions/<int:session_id>/move", methods=["POST"])
@roles_required(Role.COORDINATOR)
def session_move(session_id: int):
    s = _get_session(session_id)
    form = SessionTimesForm(prefix="move")
    if not form.validate_on_submit():
        flash(_("Indiquez la date, l'heure de début et l'heure de fin."), "error")
        return _back(s)
    return _run(
        s,
        lambda: planning.move_session(
            db.session, current_user, s, form.day.data, form.start_time.data, form.end_time.data, now=clock.now()
        ),
        _("Séance déplacée."),
    )


@bp.route("/sessions/open")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def sessions_open():
    """The open sessions; a mediator sees those they may take (not those where they are busy or absent: the rule
    of take_session), and how many others are left out."""
    now = clock.now()
    mediator_id = current_user.id if current_user.has_role(Role.MEDIATOR) else None
    stmt = assignment.open_sessions_stmt(now, for_user_id=mediator_id).options(
        joinedload(MissionSession.mission).joinedload(Mission.place)
    )
    page = paginate(db.session, stmt, *page_args())
    hidden = 0
    if mediator_id is not None:
        hidden = queries.count_of(db.session, assignment.open_sessions_stmt(now, for_user_id=mediator_id,
                                                                            refused=True))
    return render_template("missions/planning/sessions_open.html", page=page, hidden=hidden)


# --- absences -------------------------------------------------------------------------------------------------------


@bp.route("/absences", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def absences():
    staff = access.can_manage(current_user)
    form = AbsenceForm()
    if staff:
        form.user_id.choices = [(u.id, u.full_name) for u in assignment.mediators(db.session)]
    else:
        form.user_id.choices = [(current_user.id, current_user.full_name)]
        form.user_id.data = current_user.id
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data or current_user.id)
        if user is None or not access.can_edit_absence(current_user, user.id):
            abort(403)
        tz = clock.PARIS
        ok, result = commit_or_show(
            form,
            lambda: assignment.create_absence(
                db.session,
                current_user,
                user,
                form.kind.data,
                form.start.data.replace(tzinfo=tz),
                form.end.data.replace(tzinfo=tz),
                form.note.data or "",
                now=clock.now(),
            ),
        )
        if ok:
            _absence, released = result
            flash(_("Absence enregistrée."), "success")
            if released:
                flash(elided(ngettext("%(num)s séance de %(name)s est désormais à pourvoir.",
                                      "%(num)s séances de %(name)s sont désormais à pourvoir.",
                                      len(released), name=user.full_name), user.full_name), "warning")
            return redirect(url_for("missions.absences"))
    show_past = request.args.get("past") == "1"
    stmt = queries.absences_stmt(
        user_id=request.args.get("user_id", type=bounded_int) if staff else current_user.id,
        ending_after=None if show_past else clock.now(),
    )
    page = paginate(db.session, stmt, *page_args())
    return render_template(
        "missions/planning/absences.html", page=page, form=form, staff=staff, show_past=show_past
    ), form_status()


@bp.route("/absences/<int:absence_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def absence_delete(absence_id: int):
    absence = load_or_404(Absence, absence_id, lambda user, a: access.can_edit_absence(user, a.user_id))
    assignment.delete_absence(db.session, current_user, absence, now=clock.now())
    db.session.commit()
    flash(_("Absence supprimée."), "success")
    return redirect(url_for("missions.absences"))


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    navigation.register(
        "missions.sessions_open", _l("Séances à pourvoir"), (Role.COORDINATOR, Role.MEDIATOR), 120, group="planning")
    navigation.register("missions.absences", _l("Absences"), (Role.COORDINATOR, Role.MEDIATOR), 130, group="planning")
