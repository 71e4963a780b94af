"""Pages of followed beneficiaries: list and search, create (with the duplicate warning), detail, edit, possible
duplicates and merge, GDPR erasure on request, and the retention period (coordination)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.activities import access, queries
from coopnum.activities import cra_reference as ref
from coopnum.activities.forms.activities import BeneficiaryForm, EraseForm, MergeForm, RetentionForm
from coopnum.activities.models import Beneficiary
from coopnum.activities.services import beneficiaries as service
from coopnum.activities.services import reference_lists
from coopnum.activities.views import bp
from coopnum.core import clock, navigation
from coopnum.core.access import is_staff, load_or_404, roles_required
from coopnum.core.db import db
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.i18n import ngettext
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import bounded_int
from coopnum.core.views import commit_or_flash, commit_or_show, form_error, form_status
from coopnum.missions.services import assignment

FOLLOWERS = (Role.COORDINATOR, Role.MEDIATOR)


def _get(beneficiary_id: int) -> Beneficiary:
    return load_or_404(Beneficiary, beneficiary_id, access.can_view_beneficiary)


def _fill(form: BeneficiaryForm, b: Beneficiary | None = None) -> None:
    none = [("", "—")]
    form.genre.choices = none + [(i.value, i.label) for i in ref.items(ref.GENRE)]
    form.tranche_age.choices = none + [(i.value, i.label) for i in ref.items(ref.TRANCHE_AGE)]
    entries = reference_lists.entries(db.session, ref.STATUT_SOCIAL)
    form.statut_social.choices = none + [(e.value, e.label) for e in entries
                                         if e.active or (b is not None and e.value == b.statut_social)]
    if is_staff(current_user):
        form.mediator_id.choices = [(0, _("— choisir —"))] + [(u.id, u.full_name)
                                                             for u in assignment.mediators(db.session)]
    else:
        form.mediator_id.choices = [(current_user.id, current_user.full_name)]


def _data(form: BeneficiaryForm) -> service.BeneficiaryData:
    return service.BeneficiaryData(
        first_name=form.first_name.data or "", last_name=form.last_name.data or "", birth_year=form.birth_year.data,
        genre=form.genre.data or None, tranche_age=form.tranche_age.data or None,
        statut_social=form.statut_social.data or None, commune=form.commune.data or "",
        commune_insee=form.commune_insee.data or None, postal_code=form.postal_code.data or None)


def _labels() -> dict:
    return {"genre": {i.value: i.label for i in ref.items(ref.GENRE)},
            "tranche_age": {i.value: i.label for i in ref.items(ref.TRANCHE_AGE)},
            "statut_social": reference_lists.labels(db.session, ref.STATUT_SOCIAL)}


def _render_list(retention_form: RetentionForm | None = None, status: int = 200):
    staff = is_staff(current_user)
    q = request.args.get("q", "").strip()[:100]
    mediator = request.args.get("mediator", type=bounded_int) if staff else None
    page = paginate(db.session, service.search(current_user, q, mediator), *page_args(50))
    owners = {u.id: u.full_name for u in assignment.mediators(db.session)} if staff else {}
    if staff and retention_form is None:
        retention_form = RetentionForm(months=service.retention_months(db.session))
    has_duplicates = queries.has_rows(db.session, service.duplicate_keys(current_user))
    return render_template("activities/beneficiaries/list.html", page=page, q=q, staff=staff, owners=owners,
                           mediator=mediator, retention_form=retention_form, has_duplicates=has_duplicates,
                           labels=_labels()), status


@bp.get("/beneficiaries")
@roles_required(*FOLLOWERS)
def beneficiaries():
    return _render_list()


@bp.route("/beneficiaries/new", methods=["GET", "POST"])
@roles_required(*FOLLOWERS)
def beneficiary_new():
    form = BeneficiaryForm()
    _fill(form)
    candidates = []
    if request.method == "GET" and not is_staff(current_user):
        form.mediator_id.data = current_user.id
    if form.validate_on_submit():

        def show(form, exc: DomainError) -> None:
            if isinstance(exc, service.DuplicateBeneficiary):
                candidates.extend(exc.candidates)
                form.first_name.errors = [*form.first_name.errors, exc.message]
            elif isinstance(exc, Forbidden):
                abort(403)
            else:
                form_error(form, exc)

        ok, b = commit_or_show(form, lambda: service.create_beneficiary(
            db.session, current_user, _data(form), now=clock.now(), mediator_id=form.mediator_id.data or None,
            confirm_duplicate=bool(form.confirm_duplicate.data)), show)
        if ok:
            flash(_("Fiche créée."), "success")
            return redirect(url_for("activities.beneficiary_detail", beneficiary_id=b.id))
    return render_template("activities/beneficiaries/form.html", form=form, b=None, candidates=candidates,
                           staff=is_staff(current_user), labels=_labels()), form_status()


@bp.get("/beneficiaries/<int:beneficiary_id>")
@roles_required(*FOLLOWERS)
def beneficiary_detail(beneficiary_id: int):
    b = _get(beneficiary_id)
    page = paginate(db.session, queries.beneficiary_activities_stmt(b.id), *page_args(20))
    same = service.find_duplicates(db.session, current_user, b.first_name, b.last_name, b.birth_year,
                                   mediator_id=b.mediator_id, exclude_id=b.id)
    return render_template("activities/beneficiaries/detail.html", b=b, page=page, duplicates=same,
                           erase_form=EraseForm(prefix="erase"), merge_form=MergeForm(), labels=_labels(),
                           owner=db.session.get(User, b.mediator_id),
                           kind_labels={i.value: i.label for i in ref.items(ref.TYPE_ACTIVITE)},
                           theme_labels=reference_lists.labels(db.session, ref.THEMATIQUE))


@bp.route("/beneficiaries/<int:beneficiary_id>/edit", methods=["GET", "POST"])
@roles_required(*FOLLOWERS)
def beneficiary_edit(beneficiary_id: int):
    b = _get(beneficiary_id)
    form = BeneficiaryForm(obj=b)
    _fill(form, b)
    if request.method == "GET":
        form.genre.data, form.tranche_age.data = b.genre or "", b.tranche_age or ""
        form.statut_social.data = b.statut_social or ""
        form.mediator_id.data = b.mediator_id
    if form.validate_on_submit():

        def show(form, exc: DomainError) -> None:
            db.session.refresh(b)
            form_error(form, exc)

        ok, _result = commit_or_show(
            form, lambda: service.update_beneficiary(db.session, current_user, b, _data(form), now=clock.now()), show)
        if ok:
            flash(_("Fiche modifiée."), "success")
            return redirect(url_for("activities.beneficiary_detail", beneficiary_id=b.id))
    return render_template("activities/beneficiaries/form.html", form=form, b=b, candidates=[],
                           staff=is_staff(current_user), labels=_labels()), form_status()


@bp.post("/beneficiaries/<int:beneficiary_id>/erase")
@roles_required(*FOLLOWERS)
def beneficiary_erase(beneficiary_id: int):
    b = _get(beneficiary_id)
    form = EraseForm(prefix="erase")
    if not form.validate_on_submit():
        flash(_("Cochez la case pour confirmer l’effacement."), "error")
        return redirect(url_for("activities.beneficiary_detail", beneficiary_id=b.id))
    count = service.erase(db.session, current_user, b, now=clock.now())
    db.session.commit()
    flash(ngettext("Fiche effacée. %(num)s activité conservée sans données nominatives.",
                   "Fiche effacée. %(num)s activités conservées sans données nominatives.", count), "success")
    return redirect(url_for("activities.beneficiaries"))


@bp.get("/beneficiaries/duplicates")
@roles_required(*FOLLOWERS)
def beneficiary_duplicates():
    page = paginate(db.session, service.duplicate_keys(current_user), *page_args(20), scalars=False)
    groups = service.duplicate_groups(db.session, current_user, page.items)
    owners = {u.id: u.full_name for u in assignment.mediators(db.session)} if is_staff(current_user) else {}
    return render_template("activities/beneficiaries/duplicates.html", page=page, groups=groups, owners=owners,
                           labels=_labels(), merge_form=MergeForm())


@bp.post("/beneficiaries/merge")
@roles_required(*FOLLOWERS)
def beneficiary_merge():
    form = MergeForm()
    back = request.form.get("back") or ""
    target = url_for("activities.beneficiary_duplicates") if back != "detail" else None
    if not form.validate_on_submit():
        flash(_("Choisissez la fiche à garder et celle à fusionner."), "error")
        return redirect(target or url_for("activities.beneficiary_duplicates"))
    keep = _get(form.keep_id.data)
    remove = _get(form.remove_id.data)
    commit_or_flash(lambda: service.merge(db.session, current_user, keep, remove, now=clock.now()),
        _("Fiches fusionnées."))
    return redirect(target or url_for("activities.beneficiary_detail", beneficiary_id=keep.id))


@bp.post("/beneficiaries/retention")
@roles_required(Role.COORDINATOR)
def beneficiaries_retention():
    form = RetentionForm()
    if form.validate_on_submit():
        ok, _result = commit_or_show(
            form, lambda: service.set_retention(db.session, current_user, form.months.data, now=clock.now()))
        if ok:
            flash(_("Durée de conservation enregistrée : %(n)s mois.", n=form.months.data), "success")
            return redirect(url_for("activities.beneficiaries") + "#retention")
    return _render_list(form, 400)


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    navigation.register("activities.beneficiaries", _l("Bénéficiaires"), FOLLOWERS, 141, group="activities")
