"""The training home, training sessions, attendance (signing per half-day), the émargement sheet and certificates."""

import io

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.core import calendar_sources, clock, dashboard
from coopnum.core.access import client_ip, roles_required
from coopnum.core.access import require as require_
from coopnum.core.db import db
from coopnum.core.errors import DomainError, NotFound
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_flash, commit_or_show
from coopnum.training import access, queries
from coopnum.training.forms import sessions as forms
from coopnum.training.models import (
    AttendanceScan,
    ParticipantRole,
    Person,
    Skill,
    TrainingHalfDay,
    TrainingSession,
    TrainingStatus,
)
from coopnum.training.services import attendance, documents
from coopnum.training.services import sessions as services
from coopnum.training.services.people import person_for_user
from coopnum.training.views import bp

ROLES = (Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER)


def _me(create: bool = False) -> Person | None:
    return person_for_user(db.session, current_user, create=create)


def _training(training_id: int) -> TrainingSession:
    training = db.session.get(TrainingSession, training_id)
    if training is None:
        raise NotFound("Formation introuvable.")
    require_(access.can_see_training_session(current_user, training))
    return training


def _half_day(half_day_id: int) -> TrainingHalfDay:
    half_day = db.session.get(TrainingHalfDay, half_day_id)
    if half_day is None:
        raise NotFound("Demi-journée introuvable.")
    require_(access.can_see_training_session(current_user, half_day.training))
    return half_day


def _context() -> dict:
    return {"status_labels": forms.STATUS_LABELS, "status_badges": forms.STATUS_BADGES,
            "role_labels": forms.ROLE_LABELS, "period_label": services.period_label, "is_open": attendance.is_open}


# --- home -------------------------------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*ROLES)
def index():
    now = clock.now()
    me = _me()
    upcoming = [t for t in queries.upcoming_sessions(db.session, now)
                if access.can_see_training_session(current_user, t)]
    mine, to_sign = [], []
    if me is not None:
        mine = queries.sessions_of(db.session, me.id)
        to_sign = attendance.to_sign_now(db.session, me, now)
    return render_template("training/index.html", upcoming=upcoming, mine=mine, to_sign=to_sign, me=me,
                           can_plan=access.can_plan(current_user), **_context())


# --- list -------------------------------------------------------------------------------------------------------------

@bp.route("/sessions")
@roles_required(*ROLES)
def sessions():
    form = forms.FilterForm(request.args)
    me = _me()
    q = queries.sessions_stmt(
        text=form.q.data, status=form.status.data, now=clock.now(), statuses=forms.STATUS_LABELS,
        person_id=me.id if me else None,
        only_mine=bool(form.mine.data or not access.can_see_matrix(current_user)),  # a member: its own trainings
        creator_id=current_user.id if form.mine.data else None)
    page = paginate(db.session, q, *page_args())
    return render_template("training/sessions/list.html", page=page, form=form, can_plan=access.can_plan(current_user),
                           **_context())


# --- create / edit ----------------------------------------------------------------------------------------------------

def _people_choices() -> list[tuple[str, str]]:
    """Persons (``p<id>``) and the users who have none yet (``u<id>``: created when chosen)."""
    people = queries.active_people(db.session)
    choices, with_person = [], set()
    for p in people:
        label = p.full_name + (f" ({p.organisation})" if p.organisation else "")
        choices.append((f"p{p.id}", label))
        if p.user_id:
            with_person.add(p.user_id)
    users = queries.active_users(db.session)
    for u in users:
        if u.id not in with_person and u.has_role(Role.MEDIATOR, Role.COORDINATOR, Role.MEMBER):
            choices.append((f"u{u.id}", u.full_name))
    return sorted(choices, key=lambda c: c[1].lower())


def _fill(form: forms.TrainingForm) -> None:
    form.place_id.choices = [("", _("— Aucun (autre lieu) —"))] + queries.places(db.session)
    skills = queries.active_skills(db.session, by_framework=True)
    form.skill_ids.choices = [(s.id, f"{s.code} — {s.title}") for s in skills]
    form.skill_max = {s.id: s.max_level for s in skills}  # the bounds of each competence's own target level
    form.skill_levels = {sid: request.form.get(f"level-{sid}", "") for sid in form.skill_max} \
        if request.method == "POST" else {}
    people = _people_choices()
    form.trainer_ids.choices = people
    form.trainee_ids.choices = people


