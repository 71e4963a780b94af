"""Forms of the missions domain: planning (missions with their recurrence, sessions, absences)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coopnum.core.forms import MultiCheckboxField, SafeForm
from coopnum.missions.models import AbsenceKind, MissionKind
from coopnum.missions.recurrence import build_rrule

KIND_LABELS = {
    MissionKind.PERMANENCE: _l("Permanence"),
    MissionKind.WORKSHOP_SERIES: _l("Série d'ateliers"),
    MissionKind.EVENT: _l("Évènement"),
    MissionKind.CNFS_HOSTING: _l("Accueil de conseiller numérique (CNFS)"),
}
ABSENCE_LABELS = {
    AbsenceKind.LEAVE: _l("Congé"),
    AbsenceKind.TRAINING: _l("Formation"),
    AbsenceKind.SICKNESS: _l("Arrêt maladie"),
    AbsenceKind.OTHER: _l("Autre"),
}
WEEKDAYS = [("MO", _l("lundi")), ("TU", _l("mardi")), ("WE", _l("mercredi")), ("TH", _l("jeudi")),
            ("FR", _l("vendredi")), ("SA", _l("samedi")), ("SU", _l("dimanche"))]
RECURRENCES = [
    ("none", _l("Séance unique")),
    ("weekly", _l("Chaque semaine")),
    ("biweekly", _l("Toutes les deux semaines")),
    ("monthly", _l("Chaque mois (par jour de semaine)")),
    ("custom", _l("Règle personnalisée (RRULE)")),
]
POSITIONS = [("1", _l("1er")), ("2", _l("2e")), ("3", _l("3e")), ("4", _l("4e")), ("-1", _l("dernier"))]
SUBDIVISIONS = [("", _l("Jours fériés nationaux")), ("57", _l("Moselle (57)")), ("67", _l("Bas-Rhin (67)")),
                ("68", _l("Haut-Rhin (68)"))]


class MissionForm(SafeForm):
    convention_id = SelectField(_l("Convention"), coerce=int, validators=[DataRequired()])
    place_id = SelectField(_l("Lieu"), coerce=int, validators=[DataRequired()])
    service_id = SelectField(_l("Service du catalogue"), coerce=int, validators=[Optional()])
    kind = SelectField(_l("Type de mission"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    title = StringField(_l("Titre"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Par exemple : Permanence numérique du mardi matin"))
    recurrence = SelectField(_l("Récurrence"), choices=RECURRENCES, default="weekly")
    weekdays = MultiCheckboxField(_l("Jours"), choices=WEEKDAYS, validators=[Optional()])
    monthly_position = SelectField(_l("Position dans le mois"), choices=POSITIONS, default="1")
    monthly_weekday = SelectField(_l("Jour de la semaine"), choices=WEEKDAYS, default="TU")
    rrule_custom = StringField(_l("Règle RRULE"), validators=[Optional(), Length(max=300)],
                               description=_l("Par exemple : FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH"))
    first_date = DateField(_l("Première séance"), validators=[InputRequired()])
    until_date = DateField(_l("Dernière date (facultatif)"), validators=[Optional()],
                           description=_l("Par défaut : la fin de la convention."))
    start_time = TimeField(_l("Heure de début"), validators=[InputRequired()])
    end_time = TimeField(_l("Heure de fin"), validators=[InputRequired()])
    exclude_holidays = BooleanField(_l("Pas de séance les jours fériés"), default=True)
    holiday_subdiv = SelectField(_l("Calendrier des jours fériés"), choices=SUBDIVISIONS, validators=[Optional()])
    mediators_needed = IntegerField(_l("Médiateurs par séance"), default=1,
                                    validators=[InputRequired(), NumberRange(min=1, max=10)])
    default_mediators = MultiCheckboxField(_l("Médiateurs affectés par défaut"), coerce=int, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])

    def built_rrule(self) -> str:
        """The RRULE from the simple choices (or the custom text)."""
        choice = self.recurrence.data
        if choice == "none":
            return ""
        if choice == "custom":
            return (self.rrule_custom.data or "").strip()
        if choice == "monthly":
            return build_rrule("monthly", byweekday=[self.monthly_weekday.data],
                               bysetpos=int(self.monthly_position.data))
        days = self.weekdays.data or ([WEEKDAYS[self.first_date.data.weekday()][0]] if self.first_date.data else [])
        return build_rrule("weekly", interval=2 if choice == "biweekly" else 1, byweekday=days)

    def load_rrule(self, rule: str) -> None:
        """Fill the simple choices from an existing rule (or fall back to the custom text)."""
        if not rule:
            self.recurrence.data = "none"
            return
        parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
        freq, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
        extra = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYSETPOS", "WKST"}
        days = [d for d in parts.get("BYDAY", "").split(",") if d]
        if not extra and freq == "WEEKLY" and interval in ("1", "2") and all(len(d) == 2 for d in days):
            self.recurrence.data = "weekly" if interval == "1" else "biweekly"
            self.weekdays.data = days
        elif not extra and freq == "MONTHLY" and interval == "1" and len(days) == 1 and "BYSETPOS" in parts:
            self.recurrence.data = "monthly"
            self.monthly_weekday.data = days[0]
            self.monthly_position.data = parts["BYSETPOS"]
        else:
            self.recurrence.data = "custom"
            self.rrule_custom.data = rule


class SessionTimesForm(SafeForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    start_time = TimeField(_l("Début"), validators=[InputRequired()])
    end_time = TimeField(_l("Fin"), validators=[InputRequired()])


class AssignForm(SafeForm):
    user_id = SelectField(_l("Médiateur·rice"), coerce=int, validators=[DataRequired()])


class CancelForm(SafeForm):
    reason = StringField(_l("Motif de l'annulation"), validators=[DataRequired(), Length(max=300)])


class AbsenceForm(SafeForm):
    user_id = SelectField(_l("Médiateur·rice"), coerce=int, validators=[Optional()])
    kind = SelectField(_l("Type"), choices=[(k.value, v) for k, v in ABSENCE_LABELS.items()])
    start = DateTimeLocalField(_l("Début"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    end = DateTimeLocalField(_l("Fin"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    note = StringField(_l("Commentaire"), validators=[Optional(), Length(max=300)])


class MissionFilterForm(SafeForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional()])
    convention_id = SelectField(_l("Convention"), coerce=int, validators=[Optional()])
    place_id = SelectField(_l("Lieu"), coerce=int, validators=[Optional()])
    status = SelectField(_l("État"), choices=[("active", _l("En cours")), ("archived", _l("Archivées")),
                                              ("", _l("Toutes"))], default="active", validators=[Optional()])
