"""Demo data for places: coordinates, contacts, presentations and publics of the demo places in the Vienne (86).

``enrich_demo_places(ctx)`` completes the places ``coopnum.demo`` created with their basic fields, so that the
open-data export of the demo looks like a real one. Coordinates are those of the real communes (town centres,
rounded); phone numbers are drawn from the context's seeded random generator. ``fiche_acces_libre`` stays empty
(no invented acceslibre records). Every place must pass ``lamednum.validate_row(strict=True)``: a ValueError
says which does not."""

import re
import unicodedata
from decimal import Decimal

from coopnum.core.clock import paris_today
from coopnum.organisations.services import places as services

DOMAIN = "demo.coopnum.fr"

# Place name → (commune, postal code, INSEE code, latitude, longitude). Places that the demo files under their
# organisation's town but that lie in another commune get that commune here.
LOCATIONS: dict[str, tuple[str, str, str, str, str]] = {
    "Médiathèque François-Mitterrand": ("Poitiers", "86000", "86194", "46.583500", "0.347200"),
    "Maison de quartier des Couronneries": ("Poitiers", "86000", "86194", "46.591200", "0.369500"),
    "Espace numérique de Buxerolles": ("Buxerolles", "86180", "86041", "46.606900", "0.359700"),
    "Maison départementale des solidarités de Poitiers Est": ("Poitiers", "86000", "86194", "46.585300",
                                                              "0.361800"),
    "Mairie de Châtellerault — accueil numérique": ("Châtellerault", "86100", "86066", "46.817500", "0.546600"),
    "Médiathèque de Châtellerault": ("Châtellerault", "86100", "86066", "46.816300", "0.543900"),
    "CCAS de Poitiers — permanence numérique": ("Poitiers", "86000", "86194", "46.582100", "0.342500"),
    "France Services de Lencloître": ("Lencloître", "86140", "86128", "46.816300", "0.328100"),
    "Mairie de Loudun": ("Loudun", "86200", "86137", "46.978100", "0.079200"),
    "Espace public numérique de Montmorillon": ("Montmorillon", "86500", "86165", "46.426500", "0.870500"),
    "Médiathèque de Chauvigny": ("Chauvigny", "86300", "86070", "46.569000", "0.644000"),
    "France Services de Civray": ("Civray", "86400", "86078", "46.148300", "0.295000"),
    "Tiers-lieu de Charroux": ("Charroux", "86250", "86061", "46.144000", "0.404000"),
    "Mairie de Jaunay-Marigny": ("Jaunay-Marigny", "86130", "86115", "46.684700", "0.370000"),
    "Atelier solidaire de la rue Carnot": ("Poitiers", "86000", "86194", "46.579000", "0.339500"),
}

# Typology code → (publics, specific support, detailed presentation).
PROFILES: dict[str, tuple[list[str], list[str], str]] = {
    "BIB": (["Jeunes", "Familles et/ou enfants", "Seniors"], ["Déficience visuelle"],
            "Postes en accès libre, ateliers collectifs « premiers pas » et « smartphone » le samedi matin, "
            "aide individuelle aux démarches en ligne sur rendez-vous. Prêt de liseuses et de tablettes."),
    "CS": (["Familles et/ou enfants", "Jeunes", "Femmes"], ["Langues étrangères (autres)", "Illettrisme"],
           "Permanences sans rendez-vous pour les démarches (CAF, France Travail, ameli), ateliers parents-enfants "
           "sur les écrans et accompagnement à la scolarité numérique (ENT, Pronote)."),
    "MUNI": (["Seniors"], ["Handicaps moteurs"],
             "Un médiateur numérique de la coopérative vous reçoit à l'accueil de la mairie pour créer une adresse "
             "électronique, utiliser FranceConnect, déclarer ses revenus ou prendre un rendez-vous médical."),
    "MDS": (["Familles et/ou enfants", "Femmes"], ["Illettrisme", "Langues étrangères (autres)"],
            "Accompagnement individuel des personnes suivies par les travailleurs sociaux du Département : accès "
            "aux droits, dossiers de RSA et de logement, coffre-fort numérique."),
    "CCAS": (["Seniors"], ["Illettrisme", "Surdité"],
             "Permanence numérique pour les personnes âgées et les bénéficiaires du CCAS : démarches de retraite, "
             "santé et énergie, usage du téléphone portable. Visites à domicile possibles sur demande."),
    "RFS": (["Seniors", "Jeunes"], ["Handicaps moteurs", "Langues étrangères (anglais)"],
            "Espace France Services : les agents d'accueil et un conseiller numérique vous aident dans vos "
            "démarches auprès de neuf opérateurs nationaux (impôts, CAF, CPAM, MSA, retraite, France Travail…)."),
    "TIERS_LIEUX": (["Jeunes", "Étudiants"], [],
                    "Tiers-lieu rural avec espace de travail partagé, atelier de réparation d'ordinateurs et "
                    "initiations au numérique le samedi matin."),
    "ASSO": (["Seniors", "Femmes"], ["Langues étrangères (autres)", "Handicaps mentaux"],
             "Atelier associatif : ordinateurs reconditionnés à prix solidaire, cours collectifs pour débutants "
             "et aide à l'utilisation du smartphone, dans une ambiance conviviale."),
}
DEFAULT_PROFILE = PROFILES["MUNI"]
# Typology codes of the demo that are not data.inclusion codes.
TYPOLOGY_FIXES = {"FRANCE_SERVICE": "RFS"}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40]


def enrich_demo_places(ctx) -> None:
    """Complete ``ctx.places`` (flushed, with their organisation) in place; raises ValueError if one is invalid."""
    for place in ctx.places:
        place.typologie = [TYPOLOGY_FIXES.get(code, code) for code in place.typologie or []]
        if place.name in LOCATIONS:
            city, postal_code, insee, latitude, longitude = LOCATIONS[place.name]
            place.city, place.postal_code, place.insee_code = city, postal_code, insee
            place.latitude, place.longitude = Decimal(latitude), Decimal(longitude)
        publics, support, detail = next(
            (PROFILES[code] for code in place.typologie if code in PROFILES), DEFAULT_PROFILE
        )
        place.publics_specifiquement_adresses = list(publics)
        place.prise_en_charge_specifique = list(support)
        place.presentation_detail = detail
        place.telephone = f"+33549{ctx.rng.randrange(10**6):06d}"
        place.courriels = [f"{_slug(place.name)}@{DOMAIN}"]
        if place.organisation is not None and not place.structure_parente:
            place.structure_parente = place.organisation.name
        if "RFS" in place.typologie and "France Services" not in (place.dispositif_programmes_nationaux or []):
            place.dispositif_programmes_nationaux = [*(place.dispositif_programmes_nationaux or []), "France Services"]
        place.fiche_acces_libre = None
        errors = services.problems(services.values_of(place), place_id=place.id, organisation=place.organisation,
                                   source="coopnum", today=paris_today(ctx.now))
        if errors:
            raise ValueError(f"lieu de démonstration invalide « {place.name} » : {errors}")