def _resolve(values) -> list[int]:
    ids = []
    for value in values or []:
        kind, number = str(value)[:1], str(value)[1:]
        if not number.isdigit() or len(number) > 9:
            raise DomainError(_("Personne inconnue."), field="trainee_ids")
        if kind == "p":
            ids.append(int(number))
        elif kind == "u":
            user = db.session.get(User, int(number))
            if user is None:
                raise NotFound(_("Personne inconnue."), field="trainee_ids")
            ids.append(person_for_user(db.session, user).id)
        else:
            raise DomainError(_("Personne inconnue."), field="trainee_ids")
    return ids


def _input(form: forms.TrainingForm) -> services.TrainingInput:
    half_days = [services.HalfDayInput(day=day.data, period=period.data or "am", start=start.data, end=end.data)
                 for day, period, start, end in form.half_day_rows() if day.data]
    level = form.target_level.data  # the default for the competences without their own level
    skills = []
    for skill_id in form.skill_ids.data or []:
        skill = db.session.get(Skill, skill_id)
        own = (form.skill_levels.get(skill_id) or "").strip()
        if own:
            if not own.isdigit() or not skill or not 1 <= int(own) <= skill.max_level:
                raise DomainError(_("Niveau visé en %(code)s : un nombre entre 1 et %(max)s.", code=skill.code if skill
                                    else "?", max=skill.max_level if skill else 8), field="skill_ids")
            skills.append((skill_id, int(own)))
        else:
            skills.append((skill_id, min(level, skill.max_level) if level and skill else None))
    return services.TrainingInput(
        title=form.title.data or "", description=form.description.data or "", skills=skills,
        place_id=form.place_id.data, location=form.location.data or "", materials=form.materials.data or "",
        half_days=half_days, trainer_ids=_resolve(form.trainer_ids.data), trainee_ids=_resolve(form.trainee_ids.data))


def _show_error(form, exc: DomainError) -> None:
    if isinstance(exc, services.Unavailable):
        form.conflicts = exc.details.get("conflicts", [])
        form.confirm.errors = [_("Ces personnes ne sont pas toutes disponibles : vérifiez, puis cochez « "
                                 "Enregistrer malgré tout ».")]
        return
    target = {"half_days": "day_1", "skills": "skill_ids"}.get(exc.field or "", exc.field)
    field = getattr(form, target, None) if target else None
    if field is not None:
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    else:
        flash(exc.message, "error")


def _save(form, training=None):
    now = clock.now()

    def action():
        data = _input(form)
        if training is None:
            return services.create_training(db.session, data, actor=current_user, now=now,
                                            confirm=bool(form.confirm.data))
        return services.update_training(db.session, training, data, actor=current_user, now=now,
                                        confirm=bool(form.confirm.data))

    return commit_or_show(form, action, show=_show_error)


def _prefill_from_suggestion(form: forms.TrainingForm) -> None:
    """« Planifier cette formation » from the suggested trainings: ``?skill_id=…&level=…&trainee=<person id>…``."""
    skill_id = parse_id(request.args.get("skill_id"))
    if skill_id in form.skill_max:
        form.skill_ids.data = [skill_id]
        level = parse_id(request.args.get("level"))
        if level and level <= form.skill_max[skill_id]:
            form.skill_levels = {skill_id: level}
    choices = {value for value, _label in form.trainee_ids.choices}
    wanted = [f"p{pid}" for pid in map(parse_id, request.args.getlist("trainee")[:100]) if pid]
    if wanted:
        form.trainee_ids.data = [v for v in wanted if v in choices]


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_new():
    require_(access.can_plan(current_user))
    form = forms.TrainingForm()
    _fill(form)
    if request.method == "GET":
        me = _me()
        if me is not None and not access.can_manage(current_user):
            form.trainer_ids.data = [f"p{me.id}"]
        elif me is None and not access.can_manage(current_user):
            form.trainer_ids.data = [f"u{current_user.id}"]
        _prefill_from_suggestion(form)
    if form.validate_on_submit():
        if not access.can_manage(current_user):  # a mediator plans a training it leads
            me_values = {f"u{current_user.id}"} | ({f"p{m.id}"} if (m := _me()) else set())
            if not me_values & set(form.trainer_ids.data or []):
                form.trainer_ids.errors = [_("Vous proposez une formation que vous animez : cochez-vous parmi les "
                                             "formateur·rices.")]
                return render_template("training/sessions/form.html", form=form, training=None), 400
        ok, training = _save(form)
        if ok:
            flash(_("Formation planifiée."), "success")
            return redirect(url_for("training.session_detail", training_id=training.id))
    status = 400 if request.method == "POST" else 200
    return render_template("training/sessions/form.html", form=form, training=None), status


