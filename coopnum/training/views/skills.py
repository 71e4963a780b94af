"""Skills framework, people, levels, certifications, target profiles, the skills matrix.

- the framework (Pix by domain, the levels explained, the title's blocks, the cooperative's skills): everyone of the
  training domain; the cooperative's skills are created and edited by the staff;
- people: the list (staff, mediators), a person's page (levels by domain, the history of assessments,
  certifications, target profile and gaps: staff, mediators, the person itself), « Mes compétences »;
- certifications expiring soon (staff), target profiles (staff), the matrix and its XLSX export (staff, mediators).
"""

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from coopnum.core import clock, dashboard, formats
from coopnum.core.access import is_staff, require, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_show, form_status
from coopnum.training import access, queries
from coopnum.training.forms.skills import (
    CERT_STATUS_BADGES,
    CERT_STATUS_LABELS,
    CERTIFICATION_LABELS,
    EVIDENCE_LABELS,
    FRAMEWORK_LABELS,
    KIND_LABELS,
    KIND_SHORT,
    AssessmentForm,
    CertificationForm,
    MatrixFilterForm,
    PeopleFilterForm,
    PersonForm,
    ProfileForm,
    ProfileLevelForm,
    SkillForm,
)
from coopnum.training.models import Certification, Person, Skill, SkillFramework, TargetProfile
from coopnum.training.services import certifications, framework, matrix, people, profiles
from coopnum.training.views import bp

STAFF = (Role.COORDINATOR,)
TEAM = (Role.COORDINATOR, Role.MEDIATOR)
ALL = (Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER)


@bp.app_context_processor
def _skills_labels():
    return {"person_kind_labels": KIND_LABELS, "person_kind_short": KIND_SHORT, "evidence_labels": EVIDENCE_LABELS,
            "certification_labels": CERTIFICATION_LABELS, "framework_labels": FRAMEWORK_LABELS,
            "cert_status_labels": CERT_STATUS_LABELS, "cert_status_badges": CERT_STATUS_BADGES}


def _actor() -> User:
    return current_user._get_current_object()


def _load(model, obj_id: int):
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404)
    return obj


def _ensure_people() -> None:
    """A person for every mediator and coordinator (the lists and the matrix show them all)."""
    try:
        if people.ensure_staff_people(db.session):
            db.session.commit()
    except IntegrityError:  # a concurrent request created them first
        db.session.rollback()


def _profile_choices(empty=_l("Aucun")) -> list[tuple[str, str]]:
    return [("", str(empty))] + [(str(p.id), p.name) for p in profiles.profiles(db.session)]


def _skill_choices() -> list[tuple[int, str]]:
    return [(s.id, f"{s.code} — {s.title}") for s in framework.skills(db.session)]


# --- the framework --------------------------------------------------------------------------------------------------

@bp.route("/skills")
@roles_required(*ALL)
def skills_index():
    rows = framework.skills(db.session, active_only=not is_staff(current_user))
    groups = {f.value: framework.by_domain([s for s in rows if s.framework == f]) for f in SkillFramework}
    return render_template("training/skills/framework.html", groups=groups, levels=framework.PIX_LEVEL_LABELS,
                           can_manage=access.can_manage(current_user))


