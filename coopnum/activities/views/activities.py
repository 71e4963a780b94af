"""Pages of the activities area: activity reports (CRA) — list with filters, a short form usable on a phone
(prefilled from a session), detail, edit, delete — and the coordinator's editable reference lists."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import defaultload

from coopnum.activities import access, queries
from coopnum.activities import cra_reference as ref
from coopnum.activities.forms.activities import (
    MODE_FOLLOWED,
    MODE_NEW,
    ORIENTED_UNKNOWN,
    ActivityForm,
    ReferenceAddForm,
    ReferenceEntryForm,
    with_kept,
)
from coopnum.activities.models import Activity, Beneficiary
from coopnum.activities.services import activities as service
from coopnum.activities.services import beneficiaries, reference_lists
from coopnum.activities.services.activity_queries import ActivityFilters, visible_activities
from coopnum.activities.views import bp
from coopnum.core import clock, navigation, slots
from coopnum.core.access import is_staff, load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import Role, User
from coopnum.core.pagination import COUNT_LIMIT, page_args, paginate
from coopnum.core.validation import parse_id
from coopnum.core.views import commit_or_flash, commit_or_show, form_status
from coopnum.missions.models import MissionSession
from coopnum.missions.services import assignment
from coopnum.organisations import queries as organisations_queries
from coopnum.organisations.models import Convention, Place

REPORTERS = (Role.COORDINATOR, Role.MEDIATOR)
KINDS = (ref.TYPE_INDIVIDUEL, ref.TYPE_COLLECTIF)


# Service field → form field, when they differ.
_FORM_FIELD = {
    "duration_minutes": "duration", "structure_redirection": "redirection", "beneficiary_genre": "genre",
    "beneficiary_tranche_age": "tranche_age", "beneficiary_statut_social": "statut_social",
    "new_beneficiary_first_name": "first_name", "new_beneficiary_last_name": "last_name",
    "new_beneficiary_birth_year": "birth_year", "new_beneficiary_genre": "genre",
    "new_beneficiary_tranche_age": "tranche_age", "new_beneficiary_statut_social": "statut_social",
    "new_beneficiary_commune": "beneficiary_commune", "new_beneficiary_commune_insee": "beneficiary_commune",
    "new_beneficiary_postal_code": "beneficiary_commune", "commune_insee": "commune",
    "commune_postal_code": "commune_postal_code",
}
_SESSION_FIELDS = {"date", "place_type", "place_id", "convention_id", "commune", "commune_postal_code"}


def _is_locked(activity: Activity) -> bool:
    """Whether the coordination validated the activity's month for its mediator (timesheets' month lock)."""
    return slots.provided_one("months.is_locked", db.session, activity.mediator_id, activity.date, default=False)


def export_action() -> str:
    """The URL of the activities export."""
    return url_for("activities.activities_export")


# --- list -----------------------------------------------------------------------------------------------------------

def _filter_choices(staff: bool, themes: list, demarches: list) -> dict:
    conventions = organisations_queries.non_draft_convention_rows(db.session)
    places = organisations_queries.place_choices(db.session, with_city=True)
    mediators = queries.mediator_rows(db.session) if staff else []
    return {
        "mediators": [(m.id, m.full_name) for m in mediators],
        "conventions": [(c.id, f"{c.reference} — {c.title}") for c in conventions],
        "places": places,
        "kinds": [(i.value, i.label) for i in ref.items(ref.TYPE_ACTIVITE)],
        "themes": [(e.value, e.label) for e in themes if e.active],
        "demarches": [(e.value, e.label) for e in demarches if e.active],
    }


def _period_links(today: date, args: dict) -> list[tuple[str, str]]:
    """Quick periods (this month, last month, this year), keeping the other filters."""
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    periods = [
        (_("Ce mois-ci"), first, today),
        (_("Le mois dernier"), last_month_end.replace(day=1), last_month_end),
        (_("Cette année"), today.replace(month=1, day=1), today),
    ]
    return [(label, url_for("activities.activities", **(args | {"from": start.isoformat(), "to": end.isoformat()})))
            for label, start, end in periods]


@bp.get("/activities")
@roles_required(*REPORTERS)
def activities():
    staff = is_staff(current_user)
    error, status = None, 200
    try:
        filters = ActivityFilters.from_args(request.args)
    except DomainError as exc:
        filters, error, status = ActivityFilters(), exc, 400
    stmt = visible_activities(current_user, filters).options(
        defaultload(Activity.mediator).lazyload(User.roles))  # the rows show names only
    page = paginate(db.session, stmt, *page_args(50), count_limit=COUNT_LIMIT)
    places = queries.rows_by_id(db.session, Place, (a.place_id for a in page.items), Place.name)
    conventions = queries.rows_by_id(db.session, Convention, (a.convention_id for a in page.items),
                                     Convention.reference)
    themes = reference_lists.entries(db.session, ref.THEMATIQUE)
    demarches = reference_lists.entries(db.session, ref.THEMATIQUE_DEMARCHE)
    theme_labels = {e.value: e.label for e in themes + demarches}
    return render_template(
        "activities/activities/list.html", page=page, filters=filters, args=filters.to_args(), error=error,
        choices=_filter_choices(staff, themes, demarches), staff=staff, places=places, conventions=conventions,
        theme_labels=theme_labels, kind_labels={i.value: i.label for i in ref.items(ref.TYPE_ACTIVITE)},
        place_type_labels={i.value: i.label for i in ref.items(ref.TYPE_LIEU)},
        export_url=export_action(), period_links=_period_links(clock.today(), filters.to_args()),
    ), status


# --- the form -------------------------------------------------------------------------------------------------------

def _entries_choices(list_name: str, kept=()) -> list[tuple[str, str]]:
    entries = reference_lists.entries(db.session, list_name)
    labels = {e.value: e.label for e in entries}
    return with_kept([(e.value, e.label) for e in entries if e.active], kept, labels)


def _fill_choices(form: ActivityForm, *, mediator_id: int | None, s: MissionSession | None,
                  activity: Activity | None) -> list[Beneficiary]:
    """Set every choice list; returns the followed people offered (of the activity's mediator)."""
    none = [("", "—")]
    form.thematiques.choices = _entries_choices(ref.THEMATIQUE, activity.thematiques if activity else ())
    form.thematiques_demarche.choices = _entries_choices(ref.THEMATIQUE_DEMARCHE,
                                                         activity.thematiques_demarche if activity else ())
    form.materiel.choices = _entries_choices(ref.MATERIEL, activity.materiel if activity else ())
    form.autonomie.choices = [(i.value, f"{'★' * i.extras.get('stars', 0)} {i.label}")
                              for i in ref.items(ref.AUTONOMIE)]
    form.workshop_level.choices = _entries_choices(
        ref.NIVEAU_ATELIER, [activity.workshop_level] if activity and activity.workshop_level else ())
    form.redirection.choices = [("", _("Non")), (ORIENTED_UNKNOWN, _("Oui, structure non précisée"))] + \
        _entries_choices(ref.STRUCTURE_REDIRECTION,
                         [activity.structure_redirection] if activity and activity.structure_redirection else ())
    form.genre.choices = none + [(i.value, i.label) for i in ref.items(ref.GENRE)]
    form.tranche_age.choices = none + [(i.value, i.label) for i in ref.items(ref.TRANCHE_AGE)]
    form.statut_social.choices = none + _entries_choices(
        ref.STATUT_SOCIAL,
        [activity.beneficiary_statut_social] if activity and activity.beneficiary_statut_social else ())
    if s is not None:
        assigned = [a.user for a in s.assignments]
        form.mediator_id.choices = [(u.id, u.full_name) for u in assigned]
    elif is_staff(current_user):
        form.mediator_id.choices = [(0, _("— choisir —"))] + [(u.id, u.full_name)
                                                             for u in assignment.mediators(db.session)]
    else:
        form.mediator_id.choices = [(current_user.id, current_user.full_name)]
    if activity is not None and activity.mediator_id not in {c[0] for c in form.mediator_id.choices}:
        form.mediator_id.choices.append((activity.mediator_id, activity.mediator.full_name))
    if s is None:
        places = organisations_queries.place_choices(db.session, with_city=True)
        form.place_id.choices = [(0, _("— choisir —"))] + places
        if activity is not None and activity.place_id and activity.place_id not in {p[0] for p in places}:
            place = db.session.get(Place, activity.place_id)
            form.place_id.choices.append((place.id, f"{place.name} ({place.city})"))
        conventions = organisations_queries.non_draft_conventions(db.session)
        form.convention_id.choices = [(0, _("Aucune"))] + [
            (c.id, f"{c.reference} — {c.organisation.name}") for c in conventions]
    people = beneficiaries.of_mediator(db.session, mediator_id) if mediator_id else []
    form.beneficiary_id.choices = [(0, _("— choisir —"))] + [(b.id, _person_label(b)) for b in people]
    form.beneficiary_ids.choices = [(b.id, _person_label(b)) for b in people]
    return people


def _person_label(b: Beneficiary) -> str:
    return f"{b.display_name} ({b.birth_year})" if b.birth_year else b.display_name


def _data_from_form(form: ActivityForm, kind: str, s: MissionSession | None) -> service.ActivityData:
    individual = kind == ref.TYPE_INDIVIDUEL
    redirection = form.redirection.data or ""
    data = service.ActivityData(
        kind=kind, duration_minutes=form.duration_minutes(), session_id=s.id if s is not None else None,
        mediator_id=form.mediator_id.data or None,
        materiel=list(form.materiel.data or []), thematiques=list(form.thematiques.data or []),
        thematiques_demarche=list(form.thematiques_demarche.data or []),
        precisions_demarche=form.precisions_demarche.data or "",
        autonomie=(form.autonomie.data or None) if individual else None,
        oriented=bool(redirection),
        structure_redirection=None if redirection in ("", ORIENTED_UNKNOWN) else redirection,
        notes=form.notes.data or "",
    )
    if s is None:
        data.date = form.date.data
        data.place_type = form.place_type.data or None
        data.place_id = (form.place_id.data or None) if data.place_type == ref.LIEU_ACTIVITE else None
        if data.place_type in ref.LIEUX_AVEC_COMMUNE:
            data.commune = form.commune.data or ""
            data.commune_postal_code = form.commune_postal_code.data or None
        data.convention_id = form.convention_id.data or None
    if not individual:
        data.workshop_title = form.workshop_title.data or ""
        data.workshop_level = form.workshop_level.data or None
        data.participants = form.participants.data
        data.beneficiary_ids = list(form.beneficiary_ids.data or [])
        return data
    mode = form.beneficiary_mode.data
    if mode == MODE_FOLLOWED:
        data.beneficiary_ids = [form.beneficiary_id.data] if form.beneficiary_id.data else []
    elif mode == MODE_NEW:
        data.new_beneficiary = beneficiaries.BeneficiaryData(
            first_name=form.first_name.data or "", last_name=form.last_name.data or "",
            birth_year=form.birth_year.data, genre=form.genre.data or None, tranche_age=form.tranche_age.data or None,
            statut_social=form.statut_social.data or None, commune=form.beneficiary_commune.data or "")
        data.confirm_new_beneficiary = bool(form.confirm_new.data)
    else:
        data.beneficiary_genre = form.genre.data or None
        data.beneficiary_tranche_age = form.tranche_age.data or None
        data.beneficiary_statut_social = form.statut_social.data or None
        data.beneficiary_commune = form.beneficiary_commune.data or ""
    return data


def _show_errors(form: ActivityForm, exc: DomainError, kind: str, with_session: bool) -> list[str]:
    """Put each message next to its field; returns those without a shown field."""
    general = []
    errors = exc.details.get("errors") or [{"field": exc.field, "message": exc.message}]
    for error in errors:
        name = error["field"]
        name = _FORM_FIELD.get(name, name)
        if name == "beneficiary_ids" and kind == ref.TYPE_INDIVIDUEL:
            name = "beneficiary_id"
        field = form._fields.get(name) if name else None
        if field is None or name in ("kind", "session_id") or (with_session and name in _SESSION_FIELDS):
            general.append(error["message"])
        else:
            field.errors = [*field.errors, error["message"]]
    return general


def _kind(default: str = ref.TYPE_INDIVIDUEL) -> str:
    kind = request.values.get("kind") or default
    return kind if kind in KINDS else ref.TYPE_INDIVIDUEL


def _arg_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return parse_id(value)


def _form_mediator(form: ActivityForm, s: MissionSession | None, activity: Activity | None) -> int | None:
    """The mediator whose followed people the form offers."""
    if not is_staff(current_user):
        return current_user.id
    if request.method == "POST":
        chosen = request.form.get("mediator_id", "")
        if parse_id(chosen):
            return parse_id(chosen)
    if activity is not None:
        return activity.mediator_id
    if s is not None:
        assigned = [a.user_id for a in s.assignments]
        if current_user.id in assigned:
            return current_user.id
        return assigned[0] if assigned else None
    return _arg_int("mediator") or (current_user.id if current_user.has_role(Role.MEDIATOR) else None)


def _another_url(kind: str, s: MissionSession | None, form: ActivityForm) -> str:
    if s is not None:
        return url_for("activities.activity_new", session=s.id, kind=kind)
    args = {"kind": kind, "date": form.date.data.isoformat() if form.date.data else None,
            "place_type": form.place_type.data or None, "place": form.place_id.data or None,
            "convention": form.convention_id.data or None}
    if is_staff(current_user):
        args["mediator"] = form.mediator_id.data or None
    return url_for("activities.activity_new", **{k: v for k, v in args.items() if v})


def _render_form(form, *, kind, s, activity, people, general=(), duplicates=(), status=None):
    return render_template(
        "activities/activities/form.html", form=form, kind=kind, s=s, activity=activity, people=people,
        general_errors=list(general), duplicates=list(duplicates), staff=is_staff(current_user),
        recent=(service.recent_sessions(db.session, current_user.id, now=clock.now())
                if activity is None and s is None and current_user.has_role(Role.MEDIATOR) else []),
        session_url=_session_url, kind_labels={i.value: i.label for i in ref.items(ref.TYPE_ACTIVITE)},
    ), status or form_status()


def _session_url(s: MissionSession) -> str:
    return url_for("missions.session_detail", session_id=s.id)


def _reportable(session_id: int, activity: Activity | None = None) -> MissionSession:
    """The session to report on; 404/403 for an unknown or someone else's session, a DomainError if it cannot
    have a report (cancelled, future…)."""
    s = db.session.get(MissionSession, session_id)
    if s is None:
        abort(404)
    try:
        return service.reportable_session(db.session, current_user, s.id, now=clock.now(), previous=activity)
    except Forbidden:
        abort(403)


def _use_candidate(form: ActivityForm) -> None:
    """« C'est cette personne » after a duplicate warning: link the existing record instead."""
    chosen = request.form.get("use_beneficiary", "")
    if parse_id(chosen) is not None:
        form.beneficiary_mode.data = MODE_FOLLOWED
        form.beneficiary_id.data = int(chosen)


def _submit(form, kind, s, action):
    """Run the service for a submitted form: (response or None, general errors, duplicates)."""
    _use_candidate(form)
    data = _data_from_form(form, kind, s)
    general, duplicates = [], []

    def show(form, exc: DomainError) -> None:
        if isinstance(exc, Forbidden):
            abort(403)
        if isinstance(exc, beneficiaries.DuplicateBeneficiary):
            form.first_name.errors = [*form.first_name.errors, exc.message]
            duplicates.extend(exc.candidates)
        else:
            general.extend(_show_errors(form, exc, kind, s is not None))

    _ok, result = commit_or_show(form, lambda: action(data), show)
    return result, general, duplicates


@bp.route("/activities/new", methods=["GET", "POST"])
@roles_required(*REPORTERS)
def activity_new():
    kind = _kind()
    s = None
    session_id = request.values.get("session") or request.form.get("session_id")
    if session_id:
        if parse_id(session_id) is None:
            abort(404)
        try:
            s = _reportable(int(session_id))
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("activities.activity_new", kind=kind))
    form = ActivityForm()
    mediator_id = _form_mediator(form, s, None)
    people = _fill_choices(form, mediator_id=mediator_id, s=s, activity=None)
    if request.method == "GET":
        form.kind.data = kind
        form.session_id.data = s.id if s is not None else ""
        form.mediator_id.data = mediator_id or 0
        if s is None:
            try:
                form.date.data = date.fromisoformat(request.args.get("date", "")) if request.args.get(
                    "date") else clock.today()
            except ValueError:
                form.date.data = clock.today()
            form.place_type.data = request.args.get("place_type") or ref.LIEU_ACTIVITE
            form.place_id.data = _arg_int("place") or 0
            form.convention_id.data = _arg_int("convention") or 0
    if request.method == "POST" and form.validate_on_submit():
        activity, general, duplicates = _submit(
            form, kind, s,
            lambda data: service.create_activity(db.session, current_user, data, now=clock.now()))
        if activity is not None:
            flash(_("Activité enregistrée : %(kind)s, %(minutes)s min.", kind=ref.label(ref.TYPE_ACTIVITE, kind),
                    minutes=activity.duration_minutes), "success")
            if request.form.get("then") == "another":
                return redirect(_another_url(kind, s, form))
            return redirect(url_for("activities.activity_detail", activity_id=activity.id))
        return _render_form(form, kind=kind, s=s, activity=None, people=people, general=general,
                            duplicates=duplicates, status=400)
    return _render_form(form, kind=kind, s=s, activity=None, people=people)


