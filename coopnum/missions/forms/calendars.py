"""Forms of the missions domain: calendar filters and the choice of an iCal feed's target."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from coopnum.core.forms import SafeForm


class CalendarFilterForm(SafeForm):
    """GET filters of the coordinator calendar; 0 means « all ». Unknown values are ignored by the view."""

    class Meta:
        csrf = False

    mediator = SelectField(_l("Médiateur·rice"), coerce=int, validate_choice=False, default=0)
    place = SelectField(_l("Lieu"), coerce=int, validate_choice=False, default=0)
    organisation = SelectField(_l("Structure"), coerce=int, validate_choice=False, default=0)

    def selected(self, name: str) -> int | None:
        """The chosen id when it is one of the offered choices, else None (all)."""
        field = self[name]
        value = field.data if isinstance(field.data, int) else None
        return value if value and value in {c[0] for c in field.choices} else None


class FeedTargetForm(SafeForm):
    """Which calendar to subscribe to: ``kind:id`` (mediator, place or organisation)."""

    target = SelectField(_l("Agenda"), validate_choice=False,
                         validators=[DataRequired(message=_l("Choisissez un agenda."))])

    def parsed(self) -> tuple[str, int] | None:
        kind, _sep, target_id = (self.target.data or "").partition(":")
        if not kind or not target_id.isdigit():
            return None
        return kind, int(target_id)
