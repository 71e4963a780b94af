"""Demo: maintenance cases (one open "écran fissuré", one closed with its repair, cost and supplier, one reported
by a mediator), one closed audit of a place with one missing asset, and a convention whose activity report lists
the equipment used per session. Runs after the assets demo (``ctx.assets``) and the bookings demo; written through
the services."""

from collections import Counter
from datetime import datetime, time, timedelta

from sqlalchemy import select

from coopnum.core.clock import paris_datetime, paris_today
from coopnum.inventory.models import Asset, AssetStatus, Reservation
from coopnum.inventory.services import audits, maintenance


def _available(assets, category: str | None = None) -> list[Asset]:
    return [a for a in assets if a.status == AssetStatus.AVAILABLE and (category is None or a.category == category)]


def seed(session, ctx, now: datetime) -> None:
    assets: list[Asset] = list(getattr(ctx, "assets", []) or [])
    actor = getattr(ctx, "coordinator", None)
    if assets:
        _maintenance(session, ctx, actor, assets, now)
        _audit(session, actor, assets, now)
    _convention(session, ctx)
    session.flush()


def _maintenance(session, ctx, actor, assets, now) -> None:
    tablets = _available(assets, "tablet") or _available(assets)
    if not tablets:
        return
    maintenance.open_case(session, tablets[-1], actor=actor, now=now - timedelta(days=3),
                          issue="Écran fissuré en bas à droite, le tactile ne répond plus dans le coin.",
                          supplier="Répar'Tout Poitiers")
    laptops = _available(assets, "laptop") or _available(assets)
    if laptops:
        case = maintenance.open_case(session, laptops[-1], actor=actor, now=now - timedelta(days=45),
                                     issue="La batterie ne tient plus qu'une demi-heure.")
        maintenance.close_case(session, case, actor=actor, now=now - timedelta(days=38),
                               repair="Batterie remplacée (pièce d'origine).", cost_cents=8900,
                               supplier="Atelier du Réemploi, Châtellerault")
    projectors = _available(assets, "projector")
    mediators = getattr(ctx, "mediators", []) or []
    if projectors:
        maintenance.open_case(session, projectors[0], actor=mediators[0] if mediators else actor,
                              now=now - timedelta(days=1), issue="La lampe clignote et s'éteint après 10 minutes.")


def _audit(session, actor, assets, now) -> None:
    now = paris_datetime(paris_today(now), time(12))  # the audit took the morning, six days ago
    """A closed audit of the place holding the most assets: all seen but one (neither lent nor in repair)."""
    homes = Counter(a.place_id for a in assets if a.place_id is not None)
    if not homes:
        return
    place_id = homes.most_common(1)[0][0]
    row = audits.start_audit(session, actor=actor, now=now - timedelta(days=6, hours=2), place_id=place_id,
                             notes="Inventaire de printemps.")
    lines = audits.lines(session, row)
    candidates = [line for line in lines if not line.lent and line.asset.status == AssetStatus.AVAILABLE]
    missing = candidates[-1].asset.id if candidates else None
    for i, line in enumerate(lines):
        if line.lent or line.asset.id == missing:
            continue
        audits.tick(session, row, actor=actor, now=now - timedelta(days=6, hours=1) + timedelta(seconds=20 * i),
                    asset_id=line.asset.id, scanned=i % 2 == 0)
    audits.close_audit(session, row, actor=actor, now=now - timedelta(days=6))


def _convention(session, ctx) -> None:
    """The convention of the first session equipment was reserved for (else the first convention)."""
    from coopnum.missions.models import Mission, MissionSession
    from coopnum.organisations.models import Convention

    convention_id = session.execute(
        select(Mission.convention_id).join(MissionSession, MissionSession.mission_id == Mission.id)
        .join(Reservation, Reservation.session_id == MissionSession.id)
        .order_by(Reservation.starts_at).limit(1)).scalar_one_or_none()
    convention = session.get(Convention, convention_id) if convention_id else None
    if convention is None:
        conventions = getattr(ctx, "conventions", []) or []
        convention = conventions[0] if conventions else None
    if convention is not None:
        convention.report_equipment = True
