"""Read-only queries of the organisations pages that need what another domain computes."""

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from coopnum.core import slots
from coopnum.organisations.models import Organisation, Place
from coopnum.organisations.services.conventions import VolumeSummary


def volumes(session: Session, convention_ids: list[int], *, now: datetime) -> dict[int, VolumeSummary]:
    """The volume done and planned under each convention: the missions domain computes it from its sessions
    (provider ``conventions.volumes``); none without it."""
    return slots.provided_one("conventions.volumes", session, convention_ids, now=now, default={})


def convention_missions(session: Session, convention_id: int) -> list:
    """The missions carried out under a convention (provider ``convention.missions``, by the missions domain)."""
    return slots.provided_one("convention.missions", session, convention_id, default=[])


def organisation_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the organisations in use, by name: what an authority contact's account may be attached to."""
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.archived.is_(False)).order_by(Organisation.name)
    ).all()
    return [(r.id, r.name) for r in rows]


def organisation_with_places(session: Session, organisation_id: int | None) -> dict:
    """An organisation and its places in use (the authority contact's dashboard panel)."""
    org = session.get(Organisation, organisation_id) if organisation_id else None
    places = []
    if org is not None:
        places = session.execute(
            select(Place).where(Place.organisation_id == org.id, Place.archived.is_(False)).order_by(Place.name)
        ).scalars().all()
    return {"organisation": org, "places": places}