def _get_activity(activity_id: int) -> Activity:
    return load_or_404(Activity, activity_id, access.can_view_activity)


@bp.get("/activities/<int:activity_id>")
@roles_required(*REPORTERS)
def activity_detail(activity_id: int):
    activity = _get_activity(activity_id)
    s = db.session.get(MissionSession, activity.session_id) if activity.session_id else None
    place = db.session.get(Place, activity.place_id) if activity.place_id else None
    convention = db.session.get(Convention, activity.convention_id) if activity.convention_id else None
    return render_template(
        "activities/activities/detail.html", a=activity, s=s, place=place, convention=convention,
        labels=reference_lists.all_labels(db.session), session_url=_session_url,
        locked=_is_locked(activity),
        month=clock.month_label(clock.month_start(activity.date)),
    )


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@roles_required(*REPORTERS)
def activity_edit(activity_id: int):
    activity = _get_activity(activity_id)
    kind = _kind(activity.kind)
    s = None
    if activity.session_id:
        try:
            s = _reportable(activity.session_id, activity)
        except DomainError:  # pragma: no cover - an attached session is always kept
            s = None
    form = ActivityForm()
    mediator_id = _form_mediator(form, s, activity)
    people = _fill_choices(form, mediator_id=mediator_id, s=s, activity=activity)
    if request.method == "GET":
        _load(form, activity, kind)
        if _is_locked(activity):
            flash(_("Le mois de cette activité est validé et verrouillé : demandez à la coordination de le rouvrir "
                    "pour la modifier."), "warning")
    if request.method == "POST" and form.validate_on_submit():
        result, general, duplicates = _submit(
            form, kind, s,
            lambda data: service.update_activity(db.session, current_user, activity, data, now=clock.now()))
        if result is not None:
            flash(_("Activité modifiée."), "success")
            return redirect(url_for("activities.activity_detail", activity_id=activity.id))
        db.session.refresh(activity)
        return _render_form(form, kind=kind, s=s, activity=activity, people=people, general=general,
                            duplicates=duplicates, status=400)
    return _render_form(form, kind=kind, s=s, activity=activity, people=people)


