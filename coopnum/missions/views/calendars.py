"""Pages of the missions domain: calendars (week, month, « Ma semaine ») and iCal feeds.

Each session links to its page (the planning area)."""

import re
from datetime import date, datetime, time, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopnum.core import calendar_sources, clock, dashboard, navigation, slots
from coopnum.core.access import is_staff, require, roles_required
from coopnum.core.clock import PARIS
from coopnum.core.db import db, writing
from coopnum.core.errors import DomainError, NotFound
from coopnum.core.formats import elide
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate
from coopnum.core.views import commit_or_flash, commit_or_show, form_error, safe_next
from coopnum.missions import access, queries
from coopnum.missions.forms.calendars import CalendarFilterForm, FeedTargetForm
from coopnum.missions.models import AbsenceKind, CalendarFeed, FeedKind, SessionStatus
from coopnum.missions.services import feeds
from coopnum.missions.views import bp, public_bp
from coopnum.organisations import queries as organisations_queries
from coopnum.organisations.models import Organisation

CALENDAR_ROLES = (Role.COORDINATOR, Role.MEDIATOR)
FEED_ROLES = (Role.COORDINATOR, Role.MEDIATOR, Role.AUTHORITY)

STATUS_LABELS = {
    SessionStatus.PLANNED: _l("Prévue"),
    SessionStatus.CANCELLED: _l("Annulée"),
    SessionStatus.HELD: _l("Réalisée"),
    SessionStatus.NOT_HELD: _l("Non tenue"),
}
STATUS_BADGES = {
    SessionStatus.PLANNED: "badge-info",
    SessionStatus.CANCELLED: "badge-bad",
    SessionStatus.HELD: "badge-ok",
    SessionStatus.NOT_HELD: "badge-warn",
}
ABSENCE_LABELS = {
    AbsenceKind.LEAVE: _l("Congé"),
    AbsenceKind.TRAINING: _l("Formation"),
    AbsenceKind.SICKNESS: _l("Maladie"),
    AbsenceKind.OTHER: _l("Absence"),
}
FEED_KIND_LABELS = {
    FeedKind.MEDIATOR: _l("Médiateur·rice"),
    FeedKind.PLACE: _l("Lieu"),
    FeedKind.ORGANISATION: _l("Structure"),
}


# --- helpers ------------------------------------------------------------------------------------------------------

def _requested_day() -> date:
    """``?date=YYYY-MM-DD``; anything else (or nothing) is today, never an error."""
    text = request.args.get("date", "").strip()
    if not text:
        return clock.today()
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 2200:
        flash(_("Date invalide : affichage de la date du jour."), "warning")
        return clock.today()
    return day


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, PARIS)


def _session_url(s) -> str:
    return url_for("missions.session_detail", session_id=s.id)


def _local_day(value: datetime) -> date:
    return value.astimezone(PARIS).date()


def _overlaps(absence, day: date) -> bool:
    return absence.start < _local_start(day + timedelta(days=1)) and absence.end > _local_start(day)


def _filter_form() -> CalendarFilterForm:
    form = CalendarFilterForm(request.args)
    all_label = _("Tous")
    form.mediator.choices = [(0, all_label)] + [(u.id, u.full_name) for u in feeds.mediators(db.session)]
    form.place.choices = [(0, all_label)] + organisations_queries.place_choices(db.session)
    form.organisation.choices = [(0, _("Toutes"))] + organisations_queries.organisation_choices(db.session)
    for name in ("mediator", "place", "organisation"):
        form[name].data = form.selected(name) or 0  # an unknown value shows as « all »
    return form


def _filters(form: CalendarFilterForm) -> dict:
    return {name: value for name in ("mediator", "place", "organisation") if (value := form.selected(name))}


def _common_context(form=None, filters=None) -> dict:
    return {
        "form": form, "filters": filters or {}, "session_url": _session_url, "is_open": feeds.is_open,
        "status_labels": STATUS_LABELS, "status_badges": STATUS_BADGES, "absence_labels": ABSENCE_LABELS,
        "today": clock.today(),
    }


