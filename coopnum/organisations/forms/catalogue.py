"""Forms of the missions domain: catalogue. Also the French labels of the catalogue's enumerations."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from coopnum.core.forms import EuroField, SafeForm
from coopnum.organisations.models import ServiceCategory, ServiceUnit, VatRegime

CATEGORY_LABELS = {
    ServiceCategory.PERMANENCE: _l("Permanence numérique"),
    ServiceCategory.WORKSHOP: _l("Atelier collectif"),
    ServiceCategory.PRO_TRAINING: _l("Formation des professionnels"),
    ServiceCategory.ASSOCIATION_SUPPORT: _l("Accompagnement des associations"),
    ServiceCategory.CNFS_HOSTING: _l("Portage de conseiller numérique"),
    ServiceCategory.EQUIPMENT_LENDING: _l("Prêt de matériel"),
    ServiceCategory.OTHER: _l("Autre"),
}

UNIT_LABELS = {
    ServiceUnit.HOUR: _l("heure"),
    ServiceUnit.SESSION: _l("séance"),
    ServiceUnit.MONTH: _l("mois"),
    ServiceUnit.PERSON: _l("personne"),
    ServiceUnit.DAY: _l("jour"),
    ServiceUnit.FLAT: _l("forfait"),
}

VAT_LABELS = {
    VatRegime.STANDARD: _l("TVA 20 %"),
    VatRegime.FRANCHISE: _l("Franchise en base (art. 293 B du CGI)"),
    VatRegime.TRAINING_EXEMPT: _l("Exonération formation (art. 261-4-4°-a du CGI)"),
}


def non_negative(_form, field) -> None:
    """An amount, when given and readable, is not negative (unreadable amounts already have their error)."""
    if field.data is not None and field.data < 0:
        raise ValidationError(_l("Le montant ne peut pas être négatif."))


class ServiceForm(SafeForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)],
                       description=_l("Court et unique, par exemple PERM-H."))
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Catégorie"), choices=[(k.value, v) for k, v in CATEGORY_LABELS.items()])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    audience = StringField(_l("Public"), validators=[Optional(), Length(max=300)],
                           description=_l("Par exemple : seniors, demandeurs d'emploi, agents d'accueil."))
    unit = SelectField(_l("Unité"), choices=[(k.value, v) for k, v in UNIT_LABELS.items()])
    unit_price_cents = EuroField(_l("Prix unitaire HT (€)"), validators=[
        InputRequired(message=_l("Le prix unitaire est obligatoire.")),
        non_negative,
    ])
    vat_regime = SelectField(_l("Régime de TVA"), choices=[(k.value, v) for k, v in VAT_LABELS.items()])


class ServiceFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional()])
    active = SelectField(_l("État"), choices=[("1", _l("Actifs")), ("0", _l("Désactivés")), ("", _l("Tous"))],
                         default="1", validators=[Optional()])
    category = SelectField(_l("Catégorie"), choices=[("", _l("Toutes"))] + [(k.value, v) for k, v in
                                                                             CATEGORY_LABELS.items()],
                           validators=[Optional()])
