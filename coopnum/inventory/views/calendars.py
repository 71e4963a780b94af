"""The inventory's availability and calendars: which assets are free over a period (``availability``), the calendar
of an asset or a kit over some weeks, and its iCalendar file."""

from datetime import datetime, timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopnum.core import clock
from coopnum.core.access import load_or_404, require, roles_required
from coopnum.core.db import db
from coopnum.core.models import Role
from coopnum.core.pagination import page_args, paginate_list
from coopnum.core.validation import parse_id
from coopnum.inventory import access, queries
from coopnum.inventory.forms.bookings import AvailabilityForm
from coopnum.inventory.models import Asset, AssetBooking, Kit
from coopnum.inventory.services import bookings as svc
from coopnum.inventory.views import bp

USERS = (Role.COORDINATOR, Role.MEDIATOR)


# --- availability and calendars --------------------------------------------------------------------------------------

@bp.route("/availability")
@roles_required(*USERS)
def availability():
    require(access.can_see_inventory(current_user))
    searched = "day" in request.args
    form = AvailabilityForm(request.args if searched else None)
    form.place_id.choices = [("", _("Tous"))] + [(str(i), n) for i, n in queries.open_places(db.session)]
    free, start, end, status = [], None, None, 200
    if not searched:
        form.day.data = clock.today() + timedelta(days=1)
        form.start.data, form.end.data = datetime.strptime("09:00", "%H:%M").time(), \
            datetime.strptime("12:00", "%H:%M").time()
    elif form.validate():
        start = clock.paris_datetime(form.day.data, form.start.data)
        end = clock.paris_datetime(form.day.data, form.end.data)
        if end <= start:
            form.end.errors = [_("La fin doit être après le début.")]
            status = 400
        else:
            free = svc.availability(db.session, category=form.category.data or None, starts_at=start, ends_at=end,
                                    place_id=parse_id(form.place_id.data))
    else:
        status = 400
    page = paginate_list(free, *page_args(50))  # 300 assets: a page at a time, like every list
    return render_template("inventory/bookings/availability.html", form=form, free=page.items, page=page, start=start,
                           end=end, searched=searched and status == 200, status=status), status


def _window() -> tuple[datetime, datetime, int]:
    """The calendar's period: ``weeks`` (1 to 8, default 4) weeks from the Monday of ``from`` (default: this week)."""
    try:
        day = datetime.strptime(request.args.get("from", ""), "%Y-%m-%d").date()
        if not 2000 <= day.year <= 2100:
            raise ValueError
    except ValueError:
        day = clock.today()
    weeks = parse_id(request.args.get("weeks")) or 4
    weeks = max(1, min(weeks, 8))
    monday = day - timedelta(days=day.weekday())
    return clock.paris_midnight(monday), clock.paris_midnight(monday + timedelta(weeks=weeks)), weeks


def _calendar_days(rows: list[AssetBooking], start: datetime, end: datetime) -> list[tuple[object, list]]:
    days, day = [], clock.paris_today(start)
    last = clock.paris_today(end - timedelta(seconds=1))
    while day <= last:
        lo, hi = clock.paris_day_bounds(day)
        days.append((day, [b for b in rows if b.starts_at < hi and (b.ends_at > lo or b.open_loan)]))
        day += timedelta(days=1)
    return days


def _render_calendar(title: str, rows: list[AssetBooking], start, end, weeks, **extra):
    users = queries.user_names(db.session, [b.reservation.user_id if b.reservation else b.loan.user_id for b in rows])
    return render_template("inventory/bookings/calendar.html", title=title, rows=rows, start=start, end=end,
                           weeks=weeks, days=_calendar_days(rows, start, end), names=users,
                           last_day=clock.paris_today(end - timedelta(seconds=1)),
                           assets=queries.assets_by_id(db.session, [b.asset_id for b in rows]), now=clock.now(),
                           prev_url=url_for(request.endpoint, **request.view_args, weeks=weeks,
                                            **{"from": clock.paris_today(start - timedelta(weeks=weeks)).isoformat()}),
                           next_url=url_for(request.endpoint, **request.view_args, weeks=weeks,
                                            **{"from": clock.paris_today(end).isoformat()}), **extra)


@bp.route("/assets/<int:asset_id>/calendar")
@roles_required(*USERS)
def asset_calendar(asset_id: int):
    require(access.can_see_inventory(current_user))
    asset = load_or_404(Asset, asset_id)
    start, end, weeks = _window()
    rows = svc.calendar(db.session, asset_id=asset.id, starts_at=start, ends_at=end)
    return _render_calendar(_("Calendrier de %(tag)s", tag=asset.tag), rows, start, end, weeks, asset=asset,
                            kit=None, ics_url=url_for("inventory.calendar_ics", kind="assets", object_id=asset.id))


@bp.route("/kits/<int:kit_id>/calendar")
@roles_required(*USERS)
def kit_calendar(kit_id: int):
    require(access.can_see_inventory(current_user))
    kit = load_or_404(Kit, kit_id)
    start, end, weeks = _window()
    rows = svc.calendar(db.session, kit_id=kit.id, starts_at=start, ends_at=end)
    return _render_calendar(_("Calendrier du kit %(code)s", code=kit.code), rows, start, end, weeks, asset=None,
                            kit=kit, ics_url=url_for("inventory.calendar_ics", kind="kits", object_id=kit.id))


@bp.route("/<any(assets, kits):kind>/<int:object_id>/calendar.ics")
@roles_required(*USERS)
def calendar_ics(kind: str, object_id: int):
    """The calendar of an asset or a kit as an iCalendar file (the last week and the next 3 months)."""
    from flask import Response

    from coopnum.missions.ical import CalendarEvent, build_calendar

    require(access.can_see_inventory(current_user))
    now = clock.now()
    start, end = now - timedelta(days=7), now + timedelta(days=92)
    if kind == "assets":
        obj = load_or_404(Asset, object_id)
        rows, name = svc.calendar(db.session, asset_id=obj.id, starts_at=start, ends_at=end), obj.tag
    else:
        obj = load_or_404(Kit, object_id)
        rows, name = svc.calendar(db.session, kit_id=obj.id, starts_at=start, ends_at=end), obj.code
    names = queries.user_names(db.session,
                               [b.reservation.user_id if b.reservation else b.loan.user_id for b in rows])
    assets = queries.assets_by_id(db.session, [b.asset_id for b in rows])
    events = []
    for b in rows:
        tag = assets[b.asset_id].tag if b.asset_id in assets else str(b.asset_id)
        if b.reservation is not None:
            summary = _("%(tag)s — réservé par %(name)s", tag=tag, name=names.get(b.reservation.user_id, "—"))
            url = url_for("inventory.reservation", reservation_id=b.reservation_id, _external=True)
        else:
            summary = _("%(tag)s — prêté (responsable : %(name)s)", tag=tag, name=names.get(b.loan.user_id, "—"))
            url = url_for("inventory.loan", loan_id=b.loan_id, _external=True)
        events.append(CalendarEvent(uid=f"booking-{b.id}@coopnum", start=b.starts_at,
                                    end=max(b.ends_at, b.starts_at + timedelta(minutes=1)), summary=summary,
                                    url=url))
    body = build_calendar(events, name=_("Matériel %(name)s", name=name), now=now)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="calendrier-{kind}-{obj.id}.ics"'})
