"""Pages of the organisations domain: the requests for services, on the contact's side (/missions/portal/requests…)
and on the coordination's side (/missions/requests/…)."""

import functools
from collections import defaultdict

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, dashboard, mail, navigation, outbox
from coopnum.core.access import is_staff, roles_required
from coopnum.core.db import db
from coopnum.core.i18n import elided
from coopnum.core.models import Role, User
from coopnum.core.pagination import page_args, paginate
from coopnum.core.validation import bounded_int
from coopnum.core.views import commit_or_flash, commit_or_show, form_status, link_to
from coopnum.missions import access, queries
from coopnum.missions.forms.requests import (
    CONVENTION_STATUS_LABELS,
    OTHER_PLACE,
    REQUEST_STATUS_BADGES,
    REQUEST_STATUS_LABELS,
    SESSION_STATUS_BADGES,
    SESSION_STATUS_LABELS,
    DeclineForm,
    PlanForm,
    QuoteForm,
    RequestFilterForm,
    ServiceRequestForm,
)
from coopnum.missions.models import Mission, RequestStatus, ServiceRequest
from coopnum.missions.services import requests as svc
from coopnum.missions.views import bp
from coopnum.organisations.models import Organisation

PORTAL_PER_PAGE = 20


LABELS = {
    "request_status": REQUEST_STATUS_LABELS, "request_badge": REQUEST_STATUS_BADGES,
    "session_status": SESSION_STATUS_LABELS, "session_badge": SESSION_STATUS_BADGES,
    "convention_status": CONVENTION_STATUS_LABELS,
}


def qty(value) -> str:
    """A volume (hours or sessions) without useless decimals: 12, 12,5."""
    return format_decimal(value or 0, format="#,##0.##")


def render_page(template: str, http_status: int = 200, **context):
    """A page of the requests or of the portal, with the helpers their templates share (links, labels, volumes)."""
    return render_template(template, link_to=link_to, labels=LABELS, qty=qty, **context), http_status


def portal_organisation() -> Organisation | None:
    """The organisation of the logged-in contact; None for an account attached to none (e.g. an administrator)."""
    if not current_user.organisation_id:
        return None
    return db.session.get(Organisation, current_user.organisation_id)


