"""Forms of the missions domain: organisations and contacts. Also the French labels of OrganisationKind.

Identifier fields are checked with the services' own rules (one rule, one place), so that every error of a form
shows at once, next to its field."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from coopnum.core.errors import DomainError
from coopnum.core.forms import SafeForm
from coopnum.organisations.models import OrganisationKind
from coopnum.organisations.services import chorus
from coopnum.organisations.services import organisations as rules

KIND_LABELS = {
    OrganisationKind.COMMUNE: _l("Commune"),
    OrganisationKind.EPCI: _l("EPCI / intercommunalité"),
    OrganisationKind.DEPARTEMENT: _l("Département"),
    OrganisationKind.REGION: _l("Région"),
    OrganisationKind.CCAS: _l("CCAS"),
    OrganisationKind.FRANCE_SERVICES: _l("France Services"),
    OrganisationKind.STATE: _l("État / service déconcentré"),
    OrganisationKind.ASSOCIATION: _l("Association"),
    OrganisationKind.COMPANY: _l("Entreprise"),
    OrganisationKind.OTHER: _l("Autre"),
}


class Rule:
    """A WTForms validator running one of the services' normalisers; its DomainError becomes the field's error."""

    def __init__(self, check):
        self.check = check

    def __call__(self, _form, field):
        try:
            self.check(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc


def _formula_free(label: str, field: str) -> Rule:
    """No text that a spreadsheet would run as a formula (the services' rule)."""
    return Rule(lambda value: rules.check_formula_free(value, label=label, field=field))


def _public_needs_siret(form, field):
    try:
        kind = OrganisationKind(form.kind.data)
    except ValueError:
        return
    if kind.is_public and not (field.data or "").strip():
        raise ValidationError(_l("Une structure publique doit avoir un SIRET : Chorus Pro en a besoin pour la "
                                 "facturation."))


class OrganisationForm(SafeForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200), _formula_free("Le nom", "name")])
    kind = SelectField(_l("Type de structure"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    siret = StringField(_l("SIRET"), validators=[_public_needs_siret, Rule(rules.normalise_siret)],
                        description=_l("14 chiffres, espaces acceptés. Obligatoire pour une structure publique."),
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    rna = StringField(_l("Numéro RNA"), validators=[Rule(rules.normalise_rna)],
                      description=_l("Pour une association : W suivi de 9 chiffres."))
    vat_number = StringField(_l("Numéro de TVA intracommunautaire"), validators=[Rule(rules.normalise_vat_number)])
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300), _formula_free("L'adresse", "address")],
                          render_kw={"autocomplete": "street-address"})
    address_complement = StringField(_l("Complément d'adresse"),
                                     validators=[Optional(), Length(max=300),
                                                 _formula_free("Le complément d'adresse", "address_complement")])
    postal_code = StringField(_l("Code postal"), validators=[Rule(rules.normalise_postal_code)],
                              render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    city = StringField(_l("Commune"), validators=[Optional(), Length(max=120), _formula_free("La commune", "city")])
    insee_code = StringField(_l("Code commune INSEE"), validators=[Rule(rules.normalise_insee)],
                             description=_l("5 caractères, par exemple 86194 (différent du code postal)."))
    territory = TextAreaField(
        _l("Communes du territoire (codes INSEE)"), validators=[Rule(rules.normalise_territory)],
        description=_l("Pour une intercommunalité : les codes INSEE de ses communes, séparés par des espaces ou des "
                       "virgules. Les missions de ses conventions peuvent avoir lieu dans ces communes (un "
                       "département : dans tout le département)."),
        render_kw={"rows": 2, "autocomplete": "off"})
    email = EmailField(_l("Adresse électronique"), validators=[Rule(rules.normalise_optional_email)],
                       render_kw={"autocomplete": "email"})
    phone = StringField(_l("Téléphone"), validators=[Rule(rules.normalise_phone)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    website = StringField(_l("Site web"), validators=[Optional(), Length(max=300)],
                          render_kw={"inputmode": "url", "placeholder": "https://"})
    notes = TextAreaField(_l("Notes internes"), validators=[Optional()])
    chorus_service_code = StringField(
        _l("Code service (Chorus Pro)"), validators=[Rule(chorus.normalise_service_code)],
        description=_l("Le service destinataire des factures dans Chorus Pro, quand l'acheteur en exige un : "
                       "100 caractères au plus, lettres sans accent, chiffres, - _ / ."),
        render_kw={"autocomplete": "off"})
    chorus_engagement_number = StringField(
        _l("Numéro d'engagement par défaut (bon de commande)"), validators=[Rule(chorus.normalise_engagement_number)],
        description=_l("Repris sur chaque facture à cette structure, sauf si la convention en indique un : "
                       "50 caractères au plus."),
        render_kw={"autocomplete": "off"})
    chorus_engagement_required = BooleanField(
        _l("L'acheteur exige un numéro d'engagement"),
        description=_l("Une facture sans numéro d'engagement ne pourra pas être émise (Chorus Pro la rejetterait)."))


class OrganisationFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche (nom, commune, SIRET)"), validators=[Optional()])
    kind = SelectField(_l("Type de structure"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in
                                                                               KIND_LABELS.items()],
                       validators=[Optional()])
    archived = BooleanField(_l("Structures archivées"))


class ContactForm(SafeForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=100)],
                             render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)],
                            render_kw={"autocomplete": "off"})
    job_title = StringField(_l("Fonction"), validators=[Optional(), Length(max=150)])
    email = EmailField(_l("Adresse électronique"), validators=[Rule(rules.normalise_optional_email)],
                       render_kw={"autocomplete": "off"})
    phone = StringField(_l("Téléphone"), validators=[Rule(rules.normalise_phone)],
                        render_kw={"autocomplete": "off", "inputmode": "tel"})
    receives_invoices = BooleanField(_l("Reçoit les factures"))
    receives_reports = BooleanField(_l("Reçoit les bilans d'activité"))
