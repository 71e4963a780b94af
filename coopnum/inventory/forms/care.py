"""Forms of the care pages: maintenance cases, audits, the usage report's period."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from coopnum.core.forms import EuroField, MultiCheckboxField, SafeForm
from coopnum.inventory.forms import CATEGORY_PLURAL as CATEGORY_LABELS
from coopnum.inventory.forms import STATUS_BADGES, STATUS_LABELS  # noqa: F401  (re-exported)

CATEGORY_CHOICES = [("", _l("Toutes"))] + [(k.value, v) for k, v in CATEGORY_LABELS.items()]


class CaseOpenForm(SafeForm):
    """Open a case (staff) or report a problem (a mediator: the issue only, ``supplier`` removed by the view)."""

    tag = StringField(_l("Étiquette du matériel"), validators=[Optional(), Length(max=300)],
                      description=_l("Saisissez ou scannez l'étiquette (ex. TAB-0012)."))
    issue = TextAreaField(_l("Problème constaté"), validators=[DataRequired(message=_l("Décrivez le problème.")),
                                                                Length(max=1000)])
    supplier = StringField(_l("Prestataire (réparateur)"), validators=[Optional(), Length(max=200)])


class CaseEditForm(SafeForm):
    issue = TextAreaField(_l("Problème constaté"), validators=[DataRequired(message=_l("Décrivez le problème.")),
                                                                Length(max=1000)])
    repair = TextAreaField(_l("Réparation effectuée"), validators=[Optional(), Length(max=1000)])
    cost = EuroField(_l("Coût TTC (€)"), validators=[Optional()])
    supplier = StringField(_l("Prestataire (réparateur)"), validators=[Optional(), Length(max=200)])


class CaseCloseForm(SafeForm):
    repair = TextAreaField(_l("Réparation effectuée"), validators=[Optional(), Length(max=1000)])
    cost = EuroField(_l("Coût TTC (€)"), validators=[Optional()])
    supplier = StringField(_l("Prestataire (réparateur)"), validators=[Optional(), Length(max=200)])


class CaseFilterForm(SafeForm):
    class Meta:
        csrf = False

    state = SelectField(_l("État"), choices=[("", _l("Tous")), ("open", _l("En cours")), ("closed", _l("Clos"))],
                        validators=[Optional()])
    category = SelectField(_l("Catégorie"), choices=CATEGORY_CHOICES, validators=[Optional()])


class AuditStartForm(SafeForm):
    """``place``: a place's id, or "none" for the assets without home place (choices filled by the view)."""

    place = SelectField(_l("Lieu à vérifier"), validators=[DataRequired(message=_l("Choisissez un lieu."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=1000)])


class AuditFilterForm(SafeForm):
    class Meta:
        csrf = False

    place = SelectField(_l("Lieu"), validators=[Optional()])


class TickForm(SafeForm):
    """"Vu aujourd'hui": an asset's id (the button of a line) or a tag / a label's URL (typed or scanned)."""

    asset_id = IntegerField(validators=[Optional()])
    tag = StringField(_l("Étiquette ou lien du QR code"), validators=[Optional(), Length(max=300)],
                      description=_l("Tapez l'étiquette ou scannez le QR code puis Entrée."))
    next = HiddenField(validators=[Optional(), Length(max=500)])


class LostForm(SafeForm):
    asset_ids = MultiCheckboxField(_l("Matériel manquant à déclarer perdu"), coerce=int,
                                   validators=[DataRequired(message=_l("Cochez au moins un matériel."))])


class UsageForm(SafeForm):
    class Meta:
        csrf = False

    start = DateField(_l("Du"), validators=[Optional()])
    end = DateField(_l("Au"), validators=[Optional()])
    category = SelectField(_l("Catégorie"), choices=CATEGORY_CHOICES, validators=[Optional()])
