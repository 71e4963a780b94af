"""Demo data: a realistic cooperative of digital mediators in the Vienne (86). Deterministic (seeded random).

Each domain adds its part in ``seed()``; ``coopnum seed-demo`` runs it on an empty database only."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from stdnum import luhn

from coopnum.core import clock
from coopnum.core.db import db, writing
from coopnum.core.models import Role, User
from coopnum.core.security import hash_password
from coopnum.organisations.models import Contact, Organisation, OrganisationKind, Place

DEMO_PASSWORD = "demo-coopnum-2026"

# The member communes (INSEE codes) of the intercommunalités, some of them: their missions may go there.
TERRITORIES = {
    "Grand Poitiers Communauté urbaine": "86194 86041 86062 86158 86214 86115 86070",
    "Grand Châtellerault": "86066 86128",
    "Communauté de communes du Civraisien en Poitou": "86078 86061",
}
DOMAIN = "demo.coopnum.fr"

FIRST_NAMES = ["Camille", "Léa", "Hugo", "Inès", "Nadia", "Julien", "Sophie", "Karim", "Élodie", "Thomas", "Manon",
               "Yanis", "Claire", "Mehdi", "Aurélie", "Bastien", "Fatou", "Lucas", "Chloé", "Antoine", "Sarah",
               "Romain", "Laura", "Nicolas", "Amandine", "Samir", "Pauline", "Quentin", "Émilie", "Vincent",
               "Mathilde", "Olivier", "Agathe", "Rachid", "Justine", "Damien"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux",
              "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
              "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer",
              "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin"]

# (name, kind, commune, postal code, INSEE code, address, places: [(name, address, typologie, horaires)])
AUTHORITIES = [
    ("Ville de Poitiers", OrganisationKind.COMMUNE, "Poitiers", "86000", "86194", "15 place du Maréchal Leclerc", [
        ("Médiathèque François-Mitterrand", "4 rue de l'Université", ["BIB"], "Tu-Sa 10:00-18:00"),
        ("Maison de quartier des Couronneries", "37 rue de la Vincenderie", ["CS"], "Mo-Fr 09:00-12:00,14:00-18:00"),
    ]),
    ("Grand Poitiers Communauté urbaine", OrganisationKind.EPCI, "Poitiers", "86000", "86194",
     "84 rue des Carmélites", [
         ("Espace numérique de Buxerolles", "Place de la Mairie", ["MUNI"], "Mo,We,Fr 09:00-12:00"),
     ]),
    ("Département de la Vienne", OrganisationKind.DEPARTEMENT, "Poitiers", "86000", "86194",
     "Place Aristide Briand", [
         ("Maison départementale des solidarités de Poitiers Est", "9 rue de la Croix Rouge", ["MDS"],
          "Mo-Fr 08:30-12:30,13:30-17:00"),
     ]),
    ("Ville de Châtellerault", OrganisationKind.COMMUNE, "Châtellerault", "86100", "86066",
     "78 boulevard Blossac", [
         ("Mairie de Châtellerault — accueil numérique", "78 boulevard Blossac", ["MUNI"], "Mo-Fr 08:30-17:30"),
         ("Médiathèque de Châtellerault", "3 rue Sully", ["BIB"], "Tu-Sa 10:00-18:00"),
     ]),
    ("CCAS de Poitiers", OrganisationKind.CCAS, "Poitiers", "86000", "86194", "23 rue Arthur Ranc", [
        ("CCAS de Poitiers — permanence numérique", "23 rue Arthur Ranc", ["CCAS"], "Mo-Th 09:00-12:00"),
    ]),
    ("Grand Châtellerault", OrganisationKind.EPCI, "Châtellerault", "86100", "86066", "78 boulevard Blossac", [
        ("France Services de Lencloître", "Place du Champ de Foire", ["FRANCE_SERVICE"],
         "Mo-Fr 09:00-12:30,13:30-17:00"),
    ]),
    ("Ville de Loudun", OrganisationKind.COMMUNE, "Loudun", "86200", "86137", "1 rue des Marchés", [
        ("Mairie de Loudun", "1 rue des Marchés", ["MUNI"], "Mo-Fr 09:00-12:00,14:00-17:00"),
    ]),
    ("Ville de Montmorillon", OrganisationKind.COMMUNE, "Montmorillon", "86500", "86165", "4 rue Montebello", [
        ("Espace public numérique de Montmorillon", "2 rue du Vieux Pont", ["MUNI"], "Tu,Th 14:00-18:00"),
    ]),
    ("Commune de Chauvigny", OrganisationKind.COMMUNE, "Chauvigny", "86300", "86070", "5 rue du Marché", [
        ("Médiathèque de Chauvigny", "Rue Saint-Pierre", ["BIB"], "We,Sa 10:00-12:30,14:00-18:00"),
    ]),
    ("Communauté de communes du Civraisien en Poitou", OrganisationKind.EPCI, "Civray", "86400", "86078",
     "4 place Leclerc", [
         ("France Services de Civray", "4 place Leclerc", ["FRANCE_SERVICE"], "Mo-Fr 09:00-12:30,13:30-17:00"),
         ("Tiers-lieu de Charroux", "Place du Marché", ["TIERS_LIEUX"], "Sa 09:00-12:00"),
     ]),
    ("Ville de Jaunay-Marigny", OrganisationKind.COMMUNE, "Jaunay-Marigny", "86130", "86115",
     "Place de la Mairie", [
         ("Mairie de Jaunay-Marigny", "Place de la Mairie", ["MUNI"], "Mo-Fr 09:00-12:00"),
     ]),
    ("Association Vienne Solidarités Numériques", OrganisationKind.ASSOCIATION, "Poitiers", "86000", "86194",
     "12 rue Carnot", [
         ("Atelier solidaire de la rue Carnot", "12 rue Carnot", ["ASSO"], "We 14:00-18:00"),
     ]),
]


def fake_siret(rng: random.Random) -> str:
    """A syntactically valid SIRET (Luhn-checked SIREN and SIRET) that belongs to nobody."""
    siren8 = "2" + "".join(str(rng.randrange(10)) for _ in range(7))
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic4 = "".join(str(rng.randrange(10)) for _ in range(4))
    return siren + nic4 + luhn.calc_check_digit(siren + nic4)


@dataclass
class DemoContext:
    rng: random.Random
    now: datetime
    admin: User | None = None
    coordinator: User | None = None
    mediators: list[User] = field(default_factory=list)
    members: list[User] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    authority_users: list[User] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # years of conventions (default: see ``seed``)
    since: date | None = None  # first day of the planning (None: each convention's start)


def _email(first: str, last: str) -> str:
    import unicodedata

    raw = f"{first}.{last}".lower().replace(" ", "-")
    return unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode() + "@" + DOMAIN


def is_empty() -> bool:
    return db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def demo_logins() -> list[tuple[str, str]]:
    return [
        ("administration", f"admin@{DOMAIN}"),
        ("coordination", f"coordination@{DOMAIN}"),
        ("médiatrice", f"camille.martin@{DOMAIN}"),
        ("sociétaire", f"chloe.fontaine@{DOMAIN}"),
        ("collectivité", f"numerique@ville-poitiers.{DOMAIN}"),
    ]


def place_offer(city: str) -> dict:
    """What a demo place offers, in the open-data schema's words (fresh lists for each place)."""
    return dict(services=["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"],
                modalites_acces=["Se présenter", "Téléphoner"],
                modalites_accompagnement=["Accompagnement individuel", "Dans un atelier collectif"],
                frais_a_charge=["Gratuit"], dispositif_programmes_nationaux=["Conseillers numériques"],
                itinerance=["Fixe"],
                presentation_resume=f"Accompagnement aux usages du numérique à {city}, "
                                    "sur rendez-vous ou en accès libre.")


