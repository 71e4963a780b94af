"""Forms of the missions domain: conventions. Also the French labels of the conventions' enumerations."""


from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from coopnum.core.forms import DecimalTextField, EuroField, PercentField, SafeForm, SafeSubForm
from coopnum.organisations.forms.catalogue import VAT_LABELS, non_negative
from coopnum.organisations.forms.organisations import Rule
from coopnum.organisations.models import ConventionStatus, PricingMode, VolumeUnit
from coopnum.organisations.services.organisations import normalise_siret

STATUS_LABELS = {
    ConventionStatus.DRAFT: _l("Brouillon"),
    ConventionStatus.SIGNED: _l("Signée"),
    ConventionStatus.ENDED: _l("Terminée"),
}

PRICING_LABELS = {
    PricingMode.HOURLY: _l("Au taux horaire"),
    PricingMode.PER_SESSION: _l("À la séance"),
    PricingMode.MONTHLY_FLAT: _l("Forfait mensuel"),
    PricingMode.PER_WORKSHOP: _l("À l'atelier"),
}

VOLUME_UNIT_LABELS = {
    VolumeUnit.HOURS: _l("heures"),
    VolumeUnit.SESSIONS: _l("séances"),
}


class VolumeField(DecimalTextField):
    """A quantity typed the French way ("37,5", "1 200") kept as a Decimal in ``data``."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("message", _l("Volume invalide : écrivez un nombre, par exemple 120 ou 37,5."))
        super().__init__(label, validators, **kwargs)


def _end_after_start(form, field):
    if form.start_date.data and field.data and field.data < form.start_date.data:
        raise ValidationError(_l("La date de fin doit être postérieure à la date de début."))


def _payment_days(_form, field):
    if field.data is None:
        return  # unreadable: the field already says so
    if field.data < 0:
        raise ValidationError(_l("Le délai de paiement ne peut pas être négatif."))
    if field.data > 60:
        raise ValidationError(_l("Le délai de paiement ne peut pas dépasser 60 jours (art. L441-10 du Code de "
                                 "commerce)."))


class ServiceLineForm(SafeSubForm):
    """One catalogue service in a convention: included or not, with an optional negotiated price."""

    service_id = HiddenField()
    included = BooleanField(_l("Inclus"))
    unit_price_cents = EuroField(_l("Prix négocié HT (€, facultatif)"), validators=[Optional(), non_negative])


class ConventionAdminForm(SafeForm):
    """What can still change once a convention is signed: Chorus Pro data and notes."""

    chorus_buyer_siret = StringField(
        _l("SIRET de l'acheteur (Chorus Pro)"),
        validators=[Rule(lambda v: normalise_siret(v, field="chorus_buyer_siret"))],
        description=_l("Laissez vide pour reprendre le SIRET de la structure."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    chorus_service_code = StringField(_l("Code service (Chorus Pro)"), validators=[Optional(), Length(max=100)])
    chorus_engagement_number = StringField(_l("Numéro d'engagement (bon de commande)"),
                                           validators=[Optional(), Length(max=50)])
    notes = TextAreaField(_l("Notes internes"), validators=[Optional()])
    report_equipment = BooleanField(_l("Lister le matériel utilisé dans le rapport d'activité"))


class ConventionForm(ConventionAdminForm):
    organisation_id = SelectField(_l("Structure"), coerce=int,
                                  validators=[DataRequired(message=_l("Choisissez la structure signataire."))])
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    reference = StringField(_l("Référence"), validators=[Optional(), Length(max=40)],
                            description=_l("Laissez vide pour une référence automatique (CONV-année-numéro)."))
    start_date = DateField(_l("Date de début"), validators=[InputRequired()])
    end_date = DateField(_l("Date de fin"), validators=[InputRequired(), _end_after_start])
    pricing_mode = SelectField(_l("Mode de tarification"), choices=[(k.value, v) for k, v in PRICING_LABELS.items()])
    unit_price_cents = EuroField(_l("Prix unitaire HT (€)"), validators=[Optional(), non_negative],
                                 description=_l("Par heure, par séance ou par atelier selon le mode."))
    monthly_fee_cents = EuroField(_l("Redevance mensuelle HT (€)"), validators=[Optional(), non_negative],
                                  description=_l("Pour un forfait mensuel."))
    volume_unit = SelectField(_l("Unité du volume"), choices=[(k.value, v) for k, v in VOLUME_UNIT_LABELS.items()])
    contracted_volume = VolumeField(_l("Volume contracté"), validators=[Optional()],
                                    description=_l("Nombre d'heures ou de séances prévues par la convention."))
    vat_regime = SelectField(_l("Régime de TVA"), choices=[(k.value, v) for k, v in VAT_LABELS.items()])
    payment_terms_days = IntegerField(
        _l("Délai de paiement (jours)"), default=30,
        validators=[InputRequired(), _payment_days],
        description=_l("30 jours au plus pour un acheteur public."),
        render_kw={"inputmode": "numeric"},
    )
    penalty_rate_bp = PercentField(
        _l("Taux des pénalités de retard (%/an)"), low_bp=1, high_bp=10000, validators=[Optional()],
        description=_l("Facultatif, pour une association ou une entreprise : au moins trois fois le taux de "
                       "l'intérêt légal. Vide : taux de la BCE majoré de 10 points. Un acheteur public n'en a pas : "
                       "la loi fixe ses intérêts moratoires."),
    )
    services = FieldList(FormField(ServiceLineForm), label=_l("Services du catalogue"))


class SignForm(SafeForm):
    signed_on = DateField(_l("Date de signature"),
                          validators=[InputRequired(message=_l("Indiquez la date de signature."))])


class UploadForm(SafeForm):
    file = FileField(_l("Convention signée (PDF, 10 Mo au plus)"),
                     validators=[FileRequired(message=_l("Choisissez le fichier PDF de la convention signée."))],
                     render_kw={"accept": "application/pdf,.pdf"})


class ConventionFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche (référence, intitulé)"), validators=[Optional()])
    status = SelectField(_l("Statut"), choices=[("", _l("Tous"))] + [(k.value, v) for k, v in STATUS_LABELS.items()],
                         validators=[Optional()])
    organisation_id = SelectField(_l("Structure"), validators=[Optional()])

