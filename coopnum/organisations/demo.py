"""Demo data of the catalogue and the conventions: the cooperative's "bouquet de services" and one signed
convention per demo organisation and year, with various pricing modes and the Chorus Pro data of public buyers.

``seed_catalogue_and_conventions(ctx)`` goes through the same services as the pages (rules and audit included);
it stores what it made on the context as ``ctx.services`` and ``ctx.conventions``."""

from datetime import date, timedelta
from decimal import Decimal

from coopnum.core.clock import paris_today
from coopnum.organisations.models import PricingMode, ServiceCategory, ServiceUnit, VatRegime, VolumeUnit
from coopnum.organisations.services import catalogue, conventions

# code, name, category, unit, unit price (cents, excl. VAT), VAT regime, audience, description
CATALOGUE = [
    ("PERM-H", "Permanence numérique", ServiceCategory.PERMANENCE, ServiceUnit.HOUR, 4500, VatRegime.STANDARD,
     "Tout public, sans rendez-vous ou sur rendez-vous",
     "Un médiateur reçoit les habitants dans vos locaux : démarches en ligne, messagerie, smartphone, "
     "FranceConnect, prise de rendez-vous. Facturé à l'heure de présence."),
    ("ATELIER", "Atelier collectif (2 h, 8 personnes)", ServiceCategory.WORKSHOP, ServiceUnit.SESSION, 18000,
     VatRegime.STANDARD, "Seniors, parents, demandeurs d'emploi",
     "Atelier thématique de deux heures : premiers pas sur le smartphone, sécurité en ligne, démarches de "
     "santé, réseaux sociaux. Matériel fourni."),
    ("PERM-ITIN", "Permanence itinérante (demi-journée)", ServiceCategory.PERMANENCE, ServiceUnit.SESSION, 32000,
     VatRegime.STANDARD, "Habitants des communes rurales",
     "Une demi-journée de permanence dans une mairie ou un tiers-lieu, avec ordinateurs portables et "
     "connexion 4G, pour les communes sans lieu équipé."),
    ("FORM-PRO", "Formation des professionnels de l'accueil", ServiceCategory.PRO_TRAINING, ServiceUnit.DAY, 90000,
     VatRegime.TRAINING_EXEMPT, "Agents d'accueil, travailleurs sociaux, bénévoles",
     "Une journée pour repérer les difficultés numériques, orienter, et accompagner sans « faire à la place ». "
     "Jusqu'à 12 stagiaires ; attestation de formation."),
    ("ASSO", "Accompagnement numérique des associations", ServiceCategory.ASSOCIATION_SUPPORT, ServiceUnit.HOUR,
     5500, VatRegime.STANDARD, "Associations et leurs bénévoles",
     "Outils collaboratifs, site web, adhésions en ligne, RGPD : un accompagnement sur mesure de la vie "
     "associative."),
    ("CNFS", "Hébergement d'un conseiller numérique (CNFS)", ServiceCategory.CNFS_HOSTING, ServiceUnit.MONTH, 260000,
     VatRegime.STANDARD, "Collectivités et structures publiques",
     "La coopérative emploie et encadre le conseiller numérique ; la structure l'accueille à temps plein. "
     "Forfait mensuel, coordination et formation continue comprises."),
    ("PRET-TAB", "Prêt d'une mallette de 8 tablettes", ServiceCategory.EQUIPMENT_LENDING, ServiceUnit.DAY, 4000,
     VatRegime.STANDARD, "Structures qui animent leurs propres ateliers",
     "Huit tablettes configurées, un point d'accès 4G et des supports imprimés, livrés et repris par la "
     "coopérative."),
    ("DIAG", "Diagnostic des usages numériques du territoire", ServiceCategory.OTHER, ServiceUnit.FLAT, 350000,
     VatRegime.STANDARD, "Communes et intercommunalités",
     "Enquête auprès des habitants et des acteurs locaux, carte des lieux, plan d'actions présenté aux élus."),
]

