"""The authority portal (/missions/portal…): an authority contact's home and the sessions of their organisation.

The home shows the organisation's conventions, next sessions and requests, and the panels other domains register
on the slot "portal.home" (e.g. billing's « Mes factures »)."""

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import clock, dashboard, navigation
from coopnum.core.access import has_role, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import COUNT_LIMIT, page_args, paginate
from coopnum.core.views import link_to
from coopnum.missions import access
from coopnum.missions.forms.requests import PortalSessionsForm
from coopnum.missions.services import requests as svc
from coopnum.missions.services.volumes import volume_summaries
from coopnum.missions.views.requests import LABELS, PORTAL_PER_PAGE, portal_page, qty, render_page
from coopnum.organisations.models import Organisation
from coopnum.portal import queries

bp = Blueprint("portal", __name__, url_prefix="/missions")


# --- the pages -----------------------------------------------------------------------------------------------------

@bp.route("/portal")
@roles_required(Role.AUTHORITY)
@portal_page
def portal(org):
    now = clock.now()
    conventions, older = queries.recent_conventions(db.session, org.id, today=clock.paris_today(now))
    volumes = volume_summaries(db.session, [c.id for c in conventions], now=now)
    sessions = queries.next_sessions(db.session, org.id, now=now, limit=5)
    requests_ = db.session.execute(svc.organisation_requests_stmt(org.id).limit(5)).scalars().all()
    return render_page("portal/home.html", organisation=org, conventions=conventions, volumes=volumes,
                       older_conventions=older, sessions=sessions, requests=requests_,
                       counts=svc.count_by_status(db.session, org.id),
                       can_request=access.can_create_request(current_user))


@bp.route("/portal/conventions")
@roles_required(Role.AUTHORITY)
@portal_page
def portal_conventions(org):
    """Every convention of the organisation, the most recent first, twenty a page (the home shows the recent)."""
    page = paginate(db.session, queries.conventions_stmt(org.id), page_args(PORTAL_PER_PAGE)[0], PORTAL_PER_PAGE)
    volumes = volume_summaries(db.session, [c.id for c in page.items], now=clock.now())
    return render_page("portal/conventions.html", organisation=org, page=page, volumes=volumes)


@bp.route("/portal/sessions")
@roles_required(Role.AUTHORITY)
@portal_page
def portal_sessions(org):
    conventions = queries.portal_conventions(db.session, org.id)
    form = PortalSessionsForm(request.args)
    form.convention_id.choices = [(0, _("Toutes"))] + [(c.id, f"{c.reference} — {c.title}") for c in conventions]
    form.validate()
    past = request.args.get("when") == "past"
    filters = queries.SessionFilter(
        upcoming=not past,
        convention_id=form.convention_id.data if isinstance(form.convention_id.data, int) else None,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
    )
    stmt = queries.organisation_sessions_stmt(org.id, filters, now=clock.now())
    page = paginate(db.session, stmt, page_args(PORTAL_PER_PAGE)[0], PORTAL_PER_PAGE, count_limit=COUNT_LIMIT)
    tab_args = {k: v for k, v in request.args.items() if k in ("convention_id", "date_from", "date_to") and v}
    return render_page("portal/sessions.html", organisation=org, form=form, page=page, past=past,
                   tab_args=tab_args)



# --- the dashboard panel ----------------------------------------------------------------------------------------------

def _portal_panel(user) -> dict:
    if not user.organisation_id or not has_role(user, Role.AUTHORITY):
        return {"organisation": None}
    now = clock.now()
    return {
        "organisation": db.session.get(Organisation, user.organisation_id),
        "sessions": queries.next_sessions(db.session, user.organisation_id, now=now, limit=5),
        "requests": db.session.execute(
            svc.organisation_requests_stmt(user.organisation_id).limit(5)).scalars().all(),
        "link_to": link_to, "labels": LABELS, "qty": qty,
    }


def register() -> None:
    navigation.register("portal.portal", _l("Mon espace"), (Role.AUTHORITY,), 50)
    dashboard.register("portal", "portal/panel.html", (Role.AUTHORITY,), _portal_panel, 20)