def _load(form: ActivityForm, a: Activity, kind: str) -> None:
    """Fill the form from an activity (GET of the edit page)."""
    form.kind.data = kind
    form.session_id.data = a.session_id or ""
    form.mediator_id.data = a.mediator_id
    form.date.data = a.date
    form.place_type.data = a.place_type
    form.place_id.data = a.place_id or 0
    form.commune.data = a.commune
    form.commune_postal_code.data = a.commune_postal_code or ""
    form.convention_id.data = a.convention_id or 0
    form.set_duration(a.duration_minutes)
    form.thematiques.data = list(a.thematiques or [])
    form.thematiques_demarche.data = list(a.thematiques_demarche or [])
    form.precisions_demarche.data = a.precisions_demarche
    form.materiel.data = list(a.materiel or [])
    form.autonomie.data = a.autonomie or ""
    form.redirection.data = a.structure_redirection or (ORIENTED_UNKNOWN if a.oriented else "")
    form.workshop_title.data = a.workshop_title
    form.workshop_level.data = a.workshop_level or ""
    form.participants.data = a.participants
    form.notes.data = a.notes
    linked = [link.beneficiary_id for link in a.beneficiary_links]
    form.beneficiary_ids.data = linked
    if a.kind == ref.TYPE_INDIVIDUEL and linked:
        form.beneficiary_mode.data = MODE_FOLLOWED
        form.beneficiary_id.data = linked[0]
    else:
        form.genre.data = a.beneficiary_genre or ""
        form.tranche_age.data = a.beneficiary_tranche_age or ""
        form.statut_social.data = a.beneficiary_statut_social or ""
        form.beneficiary_commune.data = a.beneficiary_commune


