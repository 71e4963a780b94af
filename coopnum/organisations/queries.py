"""Read-only queries of the pages: choices of the select fields (organisations, places, services, conventions),
the lists and counts the organisations pages show, and what another domain computes for them."""

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlmodel import Session

from coopnum.core import slots
from coopnum.organisations.models import Convention, ConventionStatus, Organisation, Place, Service
from coopnum.organisations.services.conventions import VolumeSummary


def volumes(session: Session, convention_ids: list[int], *, now: datetime) -> dict[int, VolumeSummary]:
    """The volume done and planned under each convention: the missions domain computes it from its sessions
    (provider ``conventions.volumes``); none without it."""
    return slots.provided_one("conventions.volumes", session, convention_ids, now=now, default={})


def convention_missions(session: Session, convention_id: int) -> list:
    """The missions carried out under a convention (provider ``convention.missions``, by the missions domain)."""
    return slots.provided_one("convention.missions", session, convention_id, default=[])


# --- organisations ------------------------------------------------------------------------------------------------


def organisation_choices(
    session: Session, *, include_archived: bool = False, keep_id: int | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the organisations, by name: those in use (and ``keep_id``, the one already chosen), or all of
    them with ``include_archived``; by default what an authority contact's account may be attached to."""
    stmt = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if keep_id:
        stmt = stmt.where((Organisation.archived.is_(False)) | (Organisation.id == keep_id))
    elif not include_archived:
        stmt = stmt.where(Organisation.archived.is_(False))
    return [(r.id, r.name) for r in session.execute(stmt).all()]


def organisations_having_places(session: Session) -> list:
    """Rows (id, name) of the organisations that have at least one place, by name (the places list's filter)."""
    return session.execute(
        select(Organisation.id, Organisation.name)
        .where(
            Organisation.id.in_(select(Place.organisation_id).where(Place.organisation_id.is_not(None)).distinct())
        )
        .order_by(Organisation.name)
    ).all()


def signed_convention_counts(session: Session, organisation_ids: list[int]) -> dict[int, int]:
    """The number of signed (running) conventions of each organisation, for a page of organisations."""
    if not organisation_ids:
        return {}
    return dict(
        session.execute(
            select(Convention.organisation_id, func.count())
            .where(Convention.organisation_id.in_(organisation_ids), Convention.status == ConventionStatus.SIGNED)
            .group_by(Convention.organisation_id)
        ).all()
    )


def organisation_conventions(session: Session, organisation_id: int) -> list[Convention]:
    """The conventions of an organisation, the latest first."""
    return (
        session.execute(
            select(Convention)
            .where(Convention.organisation_id == organisation_id)
            .order_by(Convention.start_date.desc(), Convention.id.desc())
        )
        .scalars()
        .unique()
        .all()
    )


def organisation_places(session: Session, organisation_id: int) -> list[Place]:
    """The places in use of an organisation, by name."""
    return session.execute(
        select(Place).where(Place.organisation_id == organisation_id, Place.archived.is_(False)).order_by(Place.name)
    ).scalars().all()


def organisation_with_places(session: Session, organisation_id: int | None) -> dict:
    """An organisation and its places in use (the authority contact's dashboard panel)."""
    org = session.get(Organisation, organisation_id) if organisation_id else None
    places = organisation_places(session, org.id) if org is not None else []
    return {"organisation": org, "places": places}


# --- places and services ------------------------------------------------------------------------------------------


def place_choices(session: Session, *, with_city: bool = False) -> list[tuple[int, str]]:
    """(id, label) of the places in use: by name, or « name (city) » by city then name ``with_city``."""
    if with_city:
        rows = session.execute(
            select(Place.id, Place.name, Place.city).where(Place.archived.is_(False)).order_by(Place.city, Place.name)
        ).all()
        return [(r.id, f"{r.name} ({r.city})") for r in rows]
    rows = session.execute(select(Place.id, Place.name).where(Place.archived.is_(False)).order_by(Place.name)).all()
    return [(r.id, r.name) for r in rows]


def service_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the active services of the catalogue, by name."""
    rows = session.execute(select(Service.id, Service.name).where(Service.active.is_(True)).order_by(Service.name))
    return [(s.id, s.name) for s in rows.all()]


def catalogue_services(session: Session, included_ids: list[int]) -> list[Service]:
    """The active services, plus those of ``included_ids`` (even withdrawn since), by category and name."""
    stmt = select(Service).where(Service.active.is_(True) | Service.id.in_(included_ids or [-1]))
    return list(session.execute(stmt.order_by(Service.category, Service.name)).scalars())


# --- conventions --------------------------------------------------------------------------------------------------


def conventions_with_organisation(session: Session, *, include_ended: bool = True,
                                  running_on: date | None = None) -> list[Convention]:
    """The conventions with their organisation loaded, by reference (without the ended ones unless
    ``include_ended``; without those whose period is over on ``running_on``, when given)."""
    stmt = select(Convention).options(joinedload(Convention.organisation)).order_by(Convention.reference)
    if not include_ended:
        stmt = stmt.where(Convention.status != ConventionStatus.ENDED)
    if running_on is not None:
        stmt = stmt.where(Convention.end_date >= running_on)
    return list(session.execute(stmt).scalars())


def convention_labels(session: Session, *, include_ended: bool = True) -> list[tuple[int, str]]:
    """(id, « reference — organisation — title »), by reference: a filter's choices, read as plain columns (five
    years hold ~300 conventions; loading them as objects cost ~60 ms a page)."""
    stmt = (select(Convention.id, Convention.reference, Organisation.name, Convention.title)
            .join(Organisation, Organisation.id == Convention.organisation_id).order_by(Convention.reference))
    if not include_ended:
        stmt = stmt.where(Convention.status != ConventionStatus.ENDED)
    return [(cid, f"{reference} — {organisation} — {title}") for cid, reference, organisation, title in
            session.execute(stmt)]


def latest_open_convention_id(session: Session, organisation_id: int) -> int | None:
    """The id of the organisation's convention not ended that ends last, if any."""
    return session.execute(
        select(Convention.id)
        .where(Convention.organisation_id == organisation_id, Convention.status != ConventionStatus.ENDED)
        .order_by(Convention.end_date.desc())
        .limit(1)
    ).scalar_one_or_none()


def non_draft_convention_rows(session: Session) -> list:
    """Rows (id, reference, title) of the conventions past the draft, by reference."""
    return session.execute(
        select(Convention.id, Convention.reference, Convention.title)
        .where(Convention.status != ConventionStatus.DRAFT)
        .order_by(Convention.reference)
    ).all()


def non_draft_conventions(session: Session) -> list[Convention]:
    """The conventions past the draft, by reference."""
    return session.execute(
        select(Convention).where(Convention.status != ConventionStatus.DRAFT).order_by(Convention.reference)
    ).scalars().all()