# Per organisation (the order of coopnum.demo.AUTHORITIES; cycled when there are more):
# title, pricing mode, price (cents: unit price, or monthly fee), volume, volume unit, services [(code, price)].
# Volumes fit the year of sessions the planning demo generates (a weekly permanence per place, workshops every
# other week for one convention in two): most end near 100 %, two slightly over, to show the warning.
PLANS = [
    ("Permanences et ateliers numériques 2026", PricingMode.HOURLY, 4500, "360", VolumeUnit.HOURS,
     [("PERM-H", None), ("ATELIER", 17000)]),
    ("Permanences itinérantes dans les communes de l'agglomération", PricingMode.PER_SESSION, 32000, "52",
     VolumeUnit.SESSIONS, [("PERM-ITIN", None)]),
    ("Conseiller numérique des maisons départementales des solidarités", PricingMode.MONTHLY_FLAT, 260000, "220",
     VolumeUnit.HOURS, [("CNFS", None), ("FORM-PRO", 85000)]),
    ("Accueil numérique de la mairie et de la médiathèque", PricingMode.HOURLY, 4200, "300", VolumeUnit.HOURS,
     [("PERM-H", 4200)]),
    ("Ateliers numériques pour les seniors du CCAS", PricingMode.PER_WORKSHOP, 18000, "80", VolumeUnit.SESSIONS,
     [("ATELIER", None), ("PRET-TAB", None)]),
    ("Médiation numérique en France Services", PricingMode.HOURLY, 4500, "160", VolumeUnit.HOURS,
     [("PERM-H", None), ("FORM-PRO", None)]),
    ("Permanence numérique de la mairie", PricingMode.PER_SESSION, 13500, "70", VolumeUnit.SESSIONS,
     [("PERM-H", None)]),
    ("Espace public numérique : animation 2026", PricingMode.HOURLY, 4500, "150", VolumeUnit.HOURS,
     [("PERM-H", None), ("ATELIER", None)]),
    ("Ateliers à la médiathèque", PricingMode.PER_WORKSHOP, 18000, "80", VolumeUnit.SESSIONS, [("ATELIER", None)]),
    ("Portage d'un conseiller numérique intercommunal", PricingMode.MONTHLY_FLAT, 245000, "320", VolumeUnit.HOURS,
     [("CNFS", 245000), ("DIAG", None)]),
    ("Permanence numérique du lundi matin", PricingMode.HOURLY, 4500, "200", VolumeUnit.HOURS, [("PERM-H", None)]),
    ("Accompagnement numérique de l'association et de ses bénévoles", PricingMode.HOURLY, 5000, "150",
     VolumeUnit.HOURS, [("ASSO", 5000), ("ATELIER", None)]),
]


def seed_catalogue_and_conventions(ctx) -> None:
    """Add the catalogue and one signed convention per organisation and year of ``ctx.years`` (default: the current
    year) — ``ctx.services``, ``ctx.conventions``."""
    seed_catalogue(ctx)
    seed_conventions(ctx)


def seed_catalogue(ctx) -> None:
    """The catalogue of services (``ctx.services``)."""
    from coopnum.core.db import db

    session = db.session
    ctx.services = []
    for code, name, category, unit, price, vat, audience, description in CATALOGUE:
        ctx.services.append(catalogue.create_service(session, ctx.coordinator, catalogue.ServiceData(
            code=code, name=name, category=category, unit=unit, unit_price_cents=price, vat_regime=vat,
            audience=audience, description=description), now=ctx.now))
    session.flush()


def seed_conventions(ctx) -> None:
    """One signed convention per organisation and year of ``ctx.years`` (``ctx.conventions``)."""
    from coopnum.core.db import db

    session = db.session
    by_code = {s.code: s for s in ctx.services}
    ctx.conventions = []
    today = paris_today(ctx.now)
    for year in ctx.years or [today.year]:
        for index, org in enumerate(ctx.organisations):
            values, signed_on = convention_terms(ctx, by_code, index, org, year, today)
            convention = conventions.create_convention(session, ctx.coordinator, conventions.ConventionData(**values),
                                                       now=ctx.now)
            conventions.sign_convention(session, ctx.coordinator, convention, signed_on=signed_on, now=ctx.now)
            ctx.conventions.append(convention)
    session.flush()


def convention_terms(ctx, by_code, index, org, year, today) -> tuple[dict, date]:
    """The terms of the demo's convention of ``org`` (the ``index``-th organisation) for ``year``, and the day it was
    signed (``ctx.rng`` draws the engagement number and the day)."""
    title, mode, price, volume, unit, lines = PLANS[index % len(PLANS)]
    public = org.is_public
    values = {
        "organisation_id": org.id, "title": title.replace("2026", str(year)), "start_date": date(year, 1, 1),
        "end_date": date(year, 12, 31), "pricing_mode": mode, "volume_unit": unit,
        "contracted_volume": Decimal(volume), "vat_regime": VatRegime.STANDARD,
        "payment_terms_days": 30 if public else 45,
        "services": [(by_code[code].id, negotiated) for code, negotiated in lines],
        "notes": "" if index % 3 else "Reconduction à discuter au comité de pilotage de septembre.",
    }
    if mode == PricingMode.MONTHLY_FLAT:
        values["monthly_fee_cents"] = price
    else:
        values["unit_price_cents"] = price
    if public:
        values["chorus_service_code"] = ["INCLUSION-NUM", "DSI", "SERV-SOCIAL", "DGS"][index % 4]
        values["chorus_engagement_number"] = f"EJ-{year}-{ctx.rng.randrange(1000, 9999)}"
    signed_on = min(date(year - 1, 12, 1) + timedelta(days=ctx.rng.randrange(0, 19)), today)
    return values, signed_on
