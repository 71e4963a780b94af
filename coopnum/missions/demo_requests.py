"""Demo data of the requests for services: one pending request of the Ville de Poitiers (workshops for seniors) and
one request of another organisation already declined by the coordination.

``seed_requests(ctx)`` goes through the same services as the pages (rules and audit included). It uses
``ctx.services`` when the catalogue demo ran before it, else the active services in the database."""

from datetime import timedelta

from sqlalchemy import select

from coopnum.core.clock import paris_today
from coopnum.core.models import Role, User, UserRole
from coopnum.missions.services import requests
from coopnum.organisations.models import Service, ServiceCategory


def _pick(services: list[Service], category: str, code: str | None = None) -> Service | None:
    for service in services:
        if code and service.code == code:
            return service
    for service in services:
        if service.category == category:
            return service
    return services[0] if services else None


def seed_requests(ctx) -> None:
    from coopnum.core.db import db

    session = db.session
    if not ctx.organisations or not ctx.authority_users:
        return
    services = [s for s in (getattr(ctx, "services", None) or []) if s.active]
    if not services:
        services = requests.active_services(session)
    if not services:
        return  # no catalogue: nothing to ask for
    coordinator = ctx.coordinator or session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.COORDINATOR)
    ).scalars().first()
    session.flush()

    # 1. pending: the Ville de Poitiers asks for workshops for seniors, three days ago
    poitiers, contact = ctx.organisations[0], ctx.authority_users[0]
    asked = ctx.now - timedelta(days=3)
    start = paris_today(asked) + timedelta(days=30)
    places = [p for p in ctx.places if p.organisation_id == poitiers.id]
    requests.create_request(
        session, contact, service_id=_pick(services, ServiceCategory.WORKSHOP, "ATELIER").id,
        place_id=places[-1].id if places else None, place_text="" if places else "Salle du conseil, mairie",
        wished_start=start, wished_end=start + timedelta(days=90), schedule_note="le mardi matin, hors vacances",
        audience="Seniors du quartier (plus de 65 ans)", expected_participants=8,
        description="Les seniors du quartier nous demandent de l'aide pour leur tablette et leurs démarches "
                    "en ligne (santé, retraite). Nous aimerions un cycle de 6 ateliers de deux heures, à la maison "
                    "de quartier, avec des tablettes prêtées si possible.",
        now=asked,
    )

    # 2. answered: another organisation asked for a training day, the coordination declined it
    if len(ctx.organisations) < 2 or len(ctx.authority_users) < 2 or coordinator is None:
        return
    index = 3 if len(ctx.organisations) > 3 and len(ctx.authority_users) > 3 else 1
    other_contact = ctx.authority_users[index]  # the contact of organisation ``index`` (Ville de Châtellerault)
    asked = ctx.now - timedelta(days=12)
    start = paris_today(asked) + timedelta(days=14)
    declined = requests.create_request(
        session, other_contact, service_id=_pick(services, ServiceCategory.PRO_TRAINING, "FORM-PRO").id,
        place_text="Centre technique municipal, salle de formation", wished_start=start,
        wished_end=start + timedelta(days=7), schedule_note="une journée, en semaine",
        audience="Agents d'accueil de la mairie", expected_participants=15,
        description="Former nos agents d'accueil à repérer les personnes en difficulté avec le numérique et à les "
                    "orienter.",
        now=asked,
    )
    requests.decline_request(
        session, coordinator, declined,
        "Merci pour votre demande. Une journée de formation accueille 12 stagiaires au plus, et nos formateurs "
        "sont pris aux dates souhaitées. Nous vous proposons deux demi-groupes au printemps : faites une nouvelle "
        "demande quand vos dates seront connues.",
        now=asked + timedelta(days=2),
    )