# --- coordinator calendar -----------------------------------------------------------------------------------------

@bp.route("/calendar/week")
@roles_required(*CALENDAR_ROLES)
def calendar_week():
    day = _requested_day()
    monday = day - timedelta(days=day.weekday())
    form = _filter_form()
    filters = _filters(form)
    start, end = _local_start(monday), _local_start(monday + timedelta(days=7))
    sessions = feeds.week_entries(
        db.session, start, end, mediator_id=filters.get("mediator"), place_id=filters.get("place"),
        organisation_id=filters.get("organisation"),
    )
    absences = feeds.absences_between(db.session, start, end, mediator_id=filters.get("mediator"))
    extra = calendar_sources.items(db.session, [filters["mediator"]] if filters.get("mediator") else None, start, end)
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        days.append({
            "date": current,
            "sessions": [s for s in sessions if _local_day(s.start) == current],
            "absences": [a for a in absences if _overlaps(a, current)],
            "extra": [i for i in extra if _local_day(i.start) == current],
        })
    return render_template(
        "missions/calendars/week.html", days=days, monday=monday, sunday=monday + timedelta(days=6),
        prev_day=monday - timedelta(days=7), next_day=monday + timedelta(days=7), total=len(sessions),
        open_count=sum(1 for s in sessions if s.open), **_common_context(form, filters),
    )


@bp.route("/calendar/month")
@roles_required(*CALENDAR_ROLES)
def calendar_month():
    day = _requested_day()
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    grid_start = first - timedelta(days=first.weekday())
    last = next_first - timedelta(days=1)
    grid_end = last + timedelta(days=7 - last.weekday())  # the Monday after the last week
    form = _filter_form()
    filters = _filters(form)
    by_day = feeds.month_days(
        db.session, _local_start(grid_start), _local_start(grid_end), day_of=_local_day,
        mediator_id=filters.get("mediator"), place_id=filters.get("place"),
        organisation_id=filters.get("organisation"),
    )
    extra_by_day: dict[date, list] = {}  # other domains' events (trainings…): coopnum.core.calendar_sources
    for item in calendar_sources.items(db.session, [filters["mediator"]] if filters.get("mediator") else None,
                                       _local_start(grid_start), _local_start(grid_end)):
        extra_by_day.setdefault(_local_day(item.start), []).append(item)
    weeks = []
    current = grid_start
    while current < grid_end:
        weeks.append([{"date": current + timedelta(days=i), "in_month": (current + timedelta(days=i)).month == first.month,
                       "cell": by_day.get(current + timedelta(days=i)),
                       "extra": extra_by_day.get(current + timedelta(days=i), [])} for i in range(7)])
        current += timedelta(days=7)
    return render_template(
        "missions/calendars/month.html", weeks=weeks, first=first,
        prev_day=(first - timedelta(days=1)).replace(day=1), next_day=next_first,
        total=sum(len(cell.entries) + cell.more for day, cell in by_day.items() if first <= day < next_first),
        **_common_context(form, filters),
    )


# --- « Ma semaine » -------------------------------------------------------------------------------------------------

@bp.route("/my-week")
@roles_required(Role.MEDIATOR)
def my_week():
    day = _requested_day()
    monday = day - timedelta(days=day.weekday())
    start, end = _local_start(monday), _local_start(monday + timedelta(days=7))
    sessions = feeds.sessions_between(db.session, start, end, mediator_id=current_user.id)
    absences = feeds.absences_between(db.session, start, end, mediator_id=current_user.id)
    extra = calendar_sources.items(db.session, [current_user.id], start, end)
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        days.append({
            "date": current,
            "sessions": [s for s in sessions if _local_day(s.start) == current],
            "absences": [a for a in absences if _overlaps(a, current)],
            "extra": [i for i in extra if _local_day(i.start) == current],
        })
    now = clock.now()
    open_sessions = feeds.open_sessions(db.session, now=now, limit=10, exclude_user_id=current_user.id)
    return render_template(
        "missions/calendars/my_week.html", days=days, monday=monday, sunday=monday + timedelta(days=6),
        prev_day=monday - timedelta(days=7), next_day=monday + timedelta(days=7), total=len(sessions),
        open_sessions=open_sessions, now=now, here=request.full_path if request.query_string else request.path,
        to_confirm=sum(1 for s in sessions if s.status == SessionStatus.PLANNED and s.start <= now),
        **_common_context(),
    )