def seed_core(ctx: DemoContext) -> None:
    session = db.session
    password = hash_password(DEMO_PASSWORD)  # one hash for every demo account: argon2 is slow on purpose

    def user(email: str, name: str, roles, **kw) -> User:
        u = User(email=email, full_name=name, password_hash=password, created_at=ctx.now, updated_at=ctx.now, **kw)
        u.set_roles(roles)
        session.add(u)
        return u

    ctx.admin = user(f"admin@{DOMAIN}", "Alex Admin", [Role.ADMIN])
    ctx.coordinator = user(f"coordination@{DOMAIN}", "Hélène Rivière", [Role.COORDINATOR, Role.MEMBER])
    names = [(FIRST_NAMES[i], LAST_NAMES[i]) for i in range(len(FIRST_NAMES))]
    for first, last in names[:15]:
        ctx.mediators.append(user(_email(first, last), f"{first} {last}", [Role.MEDIATOR, Role.MEMBER],
                                  phone=f"06{ctx.rng.randrange(10**8):08d}"))
    for first, last in names[15:30]:
        ctx.members.append(user(_email(first, last), f"{first} {last}", [Role.MEMBER]))
    ctx.members = ctx.mediators + ctx.members

    for name, kind, city, cp, insee, address, places in AUTHORITIES:
        org = Organisation(name=name, kind=kind, siret=fake_siret(ctx.rng), insee_code=insee, address=address,
                           postal_code=cp, city=city, email=f"contact@{_slug(name)}.{DOMAIN}",
                           phone=f"05{ctx.rng.randrange(10**8):08d}", territory=TERRITORIES.get(name, ""))
        session.add(org)
        ctx.organisations.append(org)
        for pname, paddress, typologie, hours in places:
            place = Place(
                organisation=org, name=pname, address=paddress, postal_code=cp, city=city, insee_code=insee,
                typologie=typologie, horaires=hours, **place_offer(city),
            )
            session.add(place)
            ctx.places.append(place)
    session.flush()

    for i, org in enumerate(ctx.organisations):
        first, last = FIRST_NAMES[(i * 7 + 3) % len(FIRST_NAMES)], LAST_NAMES[(i * 5 + 11) % len(LAST_NAMES)]
        email = f"numerique@ville-poitiers.{DOMAIN}" if i == 0 else f"{_email(first, last).split('@')[0]}@" \
                f"{_slug(org.name)}.{DOMAIN}"
        login = user(email, f"{first} {last}", [Role.AUTHORITY], organisation_id=org.id)
        ctx.authority_users.append(login)
        session.flush()
        session.add(Contact(organisation_id=org.id, first_name=first, last_name=last,
                            job_title="Chargée de mission inclusion numérique", email=email,
                            receives_invoices=True, receives_reports=True, user_id=login.id))


