"""A faster ``<select>``: WTForms' own widget builds each option through ``html_params`` and a ``Markup``, ~20 µs an
option, and coopnum's filters hold hundreds (five years of conventions). ``FastSelect`` writes the plain options
(no ``render_kw``) directly, to the same HTML; the others go through WTForms. ``use_fast_select()`` makes it the
widget of every ``SelectField`` and ``SelectMultipleField`` (called once, when the forms are imported)."""

from markupsafe import escape
from wtforms import SelectField, SelectMultipleField
from wtforms.widgets import Select


class FastSelect(Select):
    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = choice.label or choice.value
        # html_params sorts the attributes: « selected » comes before « value »
        return f'<option {"selected " if choice.selected else ""}value="{escape(value)}">{escape(label)}</option>'


def use_fast_select() -> None:
    if not isinstance(SelectField.widget, FastSelect):
        SelectField.widget = FastSelect()
    if not isinstance(SelectMultipleField.widget, FastSelect):
        SelectMultipleField.widget = FastSelect(multiple=True)