@bp.route("/sessions/<int:training_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_edit(training_id: int):
    training = _training(training_id)
    require_(access.can_edit_training(current_user, training))
    form = forms.TrainingForm(obj=training) if request.method == "GET" else forms.TrainingForm()
    _fill(form)
    if request.method == "GET":
        skills = queries.session_skills(db.session, training.id)
        form.skill_ids.data = [s.skill_id for s in skills]
        form.skill_levels = {s.skill_id: s.target_level or "" for s in skills}
        form.trainer_ids.data = [f"p{p.person_id}" for p in training.participants if p.role == "trainer"]
        form.trainee_ids.data = [f"p{p.person_id}" for p in training.participants if p.role == "trainee"]
        for (day, period, start, end), hd in zip(form.half_day_rows(), training.half_days, strict=False):
            day.data, period.data = hd.day, hd.period
            start.data, end.data = clock.to_paris(hd.starts_at).time(), clock.to_paris(hd.ends_at).time()
    if form.validate_on_submit():
        ok, _t = _save(form, training)
        if ok:
            flash(_("Formation modifiée."), "success")
            return redirect(url_for("training.session_detail", training_id=training.id))
    status = 400 if request.method == "POST" else 200
    return render_template("training/sessions/form.html", form=form, training=training), status


# --- the training's page ---------------------------------------------------------------------------------------------

@bp.route("/sessions/<int:training_id>")
@roles_required(*ROLES)
def session_detail(training_id: int):
    training = _training(training_id)
    signed = attendance.signatures_of(db.session, training)
    people = documents._people(training)
    me = _me()
    can_edit = access.can_edit_training(current_user, training)
    scans = queries.scans_by_half_day(db.session, [hd.id for hd in training.half_days]) if can_edit else {}
    certified = {p.id for p in documents.certified_trainees(db.session, training)}
    return render_template(
        "training/sessions/detail.html", training=training, signed=signed, people=people, me=me, now=clock.now(),
        skills=services.training_skills(db.session, training), place=documents.place_text(db.session, training),
        can_edit=can_edit, can_sheet=access.can_see_sheet(current_user, training), scans=scans,
        certified=certified, cancel_form=forms.CancelForm(), scan_form=forms.ScanForm(),
        can_certificate=lambda person: access.can_see_certificate(current_user, person, training),
        can_sign_for=lambda person: access.can_sign_for(current_user, person, training), **_context())


@bp.route("/sessions/<int:training_id>/cancel", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_cancel(training_id: int):
    training = _training(training_id)
    require_(access.can_edit_training(current_user, training))
    form = forms.CancelForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: services.cancel_training(db.session, training, form.reason.data, actor=current_user,
                                                         now=clock.now()), _("Formation annulée."))
    else:
        flash(_("Indiquez le motif de l'annulation."), "error")
    return redirect(url_for("training.session_detail", training_id=training.id))


@bp.route("/sessions/<int:training_id>/held", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_held(training_id: int):
    training = _training(training_id)
    require_(access.can_edit_training(current_user, training))
    if forms.SafeForm().validate_on_submit():
        commit_or_flash(lambda: services.mark_held(db.session, training, actor=current_user, now=clock.now()),
                        _("Formation marquée comme réalisée."))
    return redirect(url_for("training.session_detail", training_id=training.id))


# --- signing ----------------------------------------------------------------------------------------------------------

def _signer(half_day: TrainingHalfDay, raw) -> Person | None:
    """The person signing: ``raw`` (a person id, on a trainer's screen) or the current user's person."""
    if raw not in (None, ""):
        raw = str(raw).strip()
        return db.session.get(Person, int(raw)) if raw.isdigit() and len(raw) <= 9 else None
    return _me()


@bp.route("/sessions/half-days/<int:half_day_id>/sign", methods=["GET", "POST"])
@roles_required(*ROLES)
def session_sign(half_day_id: int):
    half_day = _half_day(half_day_id)
    training = half_day.training
    form = forms.SignForm()
    raw = form.person_id.data if request.method == "POST" else request.args.get("person", "")
    person = _signer(half_day, raw)
    if person is None or services.participant_of(training, person.id) is None:
        flash(_("Vous ne participez pas à cette formation : rien à signer."), "error")
        return redirect(url_for("training.session_detail", training_id=training.id))
    require_(access.can_sign_for(current_user, person, training))
    done = attendance.signature_of(db.session, half_day.id, person.id)
    if request.method == "POST" and form.validate_on_submit() and done is None:
        ok, _row = commit_or_show(form, lambda: attendance.sign(
            db.session, half_day, person, actor=current_user, now=clock.now(), png=form.signature.data,
            ip=client_ip()))
        if ok:
            flash(_("Merci %(name)s : votre présence est enregistrée.", name=person.full_name), "success")
            return redirect(url_for("training.session_sign", half_day_id=half_day.id)
                            if access.is_self(current_user, person)
                            else url_for("training.session_detail", training_id=training.id))
        done = attendance.signature_of(db.session, half_day.id, person.id)
    elif request.method == "POST" and done is not None:
        flash(_("%(name)s a déjà émargé cette demi-journée.", name=person.full_name), "error")
    form.person_id.data = "" if access.is_self(current_user, person) else str(person.id)
    status = 400 if request.method == "POST" else 200
    return render_template("training/sessions/sign.html", half_day=half_day, training=training, person=person,
                           form=form, done=done, open=attendance.is_open(half_day, clock.now()),
                           window=attendance.signing_window(half_day), **_context()), status


@bp.route("/sessions/half-days/<int:half_day_id>/qr.svg")
@roles_required(*ROLES)
def session_qr(half_day_id: int):
    import segno

    half_day = _half_day(half_day_id)
    require_(access.can_record_attendance(current_user, half_day.training))
    url = current_app.config["COOPNUM_BASE_URL"].rstrip("/") + url_for("training.session_sign",
                                                                        half_day_id=half_day.id)
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="svg", scale=6, border=2, title=_("Signer la demi-journée"))
    return Response(out.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/sessions/half-days/<int:half_day_id>/scan", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_scan(half_day_id: int):
    half_day = _half_day(half_day_id)
    training = half_day.training
    require_(access.can_upload_scan(current_user, training))
    form = forms.ScanForm()
    form.person_ids.choices = [(p.person_id, p.person.full_name) for p in training.participants]
    if form.validate_on_submit():
        upload = form.scan.data
        content = upload.read(attendance.SCAN_MAX_BYTES + 1) if upload and hasattr(upload, "read") else b""
        filename = getattr(upload, "filename", "") or ""
        now = clock.now()

        def action():
            scan = attendance.upload_scan(db.session, half_day, filename=filename, data=content,
                                          actor=current_user, now=now)
            if form.person_ids.data:
                attendance.record_paper(db.session, half_day, scan, form.person_ids.data, actor=current_user,
                                        now=now)
            return scan

        commit_or_flash(action, _("Scan enregistré."))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("training.session_detail", training_id=training.id) + f"#half-day-{half_day.id}")


@bp.route("/scans/<int:scan_id>")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def scan_file(scan_id: int):
    scan = db.session.get(AttendanceScan, scan_id)
    if scan is None:
        raise NotFound("Scan introuvable.")
    half_day = _half_day(scan.half_day_id)
    require_(access.can_see_sheet(current_user, half_day.training))
    return Response(scan.data, mimetype=scan.content_type,
                    headers={"Content-Disposition": f'inline; filename="scan-{scan.id}"'})


# --- documents --------------------------------------------------------------------------------------------------------

def _pdf(content: bytes, filename: str, mimetype: str = "application/pdf") -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.route("/sessions/<int:training_id>/emargement.pdf")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_sheet(training_id: int):
    training = _training(training_id)
    require_(access.can_see_sheet(current_user, training))
    blank = request.args.get("blank") == "1"
    return _pdf(documents.sheet_pdf(db.session, training, blank=blank),
                f"emargement-{training.id}{'-vierge' if blank else ''}.pdf")


def _signer_name() -> str:
    return current_user.full_name if access.can_manage(current_user) else _coordinator_name()


def _coordinator_name() -> str:
    user = queries.first_coordinator(db.session)
    return user.full_name if user else ""


@bp.route("/sessions/<int:training_id>/certificates/<int:person_id>.pdf")
@roles_required(*ROLES)
def session_certificate(training_id: int, person_id: int):
    training = _training(training_id)
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("Personne introuvable.")
    require_(access.can_see_certificate(current_user, person, training))
    try:
        content = documents.certificate_pdf(db.session, training, person, signer_name=_signer_name(),
                                            now=clock.now())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("training.session_detail", training_id=training.id))
    return _pdf(content, f"certificat-{training.id}-{documents.slug(person.full_name)}.pdf")


