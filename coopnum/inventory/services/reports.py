"""Read-only figures of the inventory: the dashboard (counts per status and category, what is out, overdue, in
maintenance, reservations of the day and the week), the usage rate report, the equipment used per session of a
convention (its activity report). Queries only: no N+1 (labels and assets are fetched per page, in bulk).

Usage rate (``usage``) over a period of Paris calendar days [start, end]:
- days available: per asset, the days of the period on which it existed (from its purchase date, else the day it
  was recorded) and was not retired (until the day before ``retired_on``); lost assets are left out (their loss
  has no date), with their bookings;
- days used: per asset, the days of the period touched by one of its bookings, each day counted once even when a
  reservation and a loan (or two bookings) touch it — so a reservation turned into a loan never counts twice;
- the bookings read: every loan booking (active or not: a returned loan's booking ends at the return time; an open
  loan still out past its due date counts until now), and the reservation bookings that are active (a cancelled or
  converted reservation's bookings are inactive: a converted one is counted through its loan);
- rate = days used / days available."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from coopnum.core import clock
from coopnum.inventory.models import (
    Asset,
    AssetBooking,
    AssetStatus,
    Loan,
    LoanStatus,
    MaintenanceCase,
    Reservation,
    ReservationStatus,
)

# --- the dashboard --------------------------------------------------------------------------------------------------


def status_counts(session) -> dict:
    """{"by_status": {status: n}, "by_category": {category: {status: n, "total": n}}, "total": n} in one query."""
    rows = session.execute(select(Asset.category, Asset.status, func.count(Asset.id))
                           .group_by(Asset.category, Asset.status)).all()
    by_status: dict[str, int] = defaultdict(int)
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for category, status, n in rows:
        by_status[status] += n
        by_category[category][status] += n
        by_category[category]["total"] += n
    return {"by_status": dict(by_status), "by_category": {c: dict(v) for c, v in sorted(by_category.items())},
            "total": sum(by_status.values())}


def out_figures(session, now: datetime) -> dict:
    """Open loans, overdue loans, assets out, open maintenance cases: four counts in one query (the dashboard)."""
    row = session.execute(select(
        select(func.count(Loan.id)).where(Loan.status == LoanStatus.OPEN).scalar_subquery(),
        select(func.count(Loan.id)).where(Loan.status == LoanStatus.OPEN, Loan.due_at < now).scalar_subquery(),
        select(func.count(AssetBooking.id)).where(AssetBooking.open_loan).scalar_subquery(),
        select(func.count(MaintenanceCase.id)).where(MaintenanceCase.closed_on.is_(None)).scalar_subquery(),
    )).one()
    return {"open_loans": row[0] or 0, "overdue": row[1] or 0, "assets_out": row[2] or 0, "maintenance": row[3] or 0}


def open_loans_query(*, user_id: int | None = None, overdue_at: datetime | None = None):
    """Open loans, the earliest due first (of one responsible user; only the overdue ones at ``overdue_at``)."""
    stmt = select(Loan).where(Loan.status == LoanStatus.OPEN)
    if user_id is not None:
        stmt = stmt.where(Loan.user_id == user_id)
    if overdue_at is not None:
        stmt = stmt.where(Loan.due_at < overdue_at)
    return stmt.order_by(Loan.due_at, Loan.id)


def reservations_query(start: datetime, end: datetime, *, user_id: int | None = None):
    """Active reservations overlapping [start, end), the earliest first."""
    stmt = select(Reservation).where(Reservation.status == ReservationStatus.ACTIVE, Reservation.starts_at < end,
                                     Reservation.ends_at > start)
    if user_id is not None:
        stmt = stmt.where(Reservation.user_id == user_id)
    return stmt.order_by(Reservation.starts_at, Reservation.id)


def mediator_equipment(session, user_id: int, now: datetime, *, loans: int = 10,
                       reservations: int = 5) -> tuple[list[Loan], list[Reservation]]:
    """A mediator's open loans (the earliest due first) and its reservations of the next 31 days, each with its
    assets joined: two queries, whatever their number (the dashboard's panel)."""
    lent = session.execute(open_loans_query(user_id=user_id).options(joinedload(Loan.bookings)).limit(loans))
    booked = session.execute(reservations_query(now, now + timedelta(days=31), user_id=user_id)
                             .options(joinedload(Reservation.bookings)).limit(reservations))
    return list(lent.unique().scalars()), list(booked.unique().scalars())


def open_cases_query():
    return (select(MaintenanceCase).where(MaintenanceCase.closed_on.is_(None))
            .order_by(MaintenanceCase.opened_on, MaintenanceCase.id))


def week_bounds(today: date) -> tuple[datetime, datetime, datetime]:
    """(start of today, start of tomorrow, start of next Monday) in Paris, as UTC instants."""
    start = clock.paris_datetime(today, time(0))
    tomorrow = clock.paris_datetime(today + timedelta(days=1), time(0))
    monday = today + timedelta(days=7 - today.weekday())
    return start, tomorrow, clock.paris_datetime(monday, time(0))


@dataclass
class Labels:
    """Names for a page of loans and reservations: users, sessions (mission title and start), missions."""

    users: dict[int, str] = field(default_factory=dict)
    sessions: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    missions: dict[int, str] = field(default_factory=dict)


def labels_for(session, rows) -> Labels:
    """The labels the rows (loans or reservations) refer to, in three queries at most."""
    from coopnum.core.models import User
    from coopnum.missions.models import Mission, MissionSession

    user_ids = {r.user_id for r in rows if r.user_id}
    session_ids = {r.session_id for r in rows if r.session_id}
    mission_ids = {r.mission_id for r in rows if r.mission_id}
    labels = Labels()
    if user_ids:
        labels.users = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    if session_ids:
        for sid, start, title in session.execute(
                select(MissionSession.id, MissionSession.start, Mission.title)
                .join(Mission, Mission.id == MissionSession.mission_id).where(MissionSession.id.in_(session_ids))):
            labels.sessions[sid] = (title, start)
    if mission_ids:
        labels.missions = dict(session.execute(select(Mission.id, Mission.title)
                                               .where(Mission.id.in_(mission_ids))).all())
    return labels


# --- the usage rate -------------------------------------------------------------------------------------------------

@dataclass
class UsageLine:
    key: str  # the category, or the asset's tag
    assets: int
    available_days: int
    used_days: int
    category: str = ""
    asset_id: int | None = None
    model: str = ""

    @property
    def rate(self) -> float | None:
        return self.used_days / self.available_days if self.available_days else None


@dataclass
class Usage:
    start: date
    end: date
    categories: list[UsageLine]
    assets: list[UsageLine]
    total: UsageLine

    @property
    def top(self) -> list[UsageLine]:
        return sorted((a for a in self.assets if a.available_days),
                      key=lambda a: (-(a.rate or 0), a.key))[:10]

    @property
    def bottom(self) -> list[UsageLine]:
        return sorted((a for a in self.assets if a.available_days),
                      key=lambda a: (a.rate or 0, a.key))[:10]


def last_full_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


MAX_USAGE_DAYS = 3 * 366


def _days_touched(starts_at: datetime, ends_at: datetime, first: date, last: date) -> set[date]:
    """The Paris days of [first, last] that the period [starts_at, ends_at) touches."""
    if ends_at <= starts_at:
        return set()
    day = max(clock.paris_today(starts_at), first)
    final_moment = ends_at - timedelta(microseconds=1)  # the end is excluded: a loan back at 00:00 spares the day
    stop = min(clock.paris_today(final_moment), last)
    result = set()
    while day <= stop:
        result.add(day)
        day += timedelta(days=1)
    return result


def usage(session, start: date, end: date, *, now: datetime, category: str | None = None) -> Usage:
    """The usage rate per category and per asset over the Paris days [start, end] (see the module's doc)."""
    from coopnum.core.errors import DomainError

    if end < start:
        raise DomainError("La fin de la période précède son début.", field="end")
    if (end - start).days + 1 > MAX_USAGE_DAYS:
        raise DomainError("Période trop longue (trois ans au plus).", field="end")
    stmt = select(Asset).where(Asset.status != AssetStatus.LOST).order_by(Asset.category, Asset.tag)
    if category:
        stmt = stmt.where(Asset.category == category)
    assets = list(session.execute(stmt).scalars())
    window: dict[int, tuple[date, date]] = {}
    for a in assets:
        first = max(start, a.purchase_date or clock.paris_today(a.created_at))
        last = end
        if a.retired_on is not None:
            last = min(last, a.retired_on - timedelta(days=1))
        if first <= last:
            window[a.id] = (first, last)
    p0 = clock.paris_datetime(start, time(0))
    p1 = clock.paris_datetime(end + timedelta(days=1), time(0))
    used: dict[int, set[date]] = defaultdict(set)
    if window:
        rows = session.execute(
            select(AssetBooking.asset_id, AssetBooking.starts_at, AssetBooking.ends_at, AssetBooking.open_loan)
            .where(AssetBooking.asset_id.in_(list(window)), AssetBooking.starts_at < p1,
                   or_(AssetBooking.ends_at > p0, AssetBooking.open_loan),
                   or_(AssetBooking.loan_id.is_not(None),
                       (AssetBooking.reservation_id.is_not(None)) & AssetBooking.active)))
        for asset_id, starts_at, ends_at, open_loan in rows:
            if open_loan and ends_at < now:
                ends_at = now  # still out past its due date
            first, last = window[asset_id]
            used[asset_id] |= _days_touched(starts_at, ends_at, first, last)
    per_asset: list[UsageLine] = []
    per_category: dict[str, UsageLine] = {}
    for a in assets:
        if a.id not in window:
            continue
        first, last = window[a.id]
        line = UsageLine(key=a.tag, assets=1, available_days=(last - first).days + 1, used_days=len(used[a.id]),
                         category=a.category, asset_id=a.id, model=a.model)
        per_asset.append(line)
        cat = per_category.setdefault(a.category, UsageLine(key=a.category, assets=0, available_days=0, used_days=0,
                                                            category=a.category))
        cat.assets += 1
        cat.available_days += line.available_days
        cat.used_days += line.used_days
    categories = [per_category[c] for c in sorted(per_category)]
    total = UsageLine(key="", assets=sum(c.assets for c in categories),
                      available_days=sum(c.available_days for c in categories),
                      used_days=sum(c.used_days for c in categories))
    return Usage(start=start, end=end, categories=categories, assets=per_asset, total=total)


# --- the equipment used per session of a convention -----------------------------------------------------------------

@dataclass
class SessionEquipment:
    session_id: int
    start: datetime
    mission_title: str
    assets: list[tuple[str, str]]  # (tag, category), by category then tag


def convention_equipment(session, convention_id: int, date_from: date, date_to: date) -> list[SessionEquipment]:
    """Per session of the convention's missions held from ``date_from`` to ``date_to`` (Paris days, inclusive), the
    assets reserved or lent for it: loans (whatever their state) and reservations that are active or were turned
    into a loan (cancelled ones are left out); an asset counts once per session."""
    from coopnum.missions.models import Mission, MissionSession

    p0 = clock.paris_datetime(date_from, time(0))
    p1 = clock.paris_datetime(date_to + timedelta(days=1), time(0))
    sessions = (select(MissionSession.id).join(Mission, Mission.id == MissionSession.mission_id)
                .where(Mission.convention_id == convention_id, MissionSession.start >= p0, MissionSession.start < p1))
    by_loan = (select(Loan.session_id.label("sid"), AssetBooking.asset_id.label("aid"))
               .join(AssetBooking, AssetBooking.loan_id == Loan.id).where(Loan.session_id.in_(sessions)))
    by_reservation = (select(Reservation.session_id.label("sid"), AssetBooking.asset_id.label("aid"))
                      .join(AssetBooking, AssetBooking.reservation_id == Reservation.id)
                      .where(Reservation.session_id.in_(sessions),
                             Reservation.status.in_((ReservationStatus.ACTIVE, ReservationStatus.CONVERTED))))
    pairs = by_loan.union(by_reservation).subquery()
    rows = session.execute(
        select(MissionSession.id, MissionSession.start, Mission.title, Asset.tag, Asset.category)
        .join(pairs, pairs.c.sid == MissionSession.id)
        .join(Mission, Mission.id == MissionSession.mission_id)
        .join(Asset, Asset.id == pairs.c.aid)
        .order_by(MissionSession.start, MissionSession.id, Asset.category, Asset.tag)).all()
    result: dict[int, SessionEquipment] = {}
    for sid, start, title, tag, category in rows:
        item = result.setdefault(sid, SessionEquipment(sid, start, title, []))
        item.assets.append((tag, category))
    return list(result.values())
