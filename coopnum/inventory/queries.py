"""Read-only queries of the inventory pages: choices of the forms (places, kits, assets, mission sessions), names
and assets by id, the filtered lists of reservations and loans, the kits. The services keep their writes (and the
reads their rules need)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from coopnum.core.models import User
from coopnum.inventory.models import (
    Asset,
    AssetPhoto,
    AssetStatus,
    Kit,
    Loan,
    LoanStatus,
    Reservation,
    ReservationStatus,
)

# --- people and places ---------------------------------------------------------------------------------------------


def user_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def places(session: Session) -> list[tuple[int, str]]:
    """Every place, (id, name) by name."""
    from coopnum.organisations.models import Place

    return [(r.id, r.name) for r in session.execute(select(Place.id, Place.name).order_by(Place.name))]


def open_places(session: Session) -> list[tuple[int, str]]:
    """The places not archived, (id, name) by name."""
    from coopnum.organisations.models import Place

    return [(p.id, p.name) for p in session.execute(select(Place.id, Place.name).where(Place.archived.is_(False))
                                                    .order_by(Place.name)).all()]


def place_names(session: Session, place_ids: Iterable[int | None]) -> dict[int, str]:
    from coopnum.organisations.models import Place

    ids = {i for i in place_ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(ids))).all())


def loan_targets(session: Session, now: datetime) -> tuple[list, list]:
    """What a loan may be for: the sessions from two days ago to thirty days ahead, not cancelled (300 at most), and
    the missions by title (500 at most)."""
    from coopnum.missions.models import Mission, MissionSession

    sessions = session.execute(select(MissionSession).where(
        MissionSession.start >= now - timedelta(days=2), MissionSession.start < now + timedelta(days=30),
        MissionSession.status != "cancelled").order_by(MissionSession.start).limit(300)).scalars().all()
    missions = session.execute(select(Mission).order_by(Mission.title).limit(500)).scalars().all()
    return list(sessions), list(missions)


# --- assets and kits -----------------------------------------------------------------------------------------------

def assets_by_id(session: Session, asset_ids: Iterable[int]) -> dict[int, Asset]:
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    return {a.id: a for a in session.execute(select(Asset).where(Asset.id.in_(ids))).scalars()}


def assets_with_status(session: Session, statuses) -> list[Asset]:
    return list(session.execute(select(Asset).where(Asset.status.in_(statuses))
                                .order_by(Asset.category, Asset.tag)).scalars().all())


def labels_stmt(asset_ids: list[int], most: int):
    """The assets picked for labels (``most`` ids at most), by tag."""
    return select(Asset).where(Asset.id.in_(asset_ids[:most])).order_by(Asset.tag)


def asset_photo(session: Session, asset_id: int) -> AssetPhoto | None:
    return session.execute(select(AssetPhoto).where(AssetPhoto.asset_id == asset_id)).scalar_one_or_none()


def active_kits(session: Session) -> list[Kit]:
    return list(session.execute(select(Kit).where(Kit.active).order_by(Kit.code)).scalars().all())


def kits_of(session: Session, assets: list[Asset]) -> dict[int, Kit]:
    """The kits the assets belong to, by id."""
    if not any(a.kit_id for a in assets):
        return {}
    return {k.id: k for k in session.execute(select(Kit).where(
        Kit.id.in_({a.kit_id for a in assets if a.kit_id}))).scalars()}


def kit_choices(session: Session, active_only: bool = True) -> list[tuple[int, str]]:
    stmt = select(Kit.id, Kit.code, Kit.name).order_by(Kit.code)
    if active_only:
        stmt = stmt.where(Kit.active.is_(True))
    return [(r.id, f"{r.code} — {r.name}") for r in session.execute(stmt)]


def kit_codes(session: Session) -> dict[int, str]:
    return {r.id: r.code for r in session.execute(select(Kit.id, Kit.code))}


def kits(session: Session) -> list[Kit]:
    """Every kit, the active ones first, by code."""
    return list(session.execute(select(Kit).order_by(Kit.active.desc(), Kit.code)).scalars().all())


def kit_sizes(session: Session) -> dict[int, int]:
    return dict(session.execute(select(Asset.kit_id, func.count()).where(Asset.kit_id.is_not(None))
                                .group_by(Asset.kit_id)).all())


def kit_assets(session: Session, kit_id: int) -> list[Asset]:
    return list(session.execute(select(Asset).where(Asset.kit_id == kit_id).order_by(Asset.tag)).scalars().all())


def kit_candidates(session: Session, kit_id: int | None) -> list:
    """The assets a kit may hold (not retired, in no other kit): rows (id, tag, model, kit_id), by tag."""
    stmt = select(Asset.id, Asset.tag, Asset.model, Asset.kit_id).where(Asset.status != AssetStatus.RETIRED)
    stmt = stmt.where(Asset.kit_id.is_(None) | (Asset.kit_id == (kit_id if kit_id else -1))).order_by(Asset.tag)
    return list(session.execute(stmt))


# --- reservations and loans ----------------------------------------------------------------------------------------

def reservations_stmt(*, user_id: int | None, status: str, now: datetime):
    """The list of reservations (of one person when ``user_id``), the latest first; "upcoming": the active ones
    not over, the soonest first."""
    stmt = select(Reservation).order_by(Reservation.starts_at.desc(), Reservation.id.desc())
    if user_id is not None:
        stmt = stmt.where(Reservation.user_id == user_id)
    if status == "upcoming":
        stmt = stmt.where(Reservation.status == ReservationStatus.ACTIVE, Reservation.ends_at > now)
        stmt = stmt.order_by(None).order_by(Reservation.starts_at, Reservation.id)
    elif status:
        stmt = stmt.where(Reservation.status == status)
    return stmt


def loans_stmt(*, user_id: int | None, status: str, now: datetime):
    """The list of loans (of one person when ``user_id``): open or overdue (the soonest due first), returned or
    lost (the latest returned first), else all (the latest out first)."""
    stmt = select(Loan)
    if user_id is not None:
        stmt = stmt.where(Loan.user_id == user_id)
    if status == "open":
        return stmt.where(Loan.status == LoanStatus.OPEN).order_by(Loan.due_at, Loan.id)
    if status == "overdue":
        return stmt.where(Loan.status == LoanStatus.OPEN, Loan.due_at < now).order_by(Loan.due_at, Loan.id)
    if status in ("returned", "lost"):
        return stmt.where(Loan.status == status).order_by(Loan.returned_at.desc(), Loan.id.desc())
    return stmt.order_by(Loan.checked_out_at.desc(), Loan.id.desc())


def reservation_of_loan(session: Session, loan_id: int) -> Reservation | None:
    return session.execute(select(Reservation).where(Reservation.loan_id == loan_id)).scalars().first()
