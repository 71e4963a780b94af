"""Services of the missions domain: requests for services from authorities, and the authority portal's queries.

A contact of an organisation (role ``authority``) asks for a service of the catalogue (what, where, when, for whom);
the coordination takes it in charge, then answers by a quote (its reference), by a mission (planned), or declines it.

    new ──► in_review ──► quoted ──► planned       (new and in_review may also go straight to quoted or planned;
     │          │           │                        a quoted request may get a revised quote)
     └──────────┴───────────┴──► declined          (planned and declined are final)

Services take plain values, the acting user and ``now``; they never commit, write the audit log for every change and
raise DomainError with a French message."""

from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core.access import is_staff
from coopnum.core.clock import paris_today
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import Role, User, UserRole
from coopnum.missions import access
from coopnum.missions.models import Mission, MissionStatus, RequestStatus, ServiceRequest
from coopnum.organisations.models import Convention, Place, Service

DESCRIPTION_MAX = 2000
ANSWER_MAX = 2000
TEXT_MAX = 300

# Which status may follow which: answering a declined or planned request is refused.
TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.NEW: {RequestStatus.IN_REVIEW, RequestStatus.QUOTED, RequestStatus.PLANNED, RequestStatus.DECLINED},
    RequestStatus.IN_REVIEW: {RequestStatus.QUOTED, RequestStatus.PLANNED, RequestStatus.DECLINED},
    RequestStatus.QUOTED: {RequestStatus.QUOTED, RequestStatus.PLANNED, RequestStatus.DECLINED},  # a revised quote
    RequestStatus.PLANNED: set(),
    RequestStatus.DECLINED: set(),
}

# Order of the coordination's inbox: what needs work first.
STATUS_ORDER = case(
    (ServiceRequest.status == RequestStatus.NEW, 0),
    (ServiceRequest.status == RequestStatus.IN_REVIEW, 1),
    (ServiceRequest.status == RequestStatus.QUOTED, 2),
    else_=3,
)

_FINAL_MESSAGES = {
    RequestStatus.DECLINED: "Cette demande a déjà été refusée : elle ne peut plus changer.",
    RequestStatus.PLANNED: "Cette demande est déjà planifiée : elle ne peut plus changer.",
}


# --- the contact's side -------------------------------------------------------------------------------------------

def active_services(session: Session) -> list[Service]:
    return list(session.execute(select(Service).where(Service.active.is_(True)).order_by(Service.name)).scalars())


def organisation_places(session: Session, organisation_id: int) -> list[Place]:
    return list(session.execute(
        select(Place).where(Place.organisation_id == organisation_id, Place.archived.is_(False)).order_by(Place.name)
    ).scalars())


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _requested_place(session: Session, organisation_id: int, place_id: int | None, place_text: str) -> str:
    """A place of the organisation (then no text), or the description of another place."""
    place_text = _clean(place_text)
    if place_id:
        place = session.get(Place, place_id)
        if place is None or place.organisation_id != organisation_id or place.archived:
            raise DomainError("Choisissez un lieu de votre structure, ou « Autre lieu ».", field="place_id")
        return ""
    if not place_text:
        raise DomainError("Indiquez le lieu : choisissez-en un ou décrivez l'autre lieu.", field="place_text")
    if len(place_text) > TEXT_MAX:
        raise DomainError(f"Le lieu ne doit pas dépasser {TEXT_MAX} caractères.", field="place_text")
    return place_text


def _check_wished_dates(wished_start: date | None, wished_end: date | None, now: datetime) -> None:
    if wished_start is not None and wished_start < paris_today(now):
        raise DomainError("La date de début souhaitée ne peut pas être dans le passé.", field="wished_start")
    if wished_end is not None and wished_start is not None and wished_end < wished_start:
        raise DomainError("La date de fin souhaitée doit suivre la date de début.", field="wished_end")
    if wished_end is not None and wished_end < paris_today(now):
        raise DomainError("La date de fin souhaitée ne peut pas être dans le passé.", field="wished_end")


