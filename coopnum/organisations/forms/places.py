"""Forms of the missions domain: places. Fields are named after the LaMednum schema (``nom``, ``code_postal``…),
as in the service and the API, so that a schema error comes back to its field by name."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from coopnum.core.forms import MultiCheckboxField, SafeForm
from coopnum.organisations import lamednum

# French labels of every field, keyed by LaMednum name: the form, the detail page and error messages use them.
FIELD_LABELS = {
    "nom": _l("Nom du lieu"),
    "organisation_id": _l("Structure"),
    "pivot": _l("SIRET ou RNA de la structure (pivot)"),
    "typologie": _l("Typologie"),
    "structure_parente": _l("Structure parente"),
    "itinerance": _l("Itinérance"),
    "published": _l("Publier dans les données ouvertes"),
    "adresse": _l("Adresse"),
    "complement_adresse": _l("Complément d'adresse"),
    "code_postal": _l("Code postal"),
    "commune": _l("Commune"),
    "code_insee": _l("Code INSEE de la commune"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "telephone": _l("Téléphone"),
    "courriels": _l("Courriels"),
    "site_web": _l("Sites web"),
    "prise_rdv": _l("Prise de rendez-vous en ligne"),
    "horaires": _l("Horaires d'ouverture"),
    "presentation_resume": _l("Présentation courte"),
    "presentation_detail": _l("Présentation détaillée"),
    "services": _l("Services proposés"),
    "publics_specifiquement_adresses": _l("Publics spécifiquement adressés"),
    "prise_en_charge_specifique": _l("Prise en charge spécifique"),
    "modalites_acces": _l("Modalités d'accès"),
    "modalites_accompagnement": _l("Modalités d'accompagnement"),
    "frais_a_charge": _l("Frais à charge"),
    "fiche_acces_libre": _l("Fiche Accès libre (accessibilité)"),
    "dispositif_programmes_nationaux": _l("Dispositifs et programmes nationaux"),
    "formations_labels": _l("Formations et labels"),
    "autres_formations_labels": _l("Autres formations et labels"),
}

# The fieldsets of the form and of the detail page, in order.
SECTIONS = [
    (_l("Identité"), ["nom", "organisation_id", "pivot", "typologie", "structure_parente", "itinerance",
                      "published"]),
    (_l("Adresse"), ["adresse", "complement_adresse", "code_postal", "commune", "code_insee", "latitude",
                     "longitude"]),
    (_l("Contact"), ["telephone", "courriels", "site_web", "prise_rdv"]),
    (_l("Horaires"), ["horaires"]),
    (_l("Présentation"), ["presentation_resume", "presentation_detail"]),
    (_l("Services et publics"), ["services", "publics_specifiquement_adresses", "prise_en_charge_specifique"]),
    (_l("Modalités"), ["modalites_acces", "modalites_accompagnement", "frais_a_charge", "fiche_acces_libre"]),
    (_l("Labels"), ["dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels"]),
]

OPENING_HOURS_EXAMPLE = "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
PHONE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}$")


class EnumCheckboxField(MultiCheckboxField):
    """Checkboxes of a LaMednum enumeration; an unknown value gets a French message next to the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "MultiCheckboxField"  # rendered by the `field` macro as a fieldset of checkboxes

    def pre_validate(self, form):
        allowed = {value for value, _label in self.choices}
        for value in self.data or []:
            if value not in allowed:
                raise ValidationError(_l("Valeur non autorisée : « %(value)s ».", value=value))


class TypologyField(SelectMultipleField):
    def pre_validate(self, form):
        allowed = {value for value, _label in self.choices}
        for value in self.data or []:
            if value not in allowed:
                raise ValidationError(_l("Typologie inconnue : « %(value)s ».", value=value))


