"""Pages of the missions domain: organisations (structures) and their contacts (interlocuteurs).

Staff manage them; an authority contact sees its own organisation's page (read-only)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, dashboard, navigation, slots
from coopnum.core.access import require, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.views import commit_or_flash, commit_or_show, form_status, queue_password_link
from coopnum.organisations import queries
from coopnum.organisations.access import can_manage, can_view_organisation
from coopnum.organisations.forms.conventions import STATUS_LABELS, VOLUME_UNIT_LABELS
from coopnum.organisations.forms.organisations import (
    KIND_LABELS,
    ContactForm,
    OrganisationFilterForm,
    OrganisationForm,
)
from coopnum.organisations.models import (
    Contact,
    Organisation,
    OrganisationKind,
)
from coopnum.organisations.services import organisations as services
from coopnum.organisations.views import bp


def _load(organisation_id: int) -> Organisation:
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    return org


def _load_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        abort(404)
    return contact


def place_url(place_id: int) -> str:
    """The page of a place."""
    return url_for("organisations.place_detail", place_id=place_id)


@bp.route("/organisations")
@roles_required(Role.COORDINATOR)
def organisations():
    form = OrganisationFilterForm(request.args)
    kind = form.kind.data if form.kind.data in set(OrganisationKind) else None
    stmt = services.organisations_query(q=form.q.data, kind=kind, archived=bool(form.archived.data))
    page = paginate(db.session, stmt, *page_args())
    ids = [o.id for o in page.items]
    running = queries.signed_convention_counts(db.session, ids)
    return render_template(
        "organisations/organisations/list.html", page=page, form=form, running=running, kind_labels=KIND_LABELS
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def organisation_new():
    form = OrganisationForm()
    if form.validate_on_submit():
        ok, org = commit_or_show(
            form,
            lambda: services.create_organisation(db.session, current_user, services.OrganisationData.from_form(form),
                                                now=clock.now()),
        )
        if ok:
            flash(_("Structure « %(name)s » créée.", name=org.name), "success")
            return redirect(url_for("organisations.organisation_detail", organisation_id=org.id))
    return render_template("organisations/organisations/form.html", form=form, organisation=None), form_status()


@bp.route("/organisations/<int:organisation_id>")
@roles_required(Role.COORDINATOR, Role.AUTHORITY)
def organisation_detail(organisation_id: int):
    org = _load(organisation_id)
    require(can_view_organisation(current_user, org))
    conventions = queries.organisation_conventions(db.session, org.id)
    summaries = queries.volumes(db.session, [c.id for c in conventions], now=clock.now())
    places = queries.organisation_places(db.session, org.id)
    return render_template(
        "organisations/organisations/detail.html",
        organisation=org,
        contacts=org.contacts,
        conventions=conventions,
        summaries=summaries,
        places=[(p, place_url(p.id)) for p in places],
        staff=can_manage(current_user),
        contact_form=ContactForm(),
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        unit_labels=VOLUME_UNIT_LABELS,
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def organisation_edit(organisation_id: int):
    org = _load(organisation_id)
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        ok, _result = commit_or_show(
            form,
            lambda: services.update_organisation(
                db.session, current_user, org, services.OrganisationData.from_form(form), now=clock.now()
            ),
        )
        if ok:
            flash(_("Structure « %(name)s » enregistrée.", name=org.name), "success")
            return redirect(url_for("organisations.organisation_detail", organisation_id=org.id))
    return render_template("organisations/organisations/form.html", form=form, organisation=org), form_status()


@bp.route("/organisations/<int:organisation_id>/archive", methods=["POST"])
@roles_required(Role.COORDINATOR)
def organisation_archive(organisation_id: int):
    org = _load(organisation_id)
    services.set_organisation_archived(db.session, current_user, org, True, now=clock.now())
    db.session.commit()
    flash(_("Structure « %(name)s » archivée.", name=org.name), "success")
    return redirect(url_for("organisations.organisation_detail", organisation_id=org.id))


@bp.route("/organisations/<int:organisation_id>/restore", methods=["POST"])
@roles_required(Role.COORDINATOR)
def organisation_restore(organisation_id: int):
    org = _load(organisation_id)
    services.set_organisation_archived(db.session, current_user, org, False, now=clock.now())
    db.session.commit()
    flash(_("Structure « %(name)s » désarchivée.", name=org.name), "success")
    return redirect(url_for("organisations.organisation_detail", organisation_id=org.id))


# --- contacts ---------------------------------------------------------------------------------------------------


@bp.route("/organisations/<int:organisation_id>/contacts/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def contact_new(organisation_id: int):
    org = _load(organisation_id)
    form = ContactForm()
    if form.validate_on_submit():
        ok, contact = commit_or_show(
            form,
            lambda: services.add_contact(
                db.session, current_user, org, services.ContactData.from_form(form), now=clock.now()
            ),
        )
        if ok:
            flash(_("Interlocuteur %(name)s ajouté.", name=contact.full_name), "success")
            return redirect(url_for("organisations.organisation_detail", organisation_id=org.id) + "#contacts")
    return render_template(
        "organisations/organisations/contact_form.html", form=form, organisation=org, contact=None
    ), form_status()


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def contact_edit(contact_id: int):
    contact = _load_contact(contact_id)
    org = contact.organisation
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        ok, _result = commit_or_show(
            form,
            lambda: services.update_contact(
                db.session, current_user, contact, services.ContactData.from_form(form), now=clock.now()
            ),
        )
        if ok:
            flash(_("Interlocuteur %(name)s enregistré.", name=contact.full_name), "success")
            return redirect(url_for("organisations.organisation_detail", organisation_id=org.id) + "#contacts")
    return render_template(
        "organisations/organisations/contact_form.html", form=form, organisation=org, contact=contact
    ), form_status()


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def contact_delete(contact_id: int):
    contact = _load_contact(contact_id)
    org_id, name, had_login = contact.organisation_id, contact.full_name, contact.user_id is not None
    services.delete_contact(db.session, current_user, contact, now=clock.now())
    db.session.commit()
    flash(_("Interlocuteur %(name)s supprimé.", name=name), "success")
    if had_login:
        flash(
            _("Son compte d'accès reste actif : désactivez-le dans « Comptes » si la personne est partie."),
            "warning",
        )
    return redirect(url_for("organisations.organisation_detail", organisation_id=org_id) + "#contacts")


@bp.route("/contacts/<int:contact_id>/access", methods=["POST"])
@roles_required(Role.COORDINATOR)
def contact_create_login(contact_id: int):
    contact = _load_contact(contact_id)
    org_id = contact.organisation_id

    def create_login():
        user = services.create_contact_login(db.session, current_user, contact, now=clock.now())
        queue_password_link(user, invitation=True)  # in the same transaction: a rolled-back account sends nothing
        return user

    ok, user = commit_or_flash(create_login)
    if ok:
        flash(
            _(
                "Accès créé pour %(email)s : une invitation à choisir son mot de passe lui a été envoyée.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("organisations.organisation_detail", organisation_id=org_id) + "#contacts")


def _dashboard_panel(user) -> dict:
    return queries.organisation_with_places(db.session, user.organisation_id)


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    dashboard.register("organisation", "organisations/organisations/_dashboard_panel.html", (Role.AUTHORITY,),
                       _dashboard_panel, 10)
    slots.register_provider("users.organisation_choices", queries.organisation_choices)
    navigation.register("organisations.organisations", _l("Structures"), (Role.COORDINATOR,), 120, group="clients")