@bp.route("/sessions/<int:training_id>/certificates.zip")
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_certificates_zip(training_id: int):
    training = _training(training_id)
    require_(access.can_see_sheet(current_user, training))
    try:
        content = documents.certificates_zip(db.session, training, signer_name=_signer_name(), now=clock.now())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("training.session_detail", training_id=training.id))
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="certificats-{training.id}.zip"'})


# --- levels reached ---------------------------------------------------------------------------------------------------

@bp.route("/sessions/<int:training_id>/levels", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.MEDIATOR)
def session_levels(training_id: int):
    training = _training(training_id)
    require_(access.can_edit_training(current_user, training))
    form = forms.LevelsForm()
    skills = services.training_skills(db.session, training)
    trainees = [p.person for p in training.participants if p.role == ParticipantRole.TRAINEE and p.person]
    if form.validate_on_submit():
        levels = {}
        for person in trainees:
            for skill, _target in skills:
                raw = (request.form.get(f"level-{person.id}-{skill.id}") or "").strip()
                if raw.isdigit() and len(raw) <= 2:
                    levels[(person.id, skill.id)] = int(raw)
        ok, _rows = commit_or_flash(lambda: services.record_levels(db.session, training, levels, actor=current_user,
                                                                   now=clock.now()), _("Niveaux enregistrés."))
        if ok:
            return redirect(url_for("training.session_detail", training_id=training.id))
    status = 400 if request.method == "POST" else 200
    return render_template("training/sessions/levels.html", training=training, skills=skills, trainees=trainees,
                           form=form), status


