"""Demo: reservations around today for the workshop sessions (tablets, a kit), open loans to mediators, a returned
loan, and one overdue loan to a person without an account. Runs after the assets demo (``ctx.assets``, ``ctx.kits``);
without assets it does nothing. Everything goes through the services (a refused step is skipped, never half-done)."""

from datetime import time, timedelta

from sqlalchemy import select

from coopnum.core import clock
from coopnum.core.errors import DomainError
from coopnum.inventory.models import LENDABLE, AssetCategory, BorrowerKind, Condition
from coopnum.inventory.services import bookings as svc


def _try(session, action):
    """Run one demo step in a SAVEPOINT: its result, or None when a rule refused it (nothing of it is kept)."""
    try:
        with session.begin_nested():
            return action()
    except DomainError:
        return None


def _workshop_sessions(session, now):
    from coopnum.missions.models import Mission, MissionKind, MissionSession

    return list(session.execute(
        select(MissionSession).join(Mission, Mission.id == MissionSession.mission_id).where(
            Mission.kind == MissionKind.WORKSHOP_SERIES, MissionSession.status == "planned",
            MissionSession.start > now, MissionSession.start < now + timedelta(days=21))
        .order_by(MissionSession.start, MissionSession.id)).unique().scalars())


def seed(session, ctx, now) -> None:
    assets = [a for a in getattr(ctx, "assets", []) or [] if a.status in LENDABLE]
    kits = list(getattr(ctx, "kits", []) or [])
    mediators = list(getattr(ctx, "mediators", []) or [])
    coordinator = getattr(ctx, "coordinator", None)
    if not assets or not mediators or coordinator is None:
        return
    in_kit = {a.id for k in kits for a in k.assets}
    by_category: dict[str, list] = {}
    for a in assets:
        if a.id not in in_kit:
            by_category.setdefault(a.category, []).append(a)
    tablets = by_category.get(AssetCategory.TABLET, [])
    ctx.reservations, ctx.loans = [], []
    hour = clock.paris_datetime(clock.paris_today(now), time(9))  # loans go out and come back at 9:00, Paris

    _reserve_for_workshops(session, ctx, now, mediators, coordinator, kits, tablets)
    laptops = by_category.get(AssetCategory.LAPTOP, [])
    _reserve_laptops(session, ctx, now, hour, mediators, laptops)
    _lend(session, ctx, hour, mediators, coordinator, by_category, laptops, tablets)
    session.flush()


def _reserve_for_workshops(session, ctx, now, mediators, coordinator, kits, tablets) -> None:
    # Reservations of tablets (and a kit) for the coming workshop sessions, by their mediators.
    for n, ms in enumerate(_workshop_sessions(session, now)[:6]):
        user_id = ms.assignments[0].user_id if ms.assignments else mediators[n % len(mediators)].id
        actor = next((m for m in mediators if m.id == user_id), coordinator)
        if n == 2 and kits:
            kwargs = {"kit_id": kits[0].id}
        else:
            picked = tablets[(3 * n) % max(len(tablets), 1):][:3] if tablets else []
            if not picked:
                continue
            kwargs = {"asset_ids": [a.id for a in picked]}
        r = _try(session, lambda ms=ms, kwargs=kwargs, actor=actor, user_id=user_id: svc.reserve(
            session, actor=actor, now=now, user_id=user_id, session_id=ms.id, **kwargs))
        if r is not None:
            ctx.reservations.append(r)


def _reserve_laptops(session, ctx, now, hour, mediators, laptops) -> None:
    # A few reservations for the coming days, outside any session.
    for n, laptop in enumerate(laptops[:3]):
        start = hour + timedelta(days=n + 2, hours=n % 2 * 5)  # 9:00 or 14:00, Paris, whatever the demo's hour
        mediator = mediators[(n + 3) % len(mediators)]
        r = _try(session, lambda laptop=laptop, start=start, mediator=mediator: svc.reserve(
            session, actor=mediator, now=now, user_id=mediator.id, starts_at=start,
            ends_at=start + timedelta(hours=4), asset_ids=[laptop.id], notes="Rendez-vous à domicile"))
        if r is not None:
            ctx.reservations.append(r)


def _lend(session, ctx, hour, mediators, coordinator, by_category, laptops, tablets) -> None:
    """Open loans to mediators, a returned loan and the overdue one."""
    # Open loans to mediators: a laptop and a 4G hotspot each.
    hotspots = by_category.get(AssetCategory.HOTSPOT, [])
    pool = laptops[3:] + hotspots
    for n in range(min(3, len(pool))):
        mediator = mediators[(n + 5) % len(mediators)]
        asset = pool[n]
        loan = _try(session, lambda asset=asset, mediator=mediator, n=n: svc.checkout(
            session, actor=coordinator, now=hour - timedelta(days=3 + n), borrower=svc.Borrower(user_id=mediator.id),
            due_at=hour + timedelta(days=10 + n), asset_ids=[asset.id], condition_out=Condition.GOOD,
            notes="Permanences de la semaine"))
        if loan is not None:
            ctx.loans.append(loan)

    phones = by_category.get(AssetCategory.SMARTPHONE, [])
    # A returned loan (a smartphone lent for a month, back in a worn state).
    if phones:
        mediator = mediators[1 % len(mediators)]
        loan = _try(session, lambda: svc.checkout(
            session, actor=coordinator, now=hour - timedelta(days=40), due_at=hour - timedelta(days=10),
            asset_ids=[phones[0].id], borrower=svc.Borrower(user_id=mediator.id)))
        if loan is not None:
            _try(session, lambda: svc.checkin(session, loan, actor=coordinator, now=hour - timedelta(days=11),
                                              condition_in=Condition.WORN, notes="Coque rayée"))
            ctx.loans.append(loan)

    # The overdue loan: a tablet lent to a person without an account, due five days ago.
    lendable = phones[1:2] or tablets[-1:]
    if lendable:
        mediator = mediators[0]
        loan = _try(session, lambda: svc.checkout(
            session, actor=coordinator, now=hour - timedelta(days=19), due_at=hour - timedelta(days=5),
            asset_ids=[lendable[0].id], borrower=svc.Borrower(
                kind=BorrowerKind.PERSON, user_id=mediator.id, name="Yvette Lemoine", phone="06 48 21 37 90",
                commune="Loudun"),
            condition_out=Condition.GOOD, notes="Prêt pour les démarches en ligne (accompagnement France Services)"))
        if loan is not None:
            ctx.loans.append(loan)