def _my_week_panel(user) -> dict:
    return {"sessions": feeds.next_sessions_of(db.session, user.id, now=clock.now(), limit=5),
            "session_url": _session_url, "status_labels": STATUS_LABELS}


# --- iCal feeds: management page ----------------------------------------------------------------------------------

def feed_url(feed: CalendarFeed) -> str:
    """The absolute URL of a feed, built from COOPNUM_BASE_URL (the address people reach the site at)."""
    return current_app.config["COOPNUM_BASE_URL"].rstrip("/") + url_for("missions_public.ical_feed", token=feed.token)


def webcal_url(feed: CalendarFeed) -> str:
    return re.sub(r"^https?://", "webcal://", feed_url(feed))


def _target_choices() -> dict:
    """Every feed target a staff member may pick, grouped by kind."""
    places = organisations_queries.place_choices(db.session)
    orgs = organisations_queries.organisation_choices(db.session)
    return {
        str(_("Médiateur·rices")): [(f"mediator:{u.id}", u.full_name) for u in feeds.mediators(db.session)],
        str(_("Lieux")): [(f"place:{place_id}", name) for place_id, name in places],
        str(_("Structures")): [(f"organisation:{org_id}", name) for org_id, name in orgs],
    }


def _own_targets(user=None) -> list[dict]:
    """The calendars a user (the current one by default) subscribes to personally: their own (mediator), their
    organisation's."""
    user = user if user is not None else current_user
    own = []
    if user.has_role(Role.MEDIATOR):
        own.append({"kind": FeedKind.MEDIATOR, "target_id": user.id,
                    "title": _("Mon agenda de médiateur·rice")})
    if user.has_role(Role.AUTHORITY) and user.organisation_id:
        org = db.session.get(Organisation, user.organisation_id)
        if org is not None:
            own.append({"kind": FeedKind.ORGANISATION, "target_id": org.id,
                        "title": elide(_("Les séances de %(name)s", name=org.name), org.name)})
    for item in own:
        item["feed"] = feeds.active_feed(db.session, item["kind"], item["target_id"])
    return own


def _render_feeds(form: FeedTargetForm, status: int = 200):
    staff = is_staff(current_user)
    page = rows = None
    if staff:
        form.target.choices = _target_choices()
        page = paginate(db.session, queries.active_feeds_stmt(), *page_args(50))
        rows = feeds.feed_rows(db.session, page.items)
    own = _own_targets()
    return render_template(
        "missions/calendars/feeds.html", form=form, own=own, staff=staff, page=page, rows=rows,
        own_keys={(str(item["kind"]), item["target_id"]) for item in own},
        feed_url=feed_url, webcal_url=webcal_url, kind_labels=FEED_KIND_LABELS,
    ), status


@bp.route("/calendar/feeds")
@roles_required(*FEED_ROLES)
def calendar_feeds():
    return _render_feeds(FeedTargetForm())


def _feed_anchor(kind: str, target_id: int) -> str:
    return url_for("missions.calendar_feeds") + f"#feed-{kind}-{target_id}"


def _checked_kind(kind: str) -> FeedKind:
    try:
        return FeedKind(kind)
    except ValueError:
        abort(404)


def _feed_error(form: FeedTargetForm, exc: DomainError) -> None:
    """An unknown calendar is a 404; any other refusal is shown with the form."""
    if isinstance(exc, NotFound):
        abort(404)
    form_error(form, exc)


