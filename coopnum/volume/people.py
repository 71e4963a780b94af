"""The volume's people and places: mediators up to the number asked, authorities up to 40 (with their contact and
login, like the demo's) and places up to 80. Small counts: ORM objects, added to the demo's context so that the
demo's parts that follow (places' enrichment and checks, conventions, members, training) see them."""

from __future__ import annotations

from coopnum.core.models import Role, User
from coopnum.demo import DOMAIN, FIRST_NAMES, LAST_NAMES, _email, _slug, fake_siret, place_offer
from coopnum.organisations.models import Contact, Organisation, OrganisationKind, Place

AUTHORITIES = 40
PLACES = 80

# Communes of the Vienne: name, postal code, INSEE code, latitude, longitude (town centres, rounded).
COMMUNES = [
    ("Neuville-de-Poitou", "86170", "86177", "46.683000", "0.249000"),
    ("Vouillé", "86190", "86294", "46.638000", "0.165000"),
    ("Saint-Benoît", "86280", "86214", "46.552000", "0.342000"),
    ("Mignaloux-Beauvoir", "86550", "86157", "46.544000", "0.417000"),
    ("Chasseneuil-du-Poitou", "86360", "86062", "46.651000", "0.373000"),
    ("Naintré", "86530", "86174", "46.763000", "0.488000"),
    ("Lusignan", "86600", "86139", "46.436000", "0.124000"),
    ("Vivonne", "86370", "86293", "46.426000", "0.263000"),
    ("Mirebeau", "86110", "86160", "46.787000", "0.182000"),
    ("Dangé-Saint-Romain", "86220", "86092", "46.934000", "0.607000"),
    ("L'Isle-Jourdain", "86150", "86112", "46.236000", "0.688000"),
    ("Lussac-les-Châteaux", "86320", "86140", "46.404000", "0.726000"),
    ("Gençay", "86160", "86103", "46.375000", "0.405000"),
    ("La Roche-Posay", "86270", "86207", "46.786000", "0.812000"),
    ("Saint-Georges-lès-Baillargeaux", "86130", "86222", "46.665000", "0.402000"),
    ("Migné-Auxances", "86440", "86158", "46.628000", "0.313000"),
    ("Fontaine-le-Comte", "86240", "86099", "46.532000", "0.262000"),
    ("Ligugé", "86240", "86133", "46.521000", "0.330000"),
    ("Availles-Limouzine", "86460", "86016", "46.123000", "0.655000"),
    ("Saint-Savin", "86310", "86246", "46.565000", "0.865000"),
    ("Montamisé", "86360", "86163", "46.622000", "0.425000"),
    ("Quinçay", "86190", "86204", "46.606000", "0.220000"),
    ("Biard", "86580", "86027", "46.579000", "0.306000"),
    ("Béruges", "86190", "86022", "46.566000", "0.205000"),
    ("Lencloître", "86140", "86128", "46.816000", "0.328000"),
    ("Scorbé-Clairvaux", "86140", "86258", "46.808000", "0.413000"),
    ("Les Trois-Moutiers", "86120", "86274", "47.066000", "0.019000"),
    ("Monts-sur-Guesnes", "86420", "86167", "46.923000", "0.211000"),
]
KINDS = [OrganisationKind.COMMUNE] * 5 + [OrganisationKind.EPCI, OrganisationKind.CCAS, OrganisationKind.ASSOCIATION]
PLACE_KINDS = [("Mairie de {c}", ["MUNI"], "Mo-Fr 09:00-12:00,14:00-17:00"),
               ("Médiathèque de {c}", ["BIB"], "Tu-Sa 10:00-18:00"),
               ("Espace de vie sociale de {c}", ["CS"], "Mo-Fr 09:00-12:00,14:00-18:00"),
               ("France Services de {c}", ["FRANCE_SERVICE"], "Mo-Fr 09:00-12:30,13:30-17:00")]


def add_mediators(ctx, wanted: int) -> list[User]:
    """The working mediators: the demo's first ``wanted`` ones, and new ones past its fifteen (same password)."""
    session = ctx_session()
    taken = {u.email for u in [*ctx.mediators, *ctx.members]}
    n = 0
    while len(ctx.mediators) < wanted:
        first = FIRST_NAMES[(n * 5 + 2) % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 11 + 7) % len(LAST_NAMES)]
        email = _email(first, last)
        if email in taken:
            email = email.replace("@", f".{n}@")
        taken.add(email)
        user = User(email=email, full_name=f"{first} {last}", password_hash=ctx.coordinator.password_hash,
                    phone=f"06{ctx.rng.randrange(10**8):08d}", created_at=ctx.now, updated_at=ctx.now)
        user.set_roles([Role.MEDIATOR, Role.MEMBER])
        session.add(user)
        ctx.mediators.append(user)
        ctx.members.append(user)
        n += 1
    session.flush()
    return ctx.mediators[:wanted]


def ctx_session():
    from coopnum.core.db import db

    return db.session


