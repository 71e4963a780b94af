"""Forms of the skills services require: add a requirement (a competence and its level), change its level."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from coopnum.core.forms import SafeForm


class RequirementForm(SafeForm):
    """The level's range depends on the skill (1..max_level): the service checks it and answers next to the field."""

    skill_id = SelectField(_l("Compétence"), coerce=int, validators=[DataRequired()])
    level = IntegerField(_l("Niveau requis"), validators=[InputRequired(), NumberRange(min=1, max=8)])


class LevelForm(SafeForm):
    level = IntegerField(_l("Niveau requis"), validators=[InputRequired(), NumberRange(min=1, max=8)])
