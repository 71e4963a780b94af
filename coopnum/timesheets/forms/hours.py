"""Forms of the missions domain: hours — session confirmation, extra hours, timesheet decisions."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coopnum.core.forms import SafeForm
from coopnum.missions.models import NotHeldReason
from coopnum.timesheets.models import EXTRA_CATEGORIES, TimeCategory, TimesheetStatus

CATEGORY_LABELS = {
    TimeCategory.SESSION: _l("Séances"),
    TimeCategory.PREPARATION: _l("Préparation"),
    TimeCategory.TRAVEL: _l("Déplacement"),
    TimeCategory.MEETING: _l("Réunion"),
    TimeCategory.TRAINING: _l("Formation"),
    TimeCategory.ADMIN: _l("Administratif"),
    TimeCategory.OTHER: _l("Autre"),
}
NOT_HELD_LABELS = {
    NotHeldReason.NO_PUBLIC: _l("Personne n'est venu"),
    NotHeldReason.MEDIATOR_ABSENT: _l("Médiateur·rice absent·e"),
    NotHeldReason.PLACE_CLOSED: _l("Lieu fermé"),
    NotHeldReason.CANCELLED_BY_CLIENT: _l("Annulée par la structure"),
    NotHeldReason.OTHER: _l("Autre motif"),
}
TIMESHEET_STATUS_LABELS = {
    TimesheetStatus.OPEN: _l("En cours"),
    TimesheetStatus.SUBMITTED: _l("À valider"),
    TimesheetStatus.SENT_BACK: _l("Renvoyé pour correction"),
    TimesheetStatus.VALIDATED: _l("Validé"),
}
TIMESHEET_STATUS_BADGES = {
    TimesheetStatus.OPEN: "",
    TimesheetStatus.SUBMITTED: "badge-info",
    TimesheetStatus.SENT_BACK: "badge-warn",
    TimesheetStatus.VALIDATED: "badge-ok",
}

_MINUTES = re.compile(r"(\d{1,4})\s*(?:min|mn|m)?")
_HOURS = re.compile(r"(\d{1,2})\s*(?:h|:)\s*(\d{1,2})?\s*(?:min|mn|m)?")
_DECIMAL_HOURS = re.compile(r"(\d{1,2})[.,](\d{1,2})\s*h?")


def parse_duration(text: str) -> int:
    """'2h30', '2 h 30', '2:30', '2h', '2,5h' → 150 / 120 minutes; '150' or '150 min' → 150. ValueError otherwise
    (a negative duration never parses)."""
    raw = text.strip().lower()
    if m := _MINUTES.fullmatch(raw):
        return int(m.group(1))
    if m := _HOURS.fullmatch(raw):
        minutes = int(m.group(2) or 0)
        if minutes >= 60:
            raise ValueError(raw)
        return int(m.group(1)) * 60 + minutes
    if m := _DECIMAL_HOURS.fullmatch(raw):
        return round(float(f"{m.group(1)}.{m.group(2)}") * 60)
    raise ValueError(raw)


def duration_text(minutes: int | None) -> str:
    """150 → '2h30', 180 → '3h', 45 → '45' (what the field shows and parses back)."""
    if minutes is None:
        return ""
    h, m = divmod(minutes, 60)
    if not h:
        return str(m)
    return f"{h}h{m:02d}" if m else f"{h}h"


class DurationField(StringField):
    """A duration typed as '2h30', '2:30' or '150' (minutes); ``data`` holds minutes (int) or None."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"autocomplete": "off", "size": 8})
        kwargs.setdefault("description", _l("Par exemple 2h30, 2:30 ou 150 (en minutes)."))
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return duration_text(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_duration(valuelist[0])
            except ValueError:
                raise ValueError(_("Durée invalide : écrivez par exemple 2h30, 2:30 ou 150 (en minutes).")) from None


class ConfirmForm(SafeForm):
    outcome = RadioField(_l("La séance"), choices=[("held", _l("a eu lieu")), ("not_held", _l("n'a pas eu lieu"))],
                         default="held", validators=[InputRequired()])
    minutes = DurationField(_l("Durée réelle"), validators=[Optional()])
    reason = SelectField(_l("Motif, si elle n'a pas eu lieu"),
                         choices=[("", "—")] + [(k.value, v) for k, v in NOT_HELD_LABELS.items()],
                         validators=[Optional()], validate_choice=False)  # checked by the service, by its field
    reason_text = StringField(_l("Précisions"), validators=[Optional(), Length(max=300)])
    for_user_id = SelectField(_l("Médiateur·rice"), coerce=int, validators=[Optional()], validate_choice=False)


class EntryForm(SafeForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    category = SelectField(_l("Catégorie"), choices=[(c.value, CATEGORY_LABELS[c]) for c in EXTRA_CATEGORIES])
    minutes = DurationField(_l("Durée"), validators=[InputRequired()])
    convention_id = SelectField(_l("Convention (facultatif)"), coerce=int, validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)],
                       description=_l("Par exemple : préparation de l'atelier, réunion d'équipe…"))


class SendBackForm(SafeForm):
    comment = TextAreaField(_l("Ce qu'il faut corriger"), validators=[Optional(), Length(max=2000)])


class ReopenForm(SafeForm):
    reason = TextAreaField(_l("Motif de la réouverture"), validators=[Optional(), Length(max=2000)])


class BulkValidateForm(SafeForm):
    """The review step's button: the sheets (``ids``, with the ``stamp-<id>`` seen) are read from the request."""
