"""Forms of the activities area: the activity report (CRA) — short, usable on a phone —, followed beneficiaries,
their retention period, and the editable reference lists.

Choices come from the editable reference lists and are set by the view (``fill_activity_choices``); the values
are the national tool's identifiers."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coopnum.activities import cra_reference as ref
from coopnum.core.forms import MultiCheckboxField, SafeForm

OTHER_DURATION = "autre"
ORIENTED_UNKNOWN = "_oui"
MODE_ANONYMOUS, MODE_FOLLOWED, MODE_NEW = "anonymous", "followed", "new"


def _duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


DURATION_CHOICES = [(str(m), _duration_label(m)) for m in ref.DURATION_PRESETS] + [
    (OTHER_DURATION, _l("Autre durée"))]


class ActivityForm(SafeForm):
    kind = HiddenField(default=ref.TYPE_INDIVIDUEL)
    session_id = HiddenField()
    mediator_id = SelectField(_l("Médiateur·rice"), coerce=int, validators=[Optional()],
                              validate_choice=False)
    # Without a session.
    date = DateField(_l("Date"), validators=[Optional()])
    place_type = RadioField(_l("Où ?"), choices=[(i.value, i.label) for i in ref.items(ref.TYPE_LIEU)],
                            validators=[Optional()], validate_choice=False)
    place_id = SelectField(_l("Lieu d’activité"), coerce=int, validators=[Optional()],
                           validate_choice=False)
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)],
                          description=_l("Pour une activité à domicile ou dans un autre lieu."))
    commune_postal_code = StringField(_l("Code postal"), validators=[Optional(), Length(max=5)],
                                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    convention_id = SelectField(_l("Convention (facultatif)"), coerce=int, validators=[Optional()],
                                validate_choice=False)
    # The report itself.
    duration = RadioField(_l("Durée"), choices=DURATION_CHOICES, validators=[Optional()],
                          validate_choice=False)
    duration_other = IntegerField(_l("Autre durée, en minutes"), validators=[Optional()],
                                  render_kw={"inputmode": "numeric", "min": 1, "max": 720})
    thematiques = MultiCheckboxField(_l("Thématiques"), validators=[Optional()], validate_choice=False)
    thematiques_demarche = MultiCheckboxField(_l("Démarches administratives"), validators=[Optional()],
                                              validate_choice=False)
    precisions_demarche = StringField(_l("Nom de la démarche administrative"),
                                      validators=[Optional(), Length(max=200)])
    materiel = MultiCheckboxField(_l("Matériel utilisé"), validators=[Optional()], validate_choice=False)
    autonomie = RadioField(_l("Autonomie du bénéficiaire"), validators=[Optional()], validate_choice=False)
    redirection = SelectField(_l("Réorientation vers une structure"), validators=[Optional()],
                              validate_choice=False)
    # Collective workshops.
    workshop_title = StringField(_l("Titre de l’atelier"), validators=[Optional(), Length(max=200)])
    workshop_level = RadioField(_l("Niveau de l’atelier"), validators=[Optional()], validate_choice=False)
    participants = IntegerField(_l("Nombre de participants"), validators=[Optional()],
                                render_kw={"inputmode": "numeric", "min": 1})
    beneficiary_ids = MultiCheckboxField(_l("Personnes suivies présentes"), coerce=int, validators=[Optional()],
                                         validate_choice=False)
    # Individual: anonymous, a followed person, or a new followed person.
    beneficiary_mode = RadioField(_l("Bénéficiaire"), default=MODE_ANONYMOUS, choices=[
        (MODE_ANONYMOUS, _l("Anonyme")), (MODE_FOLLOWED, _l("Personne suivie")),
        (MODE_NEW, _l("Nouvelle personne suivie"))])
    beneficiary_id = SelectField(_l("Personne suivie"), coerce=int, validators=[Optional()],
                                 validate_choice=False)
    first_name = StringField(_l("Prénom"), validators=[Optional(), Length(max=100)],
                             render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Nom"), validators=[Optional(), Length(max=100)], render_kw={"autocomplete": "off"})
    birth_year = IntegerField(_l("Année de naissance"), validators=[Optional()],
                              render_kw={"inputmode": "numeric", "autocomplete": "off"})
    confirm_new = BooleanField(_l("Il s’agit d’une autre personne : créer la fiche quand même"))
    genre = SelectField(_l("Genre"), validators=[Optional()], validate_choice=False)
    tranche_age = SelectField(_l("Tranche d’âge"), validators=[Optional()], validate_choice=False)
    statut_social = SelectField(_l("Statut social"), validators=[Optional()], validate_choice=False)
    beneficiary_commune = StringField(_l("Commune du bénéficiaire"), validators=[Optional(), Length(max=120)])
    notes = TextAreaField(_l("Notes supplémentaires"), validators=[Optional(), Length(max=2000)],
                          description=_l("Pas de données sensibles (santé, opinions, situation familiale…)."))

    def duration_minutes(self) -> int | None:
        """The minutes chosen: a preset or the custom value."""
        if self.duration.data == OTHER_DURATION:
            return self.duration_other.data
        if self.duration.data and self.duration.data.isdigit():
            return int(self.duration.data)
        return None

    def set_duration(self, minutes: int | None) -> None:
        if minutes is None:
            return
        if minutes in ref.DURATION_PRESETS:
            self.duration.data = str(minutes)
        else:
            self.duration.data, self.duration_other.data = OTHER_DURATION, minutes


def with_kept(choices: list[tuple[str, str]], kept, labels: dict[str, str]) -> list[tuple[str, str]]:
    """The active choices plus the values an existing record keeps (deactivated since), at the end."""
    values = {v for v, _label in choices}
    extra = [(v, labels.get(v, v)) for v in kept or [] if v and v not in values]
    return choices + extra


class BeneficiaryForm(SafeForm):
    mediator_id = SelectField(_l("Suivie par"), coerce=int, validators=[Optional()], validate_choice=False)
    first_name = StringField(_l("Prénom"), validators=[Optional(), Length(max=100)],
                             render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Nom"), validators=[Optional(), Length(max=100)], render_kw={"autocomplete": "off"})
    birth_year = IntegerField(_l("Année de naissance"), validators=[Optional()],
                              description=_l("Facultatif ; la tranche d’âge en est déduite."),
                              render_kw={"inputmode": "numeric", "autocomplete": "off"})
    genre = SelectField(_l("Genre"), validators=[Optional()], validate_choice=False)
    tranche_age = SelectField(_l("Tranche d’âge"), validators=[Optional()], validate_choice=False)
    statut_social = SelectField(_l("Statut social"), validators=[Optional()], validate_choice=False)
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    postal_code = StringField(_l("Code postal"), validators=[Optional(), Length(max=5)],
                              render_kw={"inputmode": "numeric"})
    commune_insee = StringField(_l("Code INSEE de la commune"), validators=[Optional(), Length(max=5)])
    confirm_duplicate = BooleanField(_l("Il s’agit d’une autre personne : créer la fiche quand même"))


class RetentionForm(SafeForm):
    months = IntegerField(_l("Durée de conservation (mois sans activité)"), validators=[
        InputRequired(message=_l("Indiquez un nombre de mois.")),
        NumberRange(min=1, max=120, message=_l("Entre 1 et 120 mois."))])


class MergeForm(SafeForm):
    keep_id = IntegerField(validators=[InputRequired()])
    remove_id = IntegerField(validators=[InputRequired()])


class EraseForm(SafeForm):
    confirm = BooleanField(_l("Je confirme l’effacement définitif de cette fiche"),
                           validators=[DataRequired(message=_l("Cochez la case pour confirmer l’effacement."))])


class ReferenceEntryForm(SafeForm):
    label = StringField(_l("Libellé"), validators=[DataRequired(), Length(max=200)])
    position = IntegerField(_l("Ordre"), validators=[InputRequired(), NumberRange(min=0, max=100000)])
    active = BooleanField(_l("Active"))


class ReferenceAddForm(SafeForm):
    label = StringField(_l("Nouvelle entrée"), validators=[DataRequired(), Length(max=200)])
