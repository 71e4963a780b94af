"""Pages of the missions domain: catalogue (bouquet de services).

Staff manage the catalogue; mediators and authority contacts read the active services (an authority chooses
from it what to request)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, navigation
from coopnum.core.access import roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.views import commit_or_show, form_status
from coopnum.organisations.access import can_create_request, can_manage
from coopnum.organisations.forms.catalogue import (
    CATEGORY_LABELS,
    UNIT_LABELS,
    VAT_LABELS,
    ServiceFilterForm,
    ServiceForm,
)
from coopnum.organisations.models import Service, ServiceCategory
from coopnum.organisations.services import catalogue as services
from coopnum.organisations.views import bp

LABELS = {"category_labels": CATEGORY_LABELS, "unit_labels": UNIT_LABELS, "vat_labels": VAT_LABELS}


def _load(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


@bp.route("/catalogue")
@roles_required(Role.COORDINATOR, Role.MEDIATOR, Role.AUTHORITY)
def catalogue():
    staff = can_manage(current_user)
    form = ServiceFilterForm(request.args)
    category = form.category.data if form.category.data in set(ServiceCategory) else None
    if staff:
        active = {"1": True, "0": False}.get(form.active.data)
    else:
        del form.active
        active = True  # the others see what can be ordered today
    stmt = services.services_query(active=active, category=category, q=form.q.data)
    page = paginate(db.session, stmt, *page_args(50))
    # an authority contact asks for a service from here
    can_request = can_create_request(current_user)
    return render_template(
        "organisations/catalogue/list.html", page=page, form=form, staff=staff, can_request=can_request, **LABELS
    )


@bp.route("/catalogue/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def service_new():
    form = ServiceForm()
    if form.validate_on_submit():
        ok, service = commit_or_show(
            form, lambda: services.create_service(db.session, current_user, services.ServiceData.from_form(form), now=clock.now())
        )
        if ok:
            flash(_("Service « %(name)s » ajouté au catalogue.", name=service.name), "success")
            return redirect(url_for("organisations.catalogue"))
    return render_template("organisations/catalogue/form.html", form=form, service=None), form_status()


@bp.route("/catalogue/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def service_edit(service_id: int):
    service = _load(service_id)
    form = ServiceForm(obj=service)
    if form.validate_on_submit():
        ok, _result = commit_or_show(
            form,
            lambda: services.update_service(db.session, current_user, service, services.ServiceData.from_form(form),
                                            now=clock.now()),
        )
        if ok:
            flash(_("Service « %(name)s » enregistré.", name=service.name), "success")
            return redirect(url_for("organisations.catalogue"))
    return render_template("organisations/catalogue/form.html", form=form, service=service), form_status()


@bp.route("/catalogue/<int:service_id>/deactivate", methods=["POST"])
@roles_required(Role.COORDINATOR)
def service_deactivate(service_id: int):
    service = _load(service_id)
    services.set_service_active(db.session, current_user, service, False, now=clock.now())
    db.session.commit()
    flash(_("Service « %(name)s » désactivé : il n'est plus proposé.", name=service.name), "success")
    return redirect(url_for("organisations.catalogue"))


@bp.route("/catalogue/<int:service_id>/activate", methods=["POST"])
@roles_required(Role.COORDINATOR)
def service_activate(service_id: int):
    service = _load(service_id)
    services.set_service_active(db.session, current_user, service, True, now=clock.now())
    db.session.commit()
    flash(_("Service « %(name)s » réactivé.", name=service.name), "success")
    return redirect(url_for("organisations.catalogue"))


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    navigation.register("organisations.catalogue", _l("Catalogue"), (Role.COORDINATOR,), 110, group="clients")
