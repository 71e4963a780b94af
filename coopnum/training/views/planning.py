"""The skills a service requires, the hints and warning of the assignment form, training suggestions.

- ``/training/requirements``: every service of the catalogue with the competences it requires (staff change them;
  mediators read them); the same list is a panel of the catalogue's service page (slot ``organisations.service``);
- the session page's panel (slot ``missions.session``, staff only): the competences the session's service
  requires and, for every mediator of the assignment form, ✓ or what is missing (current/required level);
- the warning after an assignment (notice ``missions.assigned``): the missions domain flashes it (or returns it in
  the API's JSON); the assignment is never refused for a missing competence;
- ``/training/suggestions`` and the matrix's panel (slot ``training.matrix``): the peer trainings that would close
  the gaps of the coming 30 days' sessions."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.core import clock
from coopnum.core.access import load_or_404, require, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.views import commit_or_flash, safe_next
from coopnum.missions.services import assignment
from coopnum.organisations.models import Service
from coopnum.training import access, queries
from coopnum.training.forms.planning import LevelForm, RequirementForm
from coopnum.training.models import ServiceSkillRequirement
from coopnum.training.services import requirements as svc
from coopnum.training.services import suggestions as suggest
from coopnum.training.views import bp

STAFF = (Role.COORDINATOR,)  # an admin passes every role check
READERS = (Role.COORDINATOR, Role.MEDIATOR)


def _skill_choices() -> list[tuple[int, str]]:
    skills = queries.active_skills(db.session)
    return [(s.id, f"{s.code} — {s.title}" + (f" (1–{s.max_level})" if s.max_level > 1 else "")) for s in skills]


def _requirement_form(service: Service, choices=None) -> RequirementForm:
    form = RequirementForm(prefix=f"req{service.id}", formdata=None)
    form.skill_id.choices = choices if choices is not None else _skill_choices()
    return form


def _back(default: str):
    return redirect(safe_next(request.args.get("next")) or default)


# --- the requirements page and the catalogue's panel ----------------------------------------------------------------

@bp.route("/requirements")
@roles_required(*READERS)
def requirements():
    require(access.can_see_matrix(current_user))
    by_service = svc.requirements_by_service(db.session)
    services = queries.services_for_requirements(db.session, list(by_service))
    can_manage = access.can_manage_requirements(current_user)
    choices = _skill_choices() if can_manage else []
    return render_template(
        "training/planning/requirements.html", services=services, by_service=by_service, can_manage=can_manage,
        forms={s.id: _requirement_form(s, choices) for s in services} if can_manage else {},
        level_form=LevelForm(formdata=None), back=request.path)


@bp.route("/requirements/services/<int:service_id>", methods=["POST"])
@roles_required(*STAFF)
def requirement_add(service_id: int):
    service = load_or_404(Service, service_id)
    require(access.can_manage_requirements(current_user))
    form = RequirementForm(prefix=f"req{service.id}")
    form.skill_id.choices = _skill_choices()
    default = url_for("training.requirements")
    if not form.validate_on_submit():
        flash(_("Choisissez une compétence et un niveau requis."), "error")
        return _back(default)
    commit_or_flash(lambda: svc.add_requirement(db.session, current_user, service_id=service.id,
                                                skill_id=form.skill_id.data, level=form.level.data, now=clock.now()),
                    _("Exigence ajoutée au service « %(name)s ».", name=service.name))
    return _back(default)


@bp.route("/requirements/<int:requirement_id>/level", methods=["POST"])
@roles_required(*STAFF)
def requirement_level(requirement_id: int):
    row = load_or_404(ServiceSkillRequirement, requirement_id)
    require(access.can_manage_requirements(current_user))
    form = LevelForm()
    default = url_for("training.requirements")
    if not form.validate_on_submit():
        flash(_("Indiquez un niveau requis."), "error")
        return _back(default)
    commit_or_flash(lambda: svc.change_level(db.session, current_user, row, level=form.level.data, now=clock.now()),
                    _("Niveau requis enregistré."))
    return _back(default)


@bp.route("/requirements/<int:requirement_id>/remove", methods=["POST"])
@roles_required(*STAFF)
def requirement_remove(requirement_id: int):
    row = load_or_404(ServiceSkillRequirement, requirement_id)
    require(access.can_manage_requirements(current_user))
    commit_or_flash(lambda: svc.remove_requirement(db.session, current_user, row, now=clock.now()),
                    _("Exigence retirée."))
    return _back(url_for("training.requirements"))


def _service_panel(user, service) -> dict | None:
    if service is None or not access.can_manage_requirements(user):
        return None
    return {"service": service, "requirements": svc.requirements_of(db.session, service.id),
            "form": _requirement_form(service), "level_form": LevelForm(formdata=None), "back": request.path}


# --- the session page's panel and the assignment's warning ----------------------------------------------------------

def _session_panel(user, s) -> dict | None:
    if s is None or not access.can_manage_requirements(user):
        return None
    requirements = svc.requirements_of(db.session, s.mission.service_id)
    if not requirements:
        return None
    mediators = assignment.mediators(db.session)
    assigned = {a.user_id for a in s.assignments}
    for a in s.assignments:  # an assigned user who is no longer an active mediator is still shown
        if all(m.id != a.user_id for m in mediators):
            mediators.append(a.user)
    gaps = svc.meets(db.session, service_id=s.mission.service_id, user_ids=[m.id for m in mediators])
    rows = [{"user": m, "gaps": gaps[m.id], "assigned": m.id in assigned} for m in mediators]
    rows.sort(key=lambda r: (not r["assigned"], bool(r["gaps"]), r["user"].full_name))
    return {"requirements": requirements, "rows": rows, "service": s.mission.service,
            "can_edit": True}


def gap_text(gaps) -> str:
    return ", ".join(f"{svc.skill_label(g.skill)} ({g.current}/{g.required})" for g in gaps)


def assignment_notices(*, session, user, **_kwargs) -> list[str]:
    """After ``user`` was assigned to the mission session ``session``: a warning if it lacks a required level."""
    if session is None or user is None or session.mission is None:
        return []
    gaps = svc.meets(db.session, service_id=session.mission.service_id, user_ids=[user.id]).get(user.id, [])
    if not gaps:
        return []
    return [_("Attention : %(name)s n'a pas le niveau requis en %(gaps)s", name=user.full_name, gaps=gap_text(gaps))]


# --- suggestions ----------------------------------------------------------------------------------------------------

def _plan_url(sug) -> str:
    return url_for("training.session_new", skill_id=sug.skill.id, level=sug.level, trainee=sug.trainee_person_ids)


def _suggestions_context(user) -> dict:
    items = suggest.suggestions(db.session, today=clock.paris_today(clock.now()))
    can_plan = access.can_plan(user)
    return {"suggestions": items, "plan_urls": {s.skill.id: (_plan_url(s) if can_plan else None) for s in items},
            "window_days": suggest.WINDOW_DAYS}


@bp.route("/suggestions")
@roles_required(*READERS)
def suggestions():
    require(access.can_see_matrix(current_user))
    return render_template("training/planning/suggestions.html", p=_suggestions_context(current_user))


def _matrix_panel(user, _obj) -> dict | None:
    if not access.can_see_matrix(user):
        return None
    return _suggestions_context(user)



def register_panels() -> None:
    """The catalogue's service page, the assignment form's panel, the warning after an assignment, the matrix's
    suggestions."""
    from coopnum.core import slots

    slots.register("organisations.service", "training/planning/_service_panel.html", context=_service_panel, order=60)
    slots.register("missions.session", "training/planning/_session_panel.html", context=_session_panel, order=20)
    slots.register("training.matrix", "training/planning/_suggestions_panel.html", context=_matrix_panel, order=50)
    slots.register_notice("missions.assigned", assignment_notices)