def add_authorities(ctx) -> None:
    """Authorities up to ``AUTHORITIES`` (each with a contact who has a login) and places up to ``PLACES``."""
    session = ctx_session()
    communes = iter(COMMUNES * 2)
    while len(ctx.organisations) < AUTHORITIES:
        i = len(ctx.organisations)
        city, postal_code, insee, _lat, _lon = next(communes)
        kind = KINDS[i % len(KINDS)]
        name = {OrganisationKind.EPCI: f"Communauté de communes de {city}", OrganisationKind.CCAS: f"CCAS de {city}",
                OrganisationKind.ASSOCIATION: f"Association numérique de {city}"}.get(kind, f"Commune de {city}")
        org = Organisation(name=name, kind=kind, siret=fake_siret(ctx.rng), insee_code=insee,
                           address="Place de la Mairie", postal_code=postal_code, city=city,
                           email=f"contact@{_slug(name)}.{DOMAIN}", phone=f"05{ctx.rng.randrange(10**8):08d}",
                           created_at=ctx.now, updated_at=ctx.now)
        session.add(org)
        ctx.organisations.append(org)
    session.flush()
    for i, org in enumerate(ctx.organisations[len(ctx.authority_users):], start=len(ctx.authority_users)):
        _contact(ctx, session, i, org)
    _places(ctx, session)


def _contact(ctx, session, i: int, org: Organisation) -> None:
    first, last = FIRST_NAMES[(i * 7 + 3) % len(FIRST_NAMES)], LAST_NAMES[(i * 5 + 11) % len(LAST_NAMES)]
    email = f"{_email(first, last).split('@')[0]}@{_slug(org.name)}.{DOMAIN}"
    login = User(email=email, full_name=f"{first} {last}", password_hash=ctx.coordinator.password_hash,
                 organisation_id=org.id, created_at=ctx.now, updated_at=ctx.now)
    login.set_roles([Role.AUTHORITY])
    session.add(login)
    session.flush()
    ctx.authority_users.append(login)
    session.add(Contact(organisation_id=org.id, first_name=first, last_name=last,
                        job_title="Chargé·e de mission inclusion numérique", email=email, receives_invoices=True,
                        receives_reports=True, user_id=login.id))


def _places(ctx, session) -> None:
    from decimal import Decimal

    coordinates = {c[0]: c for c in COMMUNES}
    orgs = [o for o in ctx.organisations if o.city in coordinates]
    n = 0
    while len(ctx.places) < PLACES and orgs:
        org = orgs[n % len(orgs)]
        city, postal_code, insee, lat, lon = coordinates[org.city]
        pattern, typologie, hours = PLACE_KINDS[(n // len(orgs)) % len(PLACE_KINDS)]
        place = Place(organisation=org, name=pattern.format(c=city), address=f"{1 + n % 40} place de l'Église",
                      postal_code=postal_code, city=city, insee_code=insee, typologie=typologie, horaires=hours,
                      latitude=Decimal(lat) + Decimal(n % 7) / 1000, longitude=Decimal(lon) + Decimal(n % 5) / 1000,
                      **place_offer(city), created_at=ctx.now, updated_at=ctx.now)
        session.add(place)
        ctx.places.append(place)
        n += 1
    session.flush()


def add_conventions(bulk, ctx) -> None:
    """One signed convention per organisation and calendar year, with the demo's terms
    (``organisations.demo.convention_terms``), written in bulk (``ctx.conventions``: loaded back, with their
    organisation)."""
    from datetime import time

    from sqlalchemy import select

    from coopnum.organisations.demo import convention_terms
    from coopnum.organisations.models import Convention, ConventionService, ConventionStatus
    from coopnum.volume.bulk import paris

    by_code = {s.code: s for s in ctx.services}
    today = today_of(ctx)
    rows, links = [], []
    for year in ctx.years:
        for index, org in enumerate(ctx.organisations):
            values, signed_on = convention_terms(ctx, by_code, index, org, year, today)
            services = values.pop("services")
            created = min(paris(signed_on, time(10)), ctx.now)
            row = {"monthly_fee_cents": None, "unit_price_cents": None, "chorus_service_code": None,
                   "chorus_engagement_number": None} | values | {
                "id": bulk.next_id(Convention), "reference": f"CONV-{year}-{index + 1:03d}",
                "status": ConventionStatus.SIGNED, "chorus_buyer_siret": org.siret, "signed_on": signed_on,
                "signed_file_name": None, "signed_file_path": None, "signed_file_sha256": None,
                "report_equipment": False, "created_at": created, "updated_at": created}
            rows.append(row)
            links += [{"convention_id": row["id"], "service_id": sid, "unit_price_cents": price}
                      for sid, price in services]
    bulk.insert(Convention, rows)
    bulk.insert(ConventionService, links)
    ctx.conventions = list(bulk.session.execute(
        select(Convention).where(Convention.id.in_([r["id"] for r in rows])).order_by(Convention.id))
        .unique().scalars())


def today_of(ctx):
    from coopnum.core.clock import paris_today

    return paris_today(ctx.now)
