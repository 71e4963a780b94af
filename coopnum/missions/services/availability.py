"""Services of the missions domain: what a mission may use before it is saved — the places a convention allows,
the mediators' busy slots (their other sessions and absences, loaded once for a period), and the summary of the
sessions a default mediator cannot take (« X est déjà occupé·e sur 6 des 12 séances : … »).

One rule for the places, used by the form (the list it offers) and by the service (what it accepts): a convention
covers the places of its organisation and the places of the organisation's commune (same INSEE code; without one,
same postal code and commune name)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from coopnum.core.clock import to_paris
from coopnum.missions.models import Absence, Assignment, MissionSession, SessionStatus
from coopnum.organisations.models import Convention, Organisation, OrganisationKind, Place

# --- places of a convention ----------------------------------------------------------------------------------------


def department_of(insee_code: str) -> str:
    """The département of a commune's INSEE code: '86194' → '86', '2A004' → '2A', '97411' → '974'."""
    return insee_code[:3] if insee_code.startswith("97") else insee_code[:2]


def place_allowed(place: Place, organisation: Organisation) -> bool:
    """A place is in a convention's perimeter when it belongs to the convention's organisation or lies on its
    territory: its commune, the communes of its territory (an EPCI's), its département (a département's)."""
    if place.organisation_id is not None and place.organisation_id == organisation.id:
        return True
    if place.insee_code and place.insee_code in (organisation.territory or "").split():
        return True
    if organisation.insee_code and place.insee_code:
        if organisation.kind == OrganisationKind.DEPARTEMENT:
            return department_of(place.insee_code) == department_of(organisation.insee_code)
        return place.insee_code == organisation.insee_code
    return bool(organisation.city and organisation.postal_code
                and (place.city or "").strip().lower() == organisation.city.strip().lower()
                and place.postal_code == organisation.postal_code)


def places_by_convention(session: Session, conventions: Iterable[Convention]) -> dict[int, list[int]]:
    """{convention id: ids of the places (not archived) it allows}, from one query of the places."""
    places = list(session.execute(select(Place).where(Place.archived.is_(False))
                                  .order_by(Place.city, Place.name)).scalars())
    return {c.id: [p.id for p in places if place_allowed(p, c.organisation)] for c in conventions}


# --- busy slots ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime
    reason: str  # a French sentence's end: « déjà affecté·e à … », « absent·e »


def busy_slots(session: Session, user_ids: Iterable[int], start: datetime, end: datetime, *,
               except_mission_id: int | None = None) -> dict[int, list[Busy]]:
    """The mediators' sessions (not cancelled) and absences overlapping [start, end): two queries whatever the
    number of mediators and sessions. ``except_mission_id``: leave that mission's sessions out (it is being
    edited: its sessions are recomputed)."""
    ids = sorted(set(user_ids))
    found: dict[int, list[Busy]] = {uid: [] for uid in ids}
    if not ids:
        return found
    other = aliased(MissionSession)
    stmt = (select(Assignment.user_id, other.start, other.end).join(other, other.id == Assignment.session_id)
            .where(Assignment.user_id.in_(ids), other.status != SessionStatus.CANCELLED,
                   other.start < end, other.end > start))
    if except_mission_id is not None:
        stmt = stmt.where(other.mission_id != except_mission_id)
    for user_id, s_start, s_end in session.execute(stmt):
        found[user_id].append(Busy(s_start, s_end, "déjà affecté·e à une autre séance"))
    for absence in session.execute(select(Absence).where(Absence.user_id.in_(ids), Absence.start < end,
                                                         Absence.end > start)).scalars():
        found[absence.user_id].append(Busy(absence.start, absence.end, "absent·e"))
    return found


def busy_at(slots: list[Busy], start: datetime, end: datetime) -> Busy | None:
    return next((b for b in slots if b.start < end and b.end > start), None)


# --- the summary of a mediator's conflicts -----------------------------------------------------------------------

def short_date(day: date) -> str:
    return format_date(day, "d MMMM", locale="fr")


@dataclass
class BusyMediator:
    """The sessions of a mission a default mediator was wanted on, and those they could not take."""

    name: str
    wanted: int = 0
    busy: list[datetime] = field(default_factory=list)

    def sentence(self, limit: int = 5) -> str:
        days = [short_date(to_paris(start).date()) for start in sorted(self.busy)]
        shown = ", ".join(days[:limit]) + (", …" if len(days) > limit else "")
        if len(self.busy) == self.wanted:
            count = f"sur toutes les séances ({self.wanted})" if self.wanted > 1 else "sur la séance"
        else:
            count = f"sur {len(self.busy)} des {self.wanted} séances"
        rest = "ces séances restent à pourvoir" if len(self.busy) > 1 else "cette séance reste à pourvoir"
        return f"{self.name} est déjà occupé·e {count} : {shown} — {rest}."


def summaries(busy: dict[int, BusyMediator]) -> list[str]:
    """One sentence per mediator with conflicts, by name."""
    return [b.sentence() for b in sorted(busy.values(), key=lambda b: b.name) if b.busy]