def _slug(text: str) -> str:
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40]


def seed(now: datetime | None = None, rng_seed: int = 2026, years: list[int] | None = None,
         render=None) -> DemoContext:
    """The demo cooperative; ``years``: one convention per organisation and year (the benchmark asks for five);
    ``render``: the invoices' document renderer (None: the real PDF + Factur-X; tests pass a fast fake)."""
    now = now or clock.now()
    ctx = DemoContext(rng=random.Random(rng_seed), now=now, years=list(years or []))
    if not years:
        # A rolling year of work whatever the date: the planning starts on the 1st of this month a year ago, under
        # the conventions of last year and this year.
        today = clock.paris_today(now)
        ctx.since = date(today.year - 1, today.month, 1)
        ctx.years = [today.year - 1, today.year]
    from coopnum.billing.demo import seed_billing
    from coopnum.inventory.demo import seed as seed_inventory
    from coopnum.members.demo import seed as seed_members
    from coopnum.members.demo_assemblies import seed as seed_assemblies
    from coopnum.missions.demo import seed_missions
    from coopnum.missions.demo_requests import seed_requests
    from coopnum.organisations.demo import seed_catalogue_and_conventions
    from coopnum.organisations.demo_places import enrich_demo_places
    from coopnum.timesheets.demo import seed_activities
    from coopnum.training.demo import seed as seed_training

    with writing():
        seed_core(ctx)
        seed_catalogue_and_conventions(ctx)
        enrich_demo_places(ctx)
        seed_missions(ctx)
        seed_requests(ctx)
        seed_activities(ctx)
        seed_billing(ctx, render=render)
        seed_members(db.session, ctx, ctx.now)
        seed_assemblies(db.session, ctx, ctx.now)
        seed_inventory(db.session, ctx, ctx.now)
        seed_training(db.session, ctx, ctx.now)
        db.session.commit()
    return ctx