@bp.post("/activities/<int:activity_id>/delete")
@roles_required(*REPORTERS)
def activity_delete(activity_id: int):
    activity = _get_activity(activity_id)
    deleted, _result = commit_or_flash(
        lambda: service.delete_activity(db.session, current_user, activity, now=clock.now()), _("Activité supprimée."))
    if not deleted:
        return redirect(url_for("activities.activity_detail", activity_id=activity_id))
    return redirect(url_for("activities.activities"))


# --- editable reference lists ---------------------------------------------------------------------------------------

# the titles of the editable lists in the reader's language (the services name them in French)
LIST_TITLES = {
    ref.MATERIEL: _l("Matériel utilisé"),
    ref.THEMATIQUE: _l("Thématiques de médiation numérique"),
    ref.THEMATIQUE_DEMARCHE: _l("Thématiques de démarches administratives"),
    ref.STRUCTURE_REDIRECTION: _l("Structures de redirection"),
    ref.NIVEAU_ATELIER: _l("Niveaux d’atelier"),
    ref.STATUT_SOCIAL: _l("Statuts sociaux"),
}


def _list_name_or_404(list_name: str) -> str:
    if list_name not in reference_lists.EDITABLE:
        abort(404)
    return list_name


@bp.get("/reference-lists", endpoint="reference_lists")
@roles_required(Role.COORDINATOR)
def reference_lists_page():
    lists = [(name, LIST_TITLES.get(name, title), reference_lists.entries(db.session, name))
             for name, title in reference_lists.EDITABLE.items()]
    return render_template("activities/reference/lists.html", lists=lists)