# --- panels: dashboard, calendars -------------------------------------------------------------------------------------

def _calendar_items(session, user_ids, start, end) -> list:
    items = []
    for hd, training, place, people in queries.calendar_half_days(session, start, end, user_ids):
        items.append(calendar_sources.CalendarItem(
            uid=f"training-{training.id}-{hd.day.isoformat()}-{hd.period}@coopnum",
            title=f"Formation : {training.title}", start=hd.starts_at, end=hd.ends_at,
            location=documents.place_label(place, training), url=f"/training/sessions/{training.id}",
            user_ids=frozenset(user_id for user_id, _name in people if user_id), sequence=training.sequence or 0,
            cancelled=training.status == TrainingStatus.CANCELLED,
            description="Formation entre pairs — " + ", ".join(sorted(name for _user_id, name in people))))
    return items


def _dashboard_panel(user) -> dict:
    to_sign, upcoming = attendance.dashboard_half_days(db.session, user.id, clock.now())
    return {"to_sign": to_sign, "upcoming": upcoming, "period_label": services.period_label}


def register_panels() -> None:
    """Dashboard panel, calendar sources."""
    calendar_sources.register(_calendar_items)
    dashboard.register("training_sessions", "training/sessions/panel_dashboard.html", ROLES, _dashboard_panel, 60)
