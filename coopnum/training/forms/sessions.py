"""Forms: a training (its half-days as numbered rows, its people by person or user), cancelling it, signing a
half-day, the scan of a paper sheet, the levels reached, the list's filters. The views fill the choices."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coopnum.core.forms import MultiCheckboxField, SafeForm

HALF_DAY_ROWS = 6
PERIOD_CHOICES = [("am", _l("Matin")), ("pm", _l("Après-midi"))]
STATUS_LABELS = {"planned": _l("Prévue"), "held": _l("Réalisée"), "cancelled": _l("Annulée")}
STATUS_BADGES = {"planned": "badge-info", "held": "badge-ok", "cancelled": "badge-muted"}
ROLE_LABELS = {"trainer": _l("Formateur·rice"), "trainee": _l("Stagiaire")}


def _optional_id(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class TrainingForm(SafeForm):
    title = StringField(_l("Sujet"), validators=[InputRequired(message=_l("Indiquez le sujet.")), Length(max=200)])
    description = TextAreaField(_l("Objectifs et programme"), validators=[Optional(), Length(max=20_000)])
    skill_ids = MultiCheckboxField(_l("Compétences travaillées"), coerce=int, validators=[Optional()])
    target_level = IntegerField(_l("Niveau visé par défaut (facultatif)"), validators=[Optional(), NumberRange(min=1, max=8)])
    place_id = SelectField(_l("Lieu"), coerce=_optional_id, validators=[Optional()])
    location = StringField(_l("Autre lieu (adresse, visio…)"), validators=[Optional(), Length(max=300)])
    materials = TextAreaField(_l("Matériel"), validators=[Optional(), Length(max=1000)])
    trainer_ids = MultiCheckboxField(_l("Formateur·rices"), validators=[Optional()])
    trainee_ids = MultiCheckboxField(_l("Stagiaires"), validators=[Optional()])
    confirm = BooleanField(_l("Enregistrer malgré tout"), validators=[Optional()])

    def half_day_rows(self) -> list[tuple]:
        return [(self[f"day_{i}"], self[f"period_{i}"], self[f"start_{i}"], self[f"end_{i}"])
                for i in range(1, HALF_DAY_ROWS + 1)]


for _i in range(1, HALF_DAY_ROWS + 1):
    setattr(TrainingForm, f"day_{_i}", DateField(_l("Jour"), validators=[Optional()]))
    setattr(TrainingForm, f"period_{_i}", SelectField(_l("Demi-journée"), choices=PERIOD_CHOICES,
                                                      validators=[Optional()]))
    setattr(TrainingForm, f"start_{_i}", TimeField(_l("Début"), validators=[Optional()]))
    setattr(TrainingForm, f"end_{_i}", TimeField(_l("Fin"), validators=[Optional()]))


class CancelForm(SafeForm):
    reason = StringField(_l("Motif de l'annulation"), validators=[InputRequired(message=_l("Indiquez le motif.")),
                                                                   Length(max=300)])


class SignForm(SafeForm):
    person_id = HiddenField(validators=[Optional(), Length(max=12)])
    signature = HiddenField(_l("Signature"), validators=[Optional(), Length(max=500_000)])


class ScanForm(SafeForm):
    scan = FileField(_l("Scan de la feuille signée (PDF, JPEG ou PNG, 10 Mo au plus)"))
    person_ids = MultiCheckboxField(_l("Ont signé la feuille"), coerce=int, validators=[Optional()])


class FilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Rechercher"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("État"), choices=[("", _l("Toutes")), ("upcoming", _l("À venir")),
                                              *[(k, v) for k, v in STATUS_LABELS.items()]], validators=[Optional()])
    mine = BooleanField(_l("Les miennes"), validators=[Optional()])


class LevelsForm(SafeForm):
    """Fields ``level-<person>-<skill>`` are read from the request by the view (their number depends on the
    training)."""