class ListField(TextAreaField):
    """Several values typed one per line (or separated by commas); ``data`` is a list of strings."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = [item.strip() for item in re.split(r"[\n,;|]", text) if item.strip()]


class CoordinateField(StringField):
    """A WGS84 coordinate typed with a point or a comma; ``data`` is a Decimal or None."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data.normalize(), "f")

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", ".")
        if text:
            try:
                self.data = Decimal(text)
            except InvalidOperation as exc:
                raise ValueError(_l("Nombre attendu, par exemple 46.5802.")) from exc
            if not self.data.is_finite():
                self.data = None
                raise ValueError(_l("Nombre attendu, par exemple 46.5802."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _phone(value):
    value = _strip(value)
    return lamednum.normalize_phone(value) if value else value


def _upper(value):
    return value.strip().replace(" ", "").upper() if isinstance(value, str) else value


def _opening_hours(form, field):
    message = lamednum.validate_opening_hours(field.data or "")
    if message:
        raise ValidationError(message)


def _phone_format(form, field):
    if field.data and not PHONE.match(field.data):
        raise ValidationError(_l("Numéro de téléphone invalide : indiquez un seul numéro, par exemple 05 49 12 34 56."))


def _enum(name: str, values) -> EnumCheckboxField:
    return EnumCheckboxField(FIELD_LABELS[name], choices=lamednum.choices(values), default=[])


class PlaceForm(SafeForm):
    # Identité
    nom = StringField(FIELD_LABELS["nom"], filters=[_strip], validators=[DataRequired(), Length(max=200)])
    organisation_id = SelectField(FIELD_LABELS["organisation_id"], coerce=int, validators=[Optional()])
    pivot = StringField(FIELD_LABELS["pivot"], filters=[_upper], validators=[Optional(), Length(max=14)],
                        description=_l("Laissez vide pour reprendre le SIRET de la structure."))
    typologie = TypologyField(FIELD_LABELS["typologie"], choices=lamednum.choices(lamednum.TYPOLOGIES), default=[],
                              render_kw={"size": 6},
                              description=_l("Ctrl (ou Cmd) + clic pour en choisir plusieurs."))
    structure_parente = StringField(FIELD_LABELS["structure_parente"], filters=[_strip],
                                    validators=[Optional(), Length(max=200)])
    itinerance = _enum("itinerance", lamednum.ITINERANCE)
    published = BooleanField(FIELD_LABELS["published"], default=True)
    # Adresse
    adresse = StringField(FIELD_LABELS["adresse"], filters=[_strip], validators=[DataRequired(), Length(max=300)],
                          render_kw={"autocomplete": "street-address"})
    complement_adresse = StringField(FIELD_LABELS["complement_adresse"], filters=[_strip],
                                     validators=[Optional(), Length(max=300)])
    code_postal = StringField(FIELD_LABELS["code_postal"], filters=[_upper], validators=[
        DataRequired(), Regexp(r"^\d{5}$", message=_l("Le code postal doit comporter 5 chiffres."))],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5})
    commune = StringField(FIELD_LABELS["commune"], filters=[_strip], validators=[DataRequired(), Length(max=120)])
    code_insee = StringField(FIELD_LABELS["code_insee"], filters=[_upper], validators=[
        Optional(), Regexp(r"^([013-9]\d|2[AB1-9])\d{3}$", message=_l(
            "Le code INSEE comporte 5 caractères, par exemple 86194 (ou 2A004 en Corse)."))],
        render_kw={"maxlength": 5},
        description=_l("Le code de la commune (pas le code postal), par exemple 86194 pour Poitiers."))
    latitude = CoordinateField(FIELD_LABELS["latitude"], validators=[
        Optional(), NumberRange(-90, 90, message=_l("La latitude est comprise entre -90 et 90."))],
        description=_l("En degrés décimaux, par exemple 46.5802."))
    longitude = CoordinateField(FIELD_LABELS["longitude"], validators=[
        Optional(), NumberRange(-180, 180, message=_l("La longitude est comprise entre -180 et 180."))],
        description=_l("En degrés décimaux, par exemple 0.3404."))
    # Contact
    telephone = StringField(FIELD_LABELS["telephone"], filters=[_phone], validators=[Optional(), _phone_format],
                            render_kw={"type": "tel", "autocomplete": "tel"})
    courriels = ListField(FIELD_LABELS["courriels"], render_kw={"rows": 2},
                          description=_l("Une adresse par ligne."))
    site_web = ListField(FIELD_LABELS["site_web"], render_kw={"rows": 2},
                         description=_l("Une adresse par ligne, commençant par https://"))
    prise_rdv = StringField(FIELD_LABELS["prise_rdv"], filters=[_strip], validators=[Optional(), Length(max=300)],
                            description=_l("Adresse web où prendre rendez-vous."))
    # Horaires
    horaires = StringField(FIELD_LABELS["horaires"], filters=[_strip],
                           validators=[Optional(), Length(max=500), _opening_hours],
                           description=_l("Syntaxe OpenStreetMap, par exemple « %(example)s ». Jours : Mo lundi, "
                                          "Tu mardi, We mercredi, Th jeudi, Fr vendredi, Sa samedi, Su dimanche ; "
                                          "« PH off » : fermé les jours fériés.", example=OPENING_HOURS_EXAMPLE))
    # Présentation
    presentation_resume = TextAreaField(FIELD_LABELS["presentation_resume"], filters=[_strip], validators=[
        Optional(), Length(max=280, message=_l("La présentation courte ne doit pas dépasser 280 caractères."))],
        render_kw={"rows": 3, "maxlength": 280}, description=_l("280 caractères au plus."))
    presentation_detail = TextAreaField(FIELD_LABELS["presentation_detail"], filters=[_strip],
                                        render_kw={"rows": 5})
    # Services et publics
    services = _enum("services", lamednum.SERVICES)
    publics_specifiquement_adresses = _enum("publics_specifiquement_adresses", lamednum.PUBLICS)
    prise_en_charge_specifique = _enum("prise_en_charge_specifique", lamednum.PRISE_EN_CHARGE)
    # Modalités
    modalites_acces = _enum("modalites_acces", lamednum.MODALITES_ACCES)
    modalites_accompagnement = _enum("modalites_accompagnement", lamednum.MODALITES_ACCOMPAGNEMENT)
    frais_a_charge = _enum("frais_a_charge", lamednum.FRAIS)
    fiche_acces_libre = StringField(FIELD_LABELS["fiche_acces_libre"], filters=[_strip],
                                    validators=[Optional(), Length(max=300)],
                                    description=_l("Adresse de la fiche du lieu sur acceslibre.beta.gouv.fr."))
    # Labels
    dispositif_programmes_nationaux = _enum("dispositif_programmes_nationaux", lamednum.DISPOSITIFS)
    formations_labels = _enum("formations_labels", lamednum.FORMATIONS_LABELS)
    autres_formations_labels = StringField(FIELD_LABELS["autres_formations_labels"], filters=[_strip],
                                           validators=[Optional(), Length(max=500)])

    def values(self) -> dict:
        """The typed values, keyed by LaMednum name, for the service."""
        return {name: self[name].data for name in FIELD_LABELS}

    def keep_unknown_typologies(self, codes) -> None:
        """Codes saved before (or by the API) that are not in our list stay selectable, so an edit keeps them."""
        known = {value for value, _label in self.typologie.choices}
        self.typologie.choices = list(self.typologie.choices) + [(c, c) for c in codes or [] if c not in known]
