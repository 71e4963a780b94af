"""Which activity reports a user may see, and the filters of the activity list, its exports and the API.

One statement builder, shared by the list page, the CSV/XLSX exports and ``/api/v1/activities``, so that the
three always agree on "the activities of this period with these filters"::

    filters = ActivityFilters.from_args(request.args)   # French DomainError on a bad value
    stmt = visible_activities(viewer, filters)           # select(Activity) … ordered by date desc, id desc
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Select, String, cast, or_, select
from sqlmodel import Session

from coopnum.activities.models import Activity
from coopnum.core.access import is_staff
from coopnum.core.errors import DomainError
from coopnum.core.models import Role, User
from coopnum.organisations.models import Convention

MAX_PERIOD_DAYS = 5 * 366 + 1


def _parse_date(raw: str | None, field: str) -> date | None:
    if raw is None or not str(raw).strip():
        return None
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise DomainError("Date invalide : utilisez le format AAAA-MM-JJ.", field=field) from None


def _parse_id(raw: str | None, field: str) -> int | None:
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    if not text.isdigit():
        raise DomainError("Identifiant invalide.", field=field)
    return int(text)


@dataclass(frozen=True)
class ActivityFilters:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    mediator_id: int | None = None
    convention_id: int | None = None
    organisation_id: int | None = None
    place_id: int | None = None
    kind: str | None = None  # Individuel | Collectif
    theme: str | None = None  # a value of the thematique lists

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "ActivityFilters":
        """From query-string arguments ``from``, ``to``, ``mediator``, ``convention``, ``organisation``,
        ``place``, ``kind``, ``theme``."""
        date_from = _parse_date(args.get("from"), "from")
        date_to = _parse_date(args.get("to"), "to")
        if date_from and date_to and date_to < date_from:
            raise DomainError("La date de fin précède la date de début.", field="to")
        kind = (args.get("kind") or "").strip() or None
        if kind not in (None, "Individuel", "Collectif"):
            raise DomainError("Type d’activité inconnu.", field="kind")
        theme = (args.get("theme") or "").strip() or None
        return cls(date_from=date_from, date_to=date_to, mediator_id=_parse_id(args.get("mediator"), "mediator"),
                   convention_id=_parse_id(args.get("convention"), "convention"),
                   organisation_id=_parse_id(args.get("organisation"), "organisation"),
                   place_id=_parse_id(args.get("place"), "place"), kind=kind, theme=theme)

    def to_args(self) -> dict[str, str]:
        """The query-string form (for links to the export, the next page…); empty filters left out."""
        names = {"date_from": "from", "date_to": "to", "mediator_id": "mediator", "convention_id": "convention",
                 "organisation_id": "organisation", "place_id": "place", "kind": "kind", "theme": "theme"}
        return {names[k]: (v.isoformat() if isinstance(v, date) else str(v))
                for k, v in asdict(self).items() if v is not None}


def may_see_all(viewer: User) -> bool:
    return is_staff(viewer)


def visible_activities(viewer: User, filters: ActivityFilters | None = None) -> Select:
    """``select(Activity)`` limited to what ``viewer`` may see (staff: all; a mediator: their own; others:
    nothing), with the filters applied, newest first. The caller paginates or streams (``yield_per``)."""
    filters = filters or ActivityFilters()
    stmt = select(Activity)
    if not may_see_all(viewer):
        if viewer.has_role(Role.MEDIATOR):
            stmt = stmt.where(Activity.mediator_id == viewer.id)
        else:
            stmt = stmt.where(Activity.id.is_(None))
    if filters.date_from:
        stmt = stmt.where(Activity.date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(Activity.date <= filters.date_to)
    if filters.mediator_id:
        stmt = stmt.where(Activity.mediator_id == filters.mediator_id)
    if filters.convention_id:
        stmt = stmt.where(Activity.convention_id == filters.convention_id)
    if filters.organisation_id:
        stmt = stmt.where(Activity.convention_id.in_(
            select(Convention.id).where(Convention.organisation_id == filters.organisation_id)))
    if filters.place_id:
        stmt = stmt.where(Activity.place_id == filters.place_id)
    if filters.kind:
        stmt = stmt.where(Activity.kind == filters.kind)
    if filters.theme:
        # JSON lists: a LIKE on the serialised value is portable (SQLite/PostgreSQL) and exact thanks to quotes.
        pattern = f'%"{filters.theme}"%'
        stmt = stmt.where(or_(cast(Activity.thematiques, String).like(pattern),
                              cast(Activity.thematiques_demarche, String).like(pattern)))
    return stmt.order_by(Activity.date.desc(), Activity.id.desc())


def sessions_with_reports(session: Session, session_ids: list[int]) -> set[int]:
    """Of ``session_ids``, the sessions with an activity report (the planning never moves or deletes them)."""
    return set(session.execute(select(Activity.session_id).where(Activity.session_id.in_(session_ids))).scalars())
