"""The fast ``<select>`` writes the same HTML as WTForms' own widget, whatever the options."""

import pytest
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.widgets import Select

from coopnum.core import forms  # noqa: F401  (installs the fast widget)
from coopnum.core.widgets import FastSelect

CHOICES = [("", "Toutes"), ("1", "CONV-2026-001 — Commune « A&B » — <Titre>"), ("2", ""), (True, "oui"),
           ("3", "Avec attributs", {"data-places": "1 2", "disabled": True})]
GROUPS = {"Médiateur·rices": [("mediator:1", "Aurélie")], "Lieux": [("place:2", "Médiathèque <Centre>")]}


@pytest.mark.parametrize("choices,data", [(CHOICES, "1"), (CHOICES, ""), (CHOICES, "3"), (GROUPS, "place:2")])
def test_the_same_html_as_wtforms(choices, data):
    class Filter(Form):
        one = SelectField(choices=choices, validate_choice=False)
        many = SelectMultipleField(choices=choices, validate_choice=False)

    form = Filter(data={"one": data, "many": [data]})
    for field in (form.one, form.many):
        assert isinstance(field.widget, FastSelect)
        html = field(**{"class": "wide"})
        assert html == Select(multiple=field.type == "SelectMultipleField")(field, **{"class": "wide"})
        assert 'selected' in html
