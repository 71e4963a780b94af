"""The columns and vocabularies of the LaMednum schema, written out so that importing the package reads no
file (``tableschema.schema()`` checks them against the JSON file on first use)."""

from __future__ import annotations

SCHEMA_VERSION = "v1.0.2"
SCHEMA_RESOURCE = "lamednum-lieux-schema.json"
MULTI_SEPARATOR = "|"

FIELDS: list[str] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
]

REQUIRED: tuple[str, ...] = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")

NUMBER_FIELDS: tuple[str, ...] = ("latitude", "longitude")
DATE_FIELDS: tuple[str, ...] = ("date_maj",)

# --- Enumerations: exactly the alternatives of the schema regexes (see test_opendata for the cross-check). ---

SERVICES: tuple[str, ...] = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)
PUBLICS: tuple[str, ...] = ("Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes")
PRISE_EN_CHARGE: tuple[str, ...] = (
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
)
FRAIS: tuple[str, ...] = ("Gratuit", "Gratuit sous condition", "Payant")
DISPOSITIFS: tuple[str, ...] = (
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
)
FORMATIONS_LABELS: tuple[str, ...] = (
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques(La Poste)",  # sic: the v1.0.2 regex has no space before "(" (the description has one)
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
)
MODALITES_ACCES: tuple[str, ...] = (
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",  # ASCII apostrophe, as in the regex
    "Envoyer un mail avec une fiche de prescription",
)
MODALITES_ACCOMPAGNEMENT: tuple[str, ...] = (
    "En autonomie",
    "Accompagnement individuel",
    "Dans un atelier collectif",
    "À distance",
)
ITINERANCE: tuple[str, ...] = ("Itinérant", "Fixe")

ENUMS: dict[str, tuple[str, ...]] = {
    "itinerance": ITINERANCE,
    "services": SERVICES,
    "publics_specifiquement_adresses": PUBLICS,
    "prise_en_charge_specifique": PRISE_EN_CHARGE,
    "frais_a_charge": FRAIS,
    "dispositif_programmes_nationaux": DISPOSITIFS,
    "formations_labels": FORMATIONS_LABELS,
    "modalites_acces": MODALITES_ACCES,
    "modalites_accompagnement": MODALITES_ACCOMPAGNEMENT,
}

# Fields whose cell may hold several values joined by "|".
MULTI_VALUED: frozenset[str] = frozenset({*ENUMS, "typologie", "courriels", "site_web"})

# Display labels where the export value is not the best French spelling for a form or a page.
_DISPLAY_OVERRIDES: dict[str, str] = {
    "Étapes numériques(La Poste)": "Étapes numériques (La Poste)",
}

# Other spellings seen in the wild (schema descriptions, older tools, our own domain notes) → export value.
_ALIASES: dict[str, dict[str, str]] = {
    "services": {
        "Compréhension et usage critique du numérique": "Compréhension du monde numérique",
    },
    "modalites_accompagnement": {
        "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique": "Dans un atelier collectif",
        "À distance (par téléphone ou en visioconférence)": "À distance",
    },
}

# Structure typologies: a common subset of the data.inclusion "typologies de structure" vocabulary.
# The schema puts no constraint on this column; codes outside this subset remain valid.
TYPOLOGIES: dict[str, str] = {
    "ACI": "Structure porteuse d’ateliers et chantiers d’insertion (ACI)",
    "ASSO": "Association",
    "BIB": "Bibliothèque / Médiathèque",
    "CAF": "Caisse d’allocations familiales (CAF)",
    "CC": "Communauté de communes",
    "CCAS": "Centre communal d’action sociale (CCAS)",
    "CD": "Conseil départemental",
    "CIAS": "Centre intercommunal d’action sociale (CIAS)",
    "CPAM": "Caisse primaire d’assurance maladie (CPAM)",
    "CS": "Centre social",
    "CSC": "Centre socioculturel",
    "DEPT": "Services sociaux du Conseil départemental",
    "E2C": "École de la deuxième chance (E2C)",
    "EPCI": "Intercommunalité (EPCI)",
    "EPN": "Espace public numérique (EPN)",
    "EVS": "Espace de vie sociale (EVS)",
    "FABLAB": "Fablab / Atelier partagé",
    "FT": "France Travail",
    "LA_POSTE": "Bureau de poste / Agence postale",
    "MDS": "Maison départementale des solidarités",
    "MJC": "Maison des jeunes et de la culture (MJC)",
    "ML": "Mission locale",
    "MQ": "Maison de quartier",
    "MSA": "Mutualité sociale agricole (MSA)",
    "MUNI": "Mairie / Municipalité",
    "OF": "Organisme de formation",
    "PIJ_BIJ": "Point ou bureau information jeunesse (PIJ/BIJ)",
    "PIMMS": "Point information médiation multi-services (PIMMS)",
    "PREF": "Préfecture, sous-préfecture",
    "REG": "Région",
    "RESSOURCERIE": "Ressourcerie",
    "RFS": "France Services",
    "TIERS_LIEUX": "Tiers-lieu & coworking",
    "Autre": "Autre",
}