@bp.route("/calendar/feeds/new", methods=["POST"])
@roles_required(*FEED_ROLES)
def calendar_feed_new():
    form = FeedTargetForm()
    if is_staff(current_user):
        form.target.choices = _target_choices()
    if not form.validate_on_submit():
        return _render_feeds(form, 400)
    parsed = form.parsed()
    if parsed is None or parsed[0] not in {k.value for k in FeedKind}:
        form.target.errors = [*form.target.errors, _("Agenda inconnu.")]
        return _render_feeds(form, 400)
    kind, target_id = parsed
    require(access.can_manage_feed(current_user, kind, target_id))
    ok, feed = commit_or_show(
        form, lambda: feeds.get_or_create_feed(db.session, current_user, kind, target_id, clock.now()), _feed_error
    )
    if not ok:
        return _render_feeds(form, 400)
    flash(_("Lien d'abonnement prêt : copiez-le dans votre logiciel d'agenda."), "success")
    return redirect(safe_next(request.form.get("next")) or _feed_anchor(feed.kind, feed.target_id))


@bp.route("/calendar/feeds/<kind>/<int:target_id>/regenerate", methods=["POST"])
@roles_required(*FEED_ROLES)
def calendar_feed_regenerate(kind: str, target_id: int):
    kind = _checked_kind(kind)
    require(access.can_manage_feed(current_user, kind, target_id))
    try:
        feeds.regenerate_feed(db.session, current_user, kind, target_id, clock.now())
    except NotFound:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("Nouveau lien créé. L'ancien ne fonctionne plus : mettez à jour vos abonnements."), "success")
    return redirect(_feed_anchor(kind, target_id))


@bp.route("/calendar/feeds/<kind>/<int:target_id>/revoke", methods=["POST"])
@roles_required(*FEED_ROLES)
def calendar_feed_revoke(kind: str, target_id: int):
    kind = _checked_kind(kind)
    require(access.can_manage_feed(current_user, kind, target_id))
    feed = feeds.active_feed(db.session, kind, target_id)
    if feed is None:
        abort(404)
    commit_or_flash(lambda: feeds.revoke_feed(db.session, current_user, feed, clock.now()),
        _("Lien révoqué : il ne donne plus accès à l'agenda."))
    return redirect(url_for("missions.calendar_feeds"))


# --- iCal feeds: the public, secret URL ---------------------------------------------------------------------------

def _not_found() -> Response:
    # Plain text and the same answer for an unknown and a revoked token: nothing to learn from it.
    return Response("Not found\n", status=404, content_type="text/plain; charset=utf-8")


@public_bp.route("/ical/<token>.ics")
def ical_feed(token: str):
    now = clock.now()
    feed = feeds.feed_by_token(db.session, token)
    if feed is None:
        return _not_found()
    body = feeds.render_feed(db.session, feed, now=now, base_url=current_app.config["COOPNUM_BASE_URL"])
    if feeds.needs_touch(feed, now):
        db.session.commit()  # end the read transaction, then write in a writing one (SQLite: BEGIN IMMEDIATE)
        with writing():
            feeds.touch_feed(db.session, feed, now)
            db.session.commit()
    response = Response(body, status=200, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{feed.kind}-{feed.target_id}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _account_panel(user, _account) -> dict | None:
    """« Mon agenda (iCal) » on the account page: the user's own calendar links (or the button creating them)."""
    if not user.has_role(*FEED_ROLES):
        return None
    return {"own": _own_targets(user), "feed_url": feed_url, "webcal_url": webcal_url,
            "back": url_for("core.account") + "#agenda"}


def register() -> None:
    """Menu entries, dashboard panels, jobs and slots of this module (called by the domain's ``init_app``)."""
    slots.register("core.account", "missions/calendars/_account_panel.html", context=_account_panel, order=10)
    navigation.register("missions.my_week", _l("Ma semaine"), (Role.MEDIATOR,), 101)
    navigation.register("missions.calendar_week", _l("Calendrier"), CALENDAR_ROLES, 102, group="planning")
    dashboard.register("my_week", "missions/calendars/panel_my_week.html", (Role.MEDIATOR,), _my_week_panel, 20)