def create_request(
    session: Session,
    actor: User,
    *,
    service_id: int | None,
    place_id: int | None = None,
    place_text: str = "",
    wished_start: date | None = None,
    wished_end: date | None = None,
    schedule_note: str = "",
    audience: str = "",
    expected_participants: int | None = None,
    description: str,
    now: datetime,
) -> ServiceRequest:
    """A contact asks for a service of the active catalogue for its own organisation."""
    if not access.can_create_request(actor):
        raise Forbidden("Seul·e un·e interlocuteur·rice d'une structure peut faire une demande.")
    organisation_id = actor.organisation_id
    service = session.get(Service, service_id) if service_id else None
    if service is None or not service.active:
        raise DomainError("Choisissez une prestation du catalogue.", field="service_id")
    place_text = _requested_place(session, organisation_id, place_id, place_text)
    _check_wished_dates(wished_start, wished_end, now)
    schedule_note, audience = _clean(schedule_note), _clean(audience)
    if len(schedule_note) > TEXT_MAX:
        raise DomainError(f"Les horaires souhaités ne doivent pas dépasser {TEXT_MAX} caractères.",
                          field="schedule_note")
    if len(audience) > TEXT_MAX:
        raise DomainError(f"Le public ne doit pas dépasser {TEXT_MAX} caractères.", field="audience")
    if expected_participants is not None and expected_participants < 1:
        raise DomainError("Le nombre de participants attendus doit être d'au moins 1.", field="expected_participants")
    description = _clean(description)
    if not description:
        raise DomainError("Décrivez votre besoin.", field="description")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(f"La description ne doit pas dépasser {DESCRIPTION_MAX} caractères.", field="description")
    request = ServiceRequest(
        organisation_id=organisation_id, requested_by_id=actor.id, service_id=service.id,
        place_id=place_id or None, place_text=place_text, wished_start=wished_start, wished_end=wished_end,
        schedule_note=schedule_note, audience=audience, expected_participants=expected_participants,
        description=description, status=RequestStatus.NEW, created_at=now, updated_at=now,
    )
    session.add(request)
    audit.record(session, actor, "create", request, summary=f"Demande de prestation : {service.name}",
                 after=audit.snapshot(request), now=now)
    return request


def withdraw_request(session: Session, actor: User, request: ServiceRequest, *, now: datetime) -> None:
    """A contact of the organisation withdraws (deletes) a request nobody has taken in charge yet."""
    if not access.is_authority_of(actor, request.organisation_id):
        raise Forbidden("Seule la structure qui a fait la demande peut la retirer.")
    if request.status != RequestStatus.NEW:
        raise DomainError("Cette demande est déjà prise en charge par la coordination : elle ne peut plus être retirée.")
    audit.record(session, actor, "delete", request, summary="Demande de prestation retirée",
                 before=audit.snapshot(request), now=now)
    session.delete(request)
    session.flush()


# --- the coordination's side ----------------------------------------------------------------------------------------

def _check_staff(actor: User) -> None:
    if not is_staff(actor):
        raise Forbidden("Seule la coordination peut répondre à une demande.")


def _check_transition(actor: User, request: ServiceRequest, status: RequestStatus) -> None:
    _check_staff(actor)
    current = RequestStatus(request.status)
    if status not in TRANSITIONS[current]:
        raise DomainError(_FINAL_MESSAGES.get(current, "Cette demande ne peut pas passer à cet état."))


def _move(session: Session, actor: User, request: ServiceRequest, status: RequestStatus, *, now: datetime,
          summary: str, **changes) -> ServiceRequest:
    _check_transition(actor, request, status)
    fields = ["status", *changes]
    before = audit.snapshot(request, fields)
    request.status = status
    for name, value in changes.items():
        setattr(request, name, value)
    request.updated_at = now
    audit.record(session, actor, "update", request, summary=summary, before=before,
                 after=audit.snapshot(request, fields), now=now)
    return request


def _answer_text(message: str | None, *, required: bool) -> str:
    message = _clean(message)
    if required and not message:
        raise DomainError("Écrivez un message pour la structure.", field="message")
    if len(message) > ANSWER_MAX:
        raise DomainError(f"Le message ne doit pas dépasser {ANSWER_MAX} caractères.", field="message")
    return message