def portal_page(view):
    """A page of an authority contact's portal: ``view(organisation, ...)`` with the contact's organisation; an
    account attached to none (an administrator) gets the explanation instead."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        org = portal_organisation()
        if org is None:
            return render_page("portal/no_organisation.html")
        return view(org, *args, **kwargs)
    return wrapped


def _load_request(request_id: int) -> ServiceRequest:
    """Load a request and check that the user may see it: 404 otherwise (no hint that it exists)."""
    req = db.session.get(ServiceRequest, request_id)
    if req is None or not access.can_view_request(current_user, req):
        abort(404)
    return req


# --- mails, written into the outbox in the transaction of the action ----------------------------------------------

MAIL_KIND = "missions.request"
outbox.register_kind(MAIL_KIND, _l("Demande de prestation"))


def _queue_all(req: ServiceRequest, mails: list[mail.Mail]) -> None:
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    for message in mails:
        if message.to:
            outbox.queue(db.session, message, kind=MAIL_KIND, about=req, actor=actor, now=clock.now())


def _request_url(req_id: int) -> str:
    return current_app.config["COOPNUM_BASE_URL"] + url_for("missions.request_detail", request_id=req_id)


def _request_summary(req: ServiceRequest) -> str:
    place = req.place.name if req.place else req.place_text
    lines = [
        _("Prestation : %(name)s", name=req.service.name if req.service else "—"),
        _("Lieu : %(place)s", place=place or "—"),
    ]
    if req.wished_start or req.wished_end:
        lines.append(_("Période souhaitée : %(start)s → %(end)s",
                       start=format_date(req.wished_start) if req.wished_start else "…",
                       end=format_date(req.wished_end) if req.wished_end else "…"))
    if req.schedule_note:
        lines.append(_("Jours et horaires souhaités : %(note)s", note=req.schedule_note))
    if req.audience:
        lines.append(_("Public : %(audience)s", audience=req.audience))
    if req.expected_participants:
        lines.append(_("Nombre de participants attendus : %(count)s", count=req.expected_participants))
    return "\n".join(lines)


def _notify_coordination(req: ServiceRequest, requester: User) -> None:
    """Tell every active coordinator of a new request (one mail per language), through the outbox."""
    by_locale: dict[str, list[str]] = defaultdict(list)
    for user in svc.coordinators(db.session):
        by_locale[user.locale or "fr"].append(user.email)
    mails = []
    for locale, emails in sorted(by_locale.items()):
        with force_locale(locale):
            subject = elided(_("Nouvelle demande de %(organisation)s", organisation=req.organisation.name),
                             req.organisation.name)
            lines = [
                _("Bonjour,"), "",
                _("%(organisation)s demande une prestation.", organisation=req.organisation.name), "",
                _request_summary(req),
                _("Demandé par : %(name)s <%(email)s>", name=requester.full_name, email=requester.email), "",
                req.description, "",
                _("Pour y répondre : %(url)s", url=_request_url(req.id)), "",
            ]
        mails.append(mail.Mail(to=emails, subject=subject, body="\n".join(lines), reply_to=requester.email))
    _queue_all(req, mails)


def _notify_requester(req: ServiceRequest) -> None:
    """Tell the contact who made the request that its status changed, through the outbox."""
    user = db.session.get(User, req.requested_by_id) if req.requested_by_id else None
    if user is None or not user.active:
        return
    with force_locale(user.locale or "fr"):
        status = str(REQUEST_STATUS_LABELS[RequestStatus(req.status)])
        lines = [_("Bonjour %(name)s,", name=user.first_name), "",
                 _("La coordination a traité votre demande du %(day)s.", day=format_date(req.created_at)), "",
                 _request_summary(req), "", _("État : %(status)s", status=status)]
        if req.quote_reference and req.status == RequestStatus.QUOTED:
            lines.append(_("Devis proposé : %(ref)s", ref=req.quote_reference))
        if req.mission_id and req.status == RequestStatus.PLANNED:
            mission = db.session.get(Mission, req.mission_id)
            lines.append(_("Mission planifiée : %(title)s", title=mission.title))
        if req.answer:
            lines += ["", _("Message de la coordination :"), req.answer]
        lines += ["", _("Voir la demande : %(url)s", url=_request_url(req.id)), ""]
        subject = _("Votre demande de prestation : %(status)s", status=status)
    _queue_all(req, [mail.Mail(to=[user.email], subject=subject, body="\n".join(lines))])


# --- the authority's requests ------------------------------------------------------------------------------------

@bp.route("/portal/requests")
@roles_required(Role.AUTHORITY)
@portal_page
def portal_requests(org):
    page = paginate(db.session, svc.organisation_requests_stmt(org.id), page_args(PORTAL_PER_PAGE)[0],
                    PORTAL_PER_PAGE)
    return render_page("portal/requests.html", organisation=org, page=page,
                   can_request=access.can_create_request(current_user))


@bp.route("/portal/requests/new", methods=["GET", "POST"])
@roles_required(Role.AUTHORITY)
def request_new():
    if not access.can_create_request(current_user):
        abort(403)
    org = portal_organisation()
    services = svc.active_services(db.session)
    places = svc.organisation_places(db.session, org.id)
    form = ServiceRequestForm()
    form.service_id.choices = [(0, _("— Choisissez une prestation —"))] + [(s.id, s.name) for s in services]
    form.place_id.choices = [(p.id, p.name) for p in places] + [(OTHER_PLACE, _("Autre lieu (précisez ci-dessous)"))]
    if request.method == "GET":
        wanted = request.args.get("service_id", type=bounded_int)
        if wanted and any(s.id == wanted for s in services):
            form.service_id.data = wanted  # "request this service" from the catalogue
    if form.validate_on_submit():

        def create():
            req = svc.create_request(
                db.session, current_user, service_id=form.service_id.data, place_id=form.place_id.data or None,
                place_text=form.place_text.data or "", wished_start=form.wished_start.data,
                wished_end=form.wished_end.data, schedule_note=form.schedule_note.data or "",
                audience=form.audience.data or "", expected_participants=form.expected_participants.data,
                description=form.description.data or "", now=clock.now(),
            )
            _notify_coordination(req, current_user)

        ok, _result = commit_or_show(form, create)
        if ok:
            flash(_("Votre demande est envoyée à la coordination. Vous suivrez ici sa réponse."), "success")
            return redirect(url_for("missions.portal_requests"))
    return render_page("missions/requests/form.html", form_status(), organisation=org, form=form,
                   services=services)


@bp.route("/portal/requests/<int:request_id>/withdraw", methods=["POST"])
@roles_required(Role.AUTHORITY)
def request_withdraw(request_id: int):
    req = _load_request(request_id)
    if not access.is_authority_of(current_user, req.organisation_id):
        abort(403)
    withdrawn, _result = commit_or_flash(lambda: svc.withdraw_request(db.session, current_user, req, now=clock.now()),
                                         _("Demande retirée."))
    if not withdrawn:
        return redirect(url_for("missions.request_detail", request_id=request_id))
    return redirect(url_for("missions.portal_requests"))


# --- requests: the coordination's inbox and the detail page (shared with the contact) -------------------------------

@bp.route("/requests")
@roles_required(Role.COORDINATOR)
def requests():
    form = RequestFilterForm(request.args)
    status = request.args.get("status", "")
    if status not in {s.value for s in RequestStatus}:
        status = ""
    page = paginate(db.session, svc.inbox_stmt(status or None), *page_args(), scalars=False)
    return render_page("missions/requests/list.html", form=form, page=page, status_filter=status,
                   counts=svc.count_by_status(db.session))


def _detail(req: ServiceRequest, status: int = 200, **forms):
    staff = is_staff(current_user)
    context = {"req": req, "staff": staff,
               "requester": db.session.get(User, req.requested_by_id) if req.requested_by_id else None,
               "answered_by": db.session.get(User, req.answered_by_id) if req.answered_by_id else None,
               "mission": db.session.get(Mission, req.mission_id) if req.mission_id else None,
               "can_withdraw": req.status == RequestStatus.NEW
               and access.is_authority_of(current_user, req.organisation_id)}
    if staff:
        open_ = bool(svc.TRANSITIONS[RequestStatus(req.status)])
        plan_form = forms.get("plan_form") or PlanForm(prefix="plan")
        plan_form.mission_id.choices = [(0, _("— Choisissez une mission —"))] + [
            (m.id, f"{m.title} ({m.convention.reference})") for m in svc.request_missions(db.session, req)]
        context.update(
            open=open_, decline_form=forms.get("decline_form") or DeclineForm(prefix="decline"),
            quote_form=forms.get("quote_form") or QuoteForm(prefix="quote", quote_reference=req.quote_reference),
            plan_form=plan_form, new_mission_url=link_to("missions.mission_new", request_id=req.id),
        )
    return render_page("missions/requests/detail.html", status, **context)


@bp.route("/requests/<int:request_id>")
@roles_required(Role.COORDINATOR, Role.AUTHORITY)
def request_detail(request_id: int):
    return _detail(_load_request(request_id))


def _staff_request(request_id: int) -> ServiceRequest:
    req = db.session.get(ServiceRequest, request_id)
    if req is None:
        abort(404)
    return req


def _and_notify(req: ServiceRequest, action):
    """The service call of an answer, then the mail to the requester, in one transaction."""
    def run():
        result = action()
        _notify_requester(req)
        return result
    return run


def _answered(req: ServiceRequest, message: str):
    flash(message, "success")
    return redirect(url_for("missions.request_detail", request_id=req.id))


def _answer_with(req: ServiceRequest, form, form_name: str, action, message: str):
    """Validate the answer's form, run the service call, write the requester's mail and commit, or show the
    request again with the errors."""
    if form.validate_on_submit():
        ok, _result = commit_or_show(form, _and_notify(req, action))
        if ok:
            return _answered(req, message)
    return _detail(req, 400, **{form_name: form})


@bp.route("/requests/<int:request_id>/take", methods=["POST"])
@roles_required(Role.COORDINATOR)
def request_take(request_id: int):
    req = _staff_request(request_id)
    ok, _result = commit_or_flash(_and_notify(req, lambda: svc.take_request(db.session, current_user, req,
                                                                            now=clock.now())))
    return _answered(req, _("Demande prise en charge.")) if ok else _detail(req, 400)


@bp.route("/requests/<int:request_id>/decline", methods=["POST"])
@roles_required(Role.COORDINATOR)
def request_decline(request_id: int):
    req = _staff_request(request_id)
    form = DeclineForm(prefix="decline")
    return _answer_with(req, form, "decline_form", lambda: svc.decline_request(
        db.session, current_user, req, form.message.data, now=clock.now()),
        _("Demande refusée ; la structure est prévenue."))


@bp.route("/requests/<int:request_id>/quote", methods=["POST"])
@roles_required(Role.COORDINATOR)
def request_quote(request_id: int):
    req = _staff_request(request_id)
    form = QuoteForm(prefix="quote")
    return _answer_with(req, form, "quote_form", lambda: svc.quote_request(
        db.session, current_user, req, form.quote_reference.data, form.message.data or "", now=clock.now()),
        _("Devis indiqué ; la structure est prévenue."))


@bp.route("/requests/<int:request_id>/plan", methods=["POST"])
@roles_required(Role.COORDINATOR)
def request_plan(request_id: int):
    req = _staff_request(request_id)
    form = PlanForm(prefix="plan")
    form.mission_id.choices = [(0, "—")] + [(m.id, m.title) for m in svc.request_missions(db.session, req)]
    return _answer_with(req, form, "plan_form", lambda: svc.plan_request(
        db.session, current_user, req, form.mission_id.data, form.message.data or "", now=clock.now()),
        _("Demande planifiée ; la structure est prévenue."))


# --- dashboard panels -------------------------------------------------------------------------------------------------

def _requests_panel(user) -> dict:
    figures = queries.requests_by_status(db.session)
    new, oldest_new = figures.get(RequestStatus.NEW, (0, None))
    return {"new": new, "in_review": figures.get(RequestStatus.IN_REVIEW, (0, None))[0], "oldest_new": oldest_new}


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    navigation.register("missions.portal_requests", _l("Mes demandes"), (Role.AUTHORITY,), 55)
    navigation.register("missions.requests", _l("Demandes"), (Role.COORDINATOR,), 130, group="clients")
    dashboard.register("requests", "missions/requests/panel.html", (Role.COORDINATOR,), _requests_panel, 150)