@bp.post("/reference-lists/<list_name>/entries/<value>")
@roles_required(Role.COORDINATOR)
def reference_entry_save(list_name: str, value: str):
    list_name = _list_name_or_404(list_name)
    form = ReferenceEntryForm()
    anchor = url_for("activities.reference_lists") + f"#list-{list_name}"
    if not form.validate_on_submit():
        flash(_("Indiquez un libellé et un ordre (nombre entier)."), "error")
        return redirect(anchor)
    commit_or_flash(lambda: reference_lists.save_entry(
        db.session, current_user, list_name, value, label=form.label.data, position=form.position.data,
        active=form.active.data, now=clock.now()), _("Entrée enregistrée : %(label)s.", label=form.label.data.strip()))
    return redirect(anchor)


@bp.post("/reference-lists/<list_name>/entries")
@roles_required(Role.COORDINATOR)
def reference_entry_add(list_name: str):
    list_name = _list_name_or_404(list_name)
    form = ReferenceAddForm()
    anchor = url_for("activities.reference_lists") + f"#list-{list_name}"
    if not form.validate_on_submit():
        flash(_("Indiquez le libellé de la nouvelle entrée."), "error")
        return redirect(anchor)
    commit_or_flash(lambda: reference_lists.add_entry(db.session, current_user, list_name, form.label.data,
                                                      now=clock.now()),
                    _("Entrée ajoutée : %(label)s.", label=form.label.data.strip()))
    return redirect(anchor)


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    navigation.register("activities.activities", _l("Activités"), REPORTERS, 140, group="activities")
    navigation.register("activities.reference_lists", _l("Listes de référence"), (Role.COORDINATOR,), 905, group="admin")