def take_request(session: Session, actor: User, request: ServiceRequest, *, now: datetime) -> ServiceRequest:
    """The coordination takes the request in charge (new → in_review)."""
    _check_staff(actor)
    if request.status != RequestStatus.NEW and request.status not in _FINAL_MESSAGES:
        raise DomainError("Cette demande est déjà prise en charge.")
    return _move(session, actor, request, RequestStatus.IN_REVIEW, now=now, summary="Demande prise en charge")


def decline_request(session: Session, actor: User, request: ServiceRequest, message: str, *,
                    now: datetime) -> ServiceRequest:
    """The coordination declines, with a message to the organisation (required)."""
    _check_transition(actor, request, RequestStatus.DECLINED)
    text = _answer_text(message, required=True)
    return _move(session, actor, request, RequestStatus.DECLINED, now=now, summary="Demande refusée",
                 answer=text, answered_by_id=actor.id, answered_at=now)


def quote_request(session: Session, actor: User, request: ServiceRequest, quote_reference: str,
                  message: str = "", *, now: datetime) -> ServiceRequest:
    """The coordination answers by a quote (its reference; billing holds the quote itself)."""
    _check_transition(actor, request, RequestStatus.QUOTED)
    reference = _clean(quote_reference)
    if not reference:
        raise DomainError("Indiquez la référence du devis.", field="quote_reference")
    if len(reference) > 40:
        raise DomainError("La référence du devis ne doit pas dépasser 40 caractères.", field="quote_reference")
    text = _answer_text(message, required=False)
    return _move(session, actor, request, RequestStatus.QUOTED, now=now, summary=f"Devis {reference} proposé",
                 answer=text, quote_reference=reference, answered_by_id=actor.id, answered_at=now)


def request_missions(session: Session, request: ServiceRequest) -> list[Mission]:
    """Missions that may answer a request: active missions of the conventions of the request's organisation."""
    return list(session.execute(
        select(Mission).join(Convention, Mission.convention_id == Convention.id)
        .where(Convention.organisation_id == request.organisation_id, Mission.status == MissionStatus.ACTIVE)
        .order_by(Mission.first_date.desc(), Mission.title)
    ).scalars().unique())


def plan_request(session: Session, actor: User, request: ServiceRequest, mission_id: int | None,
                 message: str = "", *, now: datetime) -> ServiceRequest:
    """The coordination answers by a mission of one of the organisation's conventions (→ planned)."""
    _check_transition(actor, request, RequestStatus.PLANNED)
    mission = session.get(Mission, mission_id) if mission_id else None
    if mission is None or mission.convention.organisation_id != request.organisation_id:
        raise DomainError("Choisissez une mission d'une convention de cette structure.", field="mission_id")
    if mission.status != MissionStatus.ACTIVE:
        raise DomainError("Cette mission est archivée.", field="mission_id")
    text = _answer_text(message, required=False)
    return _move(session, actor, request, RequestStatus.PLANNED, now=now,
                 summary=f"Demande planifiée : mission « {mission.title} »",
                 answer=text, mission_id=mission.id, answered_by_id=actor.id, answered_at=now)


def coordinators(session: Session) -> list[User]:
    """Every active user with the coordinator role: who is told of a new request."""
    return list(session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR, User.active.is_(True)).order_by(User.email)
    ).scalars().unique())


def count_by_status(session: Session, organisation_id: int | None = None) -> dict[str, int]:
    stmt = select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status)
    if organisation_id is not None:
        stmt = stmt.where(ServiceRequest.organisation_id == organisation_id)
    return {status: n for status, n in session.execute(stmt).all()}


def inbox_stmt(status: str | None = None) -> Select:
    """The coordination's list: new first, then in review, quoted, the others; most recent first within each."""
    stmt = select(ServiceRequest, User).outerjoin(User, User.id == ServiceRequest.requested_by_id)
    if status:
        stmt = stmt.where(ServiceRequest.status == status)
    return stmt.order_by(STATUS_ORDER, ServiceRequest.created_at.desc(), ServiceRequest.id.desc())


def organisation_requests_stmt(organisation_id: int) -> Select:
    """An organisation's requests, open ones first, most recent first."""
    return (select(ServiceRequest).where(ServiceRequest.organisation_id == organisation_id)
            .order_by(STATUS_ORDER, ServiceRequest.created_at.desc(), ServiceRequest.id.desc()))