@bp.route("/skills/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def skill_new():
    form = SkillForm()
    del form.active
    if form.validate_on_submit():
        ok, skill = commit_or_show(form, lambda: framework.create_skill(
            db.session, _actor(), code=form.code.data, title=form.title.data, max_level=form.max_level.data,
            description=form.description.data or "", domain_title=form.domain_title.data or "", now=clock.now()))
        if ok:
            flash(_("Compétence « %(code)s » créée.", code=skill.code), "success")
            return redirect(url_for("training.skills_index") + "#custom")
    return render_template("training/skills/skill_form.html", form=form, skill=None), form_status()


@bp.route("/skills/<int:skill_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def skill_edit(skill_id: int):
    skill = _load(Skill, skill_id)
    form = SkillForm(obj=skill)
    custom = skill.framework == SkillFramework.CUSTOM
    if not custom:
        del form.code, form.max_level, form.domain_title
    if form.validate_on_submit():
        ok, _s = commit_or_show(form, lambda: framework.update_skill(
            db.session, _actor(), skill, title=form.title.data, description=form.description.data or "",
            active=form.active.data, code=form.code.data if custom else None,
            max_level=form.max_level.data if custom else None,
            domain_title=form.domain_title.data if custom else None, now=clock.now()))
        if ok:
            flash(_("Compétence « %(code)s » enregistrée.", code=skill.code), "success")
            return redirect(url_for("training.skills_index"))
    return render_template("training/skills/skill_form.html", form=form, skill=skill), form_status()


# --- people ---------------------------------------------------------------------------------------------------------

@bp.route("/people")
@roles_required(*TEAM)
def people_index():
    _ensure_people()
    form = PeopleFilterForm(request.args)
    form.profile_id.choices = _profile_choices(_l("Tous"))
    form.validate()
    stmt = people.people_stmt(form.q.data or "" if not form.q.errors else "",
                              kind=(form.kind.data or None) if not form.kind.errors else None,
                              profile_id=parse_id(form.profile_id.data) if not form.profile_id.errors else None)
    page = paginate(db.session, stmt, *page_args(50))
    return render_template("training/skills/people.html", form=form, page=page,
                           profile_names={p.id: p.name for p in profiles.profiles(db.session)},
                           can_manage=access.can_manage(current_user))


def _person_form(person: Person | None = None) -> PersonForm:
    form = PersonForm(obj=person)
    form.target_profile_id.choices = _profile_choices()
    if request.method == "GET" and person is not None:
        form.target_profile_id.data = str(person.target_profile_id or "")
    return form


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def person_new():
    form = _person_form()
    del form.active
    if request.method == "GET":
        form.kind.data = "external"
    if form.validate_on_submit():
        ok, person = commit_or_show(form, lambda: people.create_person(
            db.session, _actor(), full_name=form.full_name.data, kind=form.kind.data, email=form.email.data,
            organisation=form.organisation.data or "", target_profile_id=parse_id(form.target_profile_id.data),
            notes=form.notes.data or "", now=clock.now()))
        if ok:
            flash(_("%(name)s ajouté·e.", name=person.full_name), "success")
            return redirect(url_for("training.person", person_id=person.id))
    return render_template("training/skills/person_form.html", form=form, person=None), form_status()


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def person_edit(person_id: int):
    person = _load(Person, person_id)
    form = _person_form(person)
    if form.validate_on_submit():
        ok, _p = commit_or_show(form, lambda: people.update_person(
            db.session, _actor(), person, full_name=form.full_name.data, kind=form.kind.data, email=form.email.data,
            organisation=form.organisation.data or "", member_id=person.member_id,
            target_profile_id=parse_id(form.target_profile_id.data), notes=form.notes.data or "",
            active=form.active.data, now=clock.now()))
        if ok:
            flash(formats.elide(_("Fiche de %(name)s enregistrée.", name=person.full_name), person.full_name), "success")
            return redirect(url_for("training.person", person_id=person.id))
    return render_template("training/skills/person_form.html", form=form, person=person), form_status()


def _forms(person: Person) -> dict:
    assess = AssessmentForm(prefix="assess")
    assess.skill_id.choices = _skill_choices()
    cert = CertificationForm(prefix="cert")
    if request.method == "GET":
        assess.assessed_on.data = clock.today()
        assess.evidence_kind.data = "self" if access.is_self(current_user, person) and not is_staff(
            current_user) else "trainer"
    return {"assess": assess, "cert": cert}


def _render_person(person: Person, forms: dict | None = None, status: int = 200):
    forms = forms or _forms(person)
    rows = framework.skills(db.session)
    levels = people.current_levels(db.session, [person.id])
    gaps = profiles.gaps(db.session, [person], levels)[person.id]
    required = profiles.required_levels(db.session, [person.target_profile_id]).get(person.target_profile_id, {}) \
        if person.target_profile_id else {}
    today = clock.today()
    within, _last = certifications.reminder_days(db.session)
    certs = [(c, certifications.status(c, today, within)) for c in certifications.of_person(db.session, person.id)]
    groups = [(f, framework.by_domain([s for s in rows if s.framework == f])) for f in SkillFramework]
    return render_template(
        "training/skills/person.html", person=person, groups=groups, levels=levels, gaps=gaps, required=required,
        history=people.history(db.session, person.id), certs=certs, forms=forms,
        profile=db.session.get(TargetProfile, person.target_profile_id) if person.target_profile_id else None,
        can_assess=access.can_assess(current_user, person),
        can_certify=access.can_edit_certifications(current_user, person),
        can_manage=access.can_manage(current_user), is_self=access.is_self(current_user, person)), status


@bp.route("/people/<int:person_id>")
@roles_required(*ALL)
def person(person_id: int):
    person = _load(Person, person_id)
    require(access.can_see_person(current_user, person))
    return _render_person(person)


@bp.route("/me")
@roles_required(*ALL)
def my_skills():
    try:
        person = people.person_for_user(db.session, _actor())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        person = people.person_for_user(db.session, _actor(), create=False)
    return redirect(url_for("training.person", person_id=person.id))


@bp.route("/people/<int:person_id>/assess", methods=["POST"])
@roles_required(*TEAM)
def person_assess(person_id: int):
    person = _load(Person, person_id)
    require(access.can_see_person(current_user, person) and access.can_assess(current_user, person))
    forms = _forms(person)
    form = forms["assess"]
    if form.validate_on_submit():
        ok, row = commit_or_show(form, lambda: people.record_assessment(
            db.session, _actor(), person, form.skill_id.data, level=form.level.data,
            assessed_on=form.assessed_on.data, evidence_kind=form.evidence_kind.data,
            evidence=form.evidence.data or "", now=clock.now()))
        if ok:
            flash(_("Niveau enregistré."), "success")
            return redirect(url_for("training.person", person_id=person.id) + "#levels")
    db.session.expire_all()
    return _render_person(_load(Person, person_id), forms, status=400)


@bp.route("/people/<int:person_id>/certifications", methods=["POST"])
@roles_required(*ALL)
def certification_new(person_id: int):
    person = _load(Person, person_id)
    require(access.can_see_person(current_user, person) and access.can_edit_certifications(current_user, person))
    forms = _forms(person)
    form = forms["cert"]
    if form.validate_on_submit():
        ok, _c = commit_or_show(form, lambda: certifications.add_certification(
            db.session, _actor(), person, kind=form.kind.data, name=form.name.data,
            obtained_on=form.obtained_on.data, expires_on=form.expires_on.data, issuer=form.issuer.data or "",
            reference=form.reference.data or "", notes=form.notes.data or "", now=clock.now()))
        if ok:
            flash(_("Certification enregistrée."), "success")
            return redirect(url_for("training.person", person_id=person.id) + "#certifications")
    db.session.expire_all()
    return _render_person(_load(Person, person_id), forms, status=400)


@bp.route("/certifications/<int:certification_id>/edit", methods=["GET", "POST"])
@roles_required(*ALL)
def certification_edit(certification_id: int):
    cert = _load(Certification, certification_id)
    person = _load(Person, cert.person_id)
    require(access.can_edit_certifications(current_user, person))
    form = CertificationForm(obj=cert)
    if form.validate_on_submit():
        ok, _c = commit_or_show(form, lambda: certifications.update_certification(
            db.session, _actor(), cert, kind=form.kind.data, name=form.name.data, obtained_on=form.obtained_on.data,
            expires_on=form.expires_on.data, issuer=form.issuer.data or "", reference=form.reference.data or "",
            notes=form.notes.data or "", now=clock.now()))
        if ok:
            flash(_("Certification enregistrée."), "success")
            return redirect(url_for("training.person", person_id=person.id) + "#certifications")
    return render_template("training/skills/certification_form.html", form=form, cert=cert,
                           person=person), form_status()


@bp.route("/certifications")
@roles_required(*STAFF)
def certifications_index():
    within, _last = certifications.reminder_days(db.session)
    days = request.args.get("days", type=parse_id) or within
    days = min(days, 3650)
    today = clock.today()
    rows = certifications.expiring(db.session, today, days, include_expired_days=365)
    return render_template("training/skills/certifications.html", rows=[
        (c, p, certifications.status(c, today, days)) for c, p in rows], days=days)


# --- target profiles ------------------------------------------------------------------------------------------------

@bp.route("/profiles", methods=["GET", "POST"])
@roles_required(*STAFF)
def profiles_index():
    form = ProfileForm(prefix="new")
    del form.active
    if form.validate_on_submit():
        ok, profile = commit_or_show(form, lambda: profiles.create_profile(
            db.session, _actor(), name=form.name.data, description=form.description.data or "", now=clock.now()))
        if ok:
            flash(_("Profil « %(name)s » créé.", name=profile.name), "success")
            return redirect(url_for("training.profile", profile_id=profile.id))
    all_profiles = profiles.profiles(db.session)
    required = profiles.required_levels(db.session, [p.id for p in all_profiles])
    counts = queries.profile_sizes(db.session) if all_profiles else {}
    return render_template("training/skills/profiles.html", form=form, profiles=all_profiles, required=required,
                           counts=counts), form_status()


def _render_profile(profile: TargetProfile, form=None, level_form=None, status: int = 200):
    form = form or ProfileForm(obj=profile, formdata=None)
    level_form = level_form or ProfileLevelForm(prefix="level", formdata=None)
    level_form.skill_id.choices = _skill_choices()
    required = profiles.required_levels(db.session, [profile.id])[profile.id]
    skills = {s.id: s for s in framework.skills(db.session, active_only=False) if s.id in required}
    members = queries.profile_members(db.session, profile.id)
    gaps = profiles.gaps(db.session, members)
    return render_template("training/skills/profile.html", profile=profile, form=form, level_form=level_form,
                           required=required, skills=skills, members=members, gaps=gaps), status


@bp.route("/profiles/<int:profile_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def profile(profile_id: int):
    profile = _load(TargetProfile, profile_id)
    if request.method == "GET":
        return _render_profile(profile)
    form = ProfileForm()
    if form.validate_on_submit():
        ok, _p = commit_or_show(form, lambda: profiles.update_profile(
            db.session, _actor(), profile, name=form.name.data, description=form.description.data or "",
            active=form.active.data, now=clock.now()))
        if ok:
            flash(_("Profil enregistré."), "success")
            return redirect(url_for("training.profile", profile_id=profile.id))
    db.session.expire_all()
    return _render_profile(_load(TargetProfile, profile_id), form=form, status=400)


@bp.route("/profiles/<int:profile_id>/levels", methods=["POST"])
@roles_required(*STAFF)
def profile_level(profile_id: int):
    profile = _load(TargetProfile, profile_id)
    form = ProfileLevelForm(prefix="level")
    form.skill_id.choices = _skill_choices()
    if form.validate_on_submit():
        ok, _p = commit_or_show(form, lambda: profiles.update_profile(
            db.session, _actor(), profile, name=profile.name, description=profile.description, active=profile.active,
            levels={form.skill_id.data: form.level.data}, now=clock.now()))
        if ok:
            flash(_("Niveau requis enregistré."), "success")
            return redirect(url_for("training.profile", profile_id=profile.id))
    db.session.expire_all()
    return _render_profile(_load(TargetProfile, profile_id), level_form=form, status=400)


# --- the matrix -----------------------------------------------------------------------------------------------------

def _matrix_args():
    form = MatrixFilterForm(request.args)
    form.profile_id.choices = _profile_choices(_l("Tous"))
    form.skill_id.choices = [("", _("Choisir une compétence"))] + [(str(i), label) for i, label in _skill_choices()]
    form.validate()
    year = form.year.data if form.year.data and not form.year.errors else clock.today().year
    if "framework" not in request.args:  # by default, the Pix competences (the columns the matrix is about)
        form.framework.data = SkillFramework.PIX.value
    args = {"q": form.q.data or "" if not form.q.errors else "",
            "kind": (form.kind.data or None) if not form.kind.errors else None,
            "profile_id": parse_id(form.profile_id.data) if not form.profile_id.errors else None,
            "frameworks": (form.framework.data,) if form.framework.data and not form.framework.errors else (),
            "year": year}
    return form, args


@bp.route("/matrix")
@roles_required(*TEAM)
def matrix_page():
    _ensure_people()
    form, args = _matrix_args()
    grid = matrix.build(db.session, **args)
    skill_id = parse_id(form.skill_id.data) if not form.skill_id.errors else None
    skill = db.session.get(Skill, skill_id) if skill_id else None
    who = matrix.who_can_train(db.session, skill) if skill is not None else None
    export_args = {k: v for k, v in request.args.items() if k in ("q", "kind", "profile_id", "framework", "year")}
    return render_template("training/skills/matrix.html", form=form, grid=grid, who=who,
                           threshold=matrix.TRAINER_LEVEL, export_args=export_args)


@bp.route("/matrix.xlsx")
@roles_required(*TEAM)
def matrix_export():
    import io

    _ensure_people()
    _form, args = _matrix_args()
    grid = matrix.build(db.session, **args)
    labels = {"sheet": _("Matrice"), "gaps_sheet": _("Écarts"), "name": _("Nom"), "kind": _("Type"),
              "profile": _("Profil cible"), "trainee_hours": _("Heures suivies (%(year)s)", year=grid.year),
              "trainer_hours": _("Heures animées (%(year)s)", year=grid.year), "skill": _("Compétence"),
              "current": _("Niveau actuel"), "target": _("Niveau visé"), "missing": _("Écart"),
              "kinds": {k: str(v) for k, v in KIND_SHORT.items()}}
    data = matrix.xlsx(grid, labels)
    return send_file(io.BytesIO(data), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     download_name=f"matrice-competences-{clock.today().isoformat()}.xlsx")


# --- panels ---------------------------------------------------------------------------------------------------------

def _staff_panel(_user) -> dict:
    rows, within = certifications.dashboard_rows(db.session, clock.today())
    return {"rows": rows[:10], "more": len(rows) > 10, "days": within}


def _own_panel(user) -> dict:
    if is_staff(user):  # the staff's panel lists everyone's
        return {"hidden": True}
    rows, within = certifications.dashboard_rows(db.session, clock.today(), user_id=user.id, expired_days=365)
    return {"rows": rows, "days": within, "hidden": False}


def register_panels() -> None:
    """Dashboard panels: the certifications expiring soon (staff: everyone's; a mediator or member: its own)."""
    dashboard.register("training_certifications", "training/skills/panel_staff.html", STAFF, _staff_panel, 60)
    dashboard.register("my_certifications", "training/skills/panel_own.html", (Role.MEDIATOR, Role.MEMBER),
                       _own_panel, 61)
