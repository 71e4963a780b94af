"""Typed commands (core.commands): a service's input as one frozen dataclass; unknown names refused in French;
a partial change is the current object's command with some fields replaced."""

from dataclasses import FrozenInstanceError

import pytest

from coopnum.core.errors import DomainError
from coopnum.organisations.models import Organisation
from coopnum.organisations.services import conventions, organisations
from tests import factories


def test_parse_refuses_an_unknown_name_in_french():
    with pytest.raises(DomainError) as exc:
        organisations.OrganisationData.parse({"name": "Ville", "mayor": "X", "colour": "bleu"})
    assert exc.value.message == "Champ inconnu : colour, mayor."
    assert organisations.OrganisationData.parse({"name": "Ville"}).name == "Ville"


def test_of_gives_the_current_values_and_but_changes_some():
    org = Organisation(name="Ville de Vivonne", kind="commune", siret="21860289600013", city="Vivonne", notes="")
    data = organisations.OrganisationData.of(org)
    changed = data.but(city="Lusignan")
    assert (data.city, changed.city, changed.name, changed.siret) == ("Vivonne", "Lusignan", "Ville de Vivonne",
                                                                      "21860289600013")
    with pytest.raises(DomainError, match="Champ inconnu : town"):
        data.but(town="Lusignan")
    with pytest.raises(FrozenInstanceError):
        data.city = "Ailleurs"


def test_a_command_from_a_form_takes_the_fields_of_its_names():
    class Field:
        def __init__(self, data):
            self.data = data

    form = {"name": Field("Ville"), "city": Field("Poitiers"), "submit": Field(True)}
    data = organisations.OrganisationData.from_form(form)
    assert (data.name, data.city, data.siret) == ("Ville", "Poitiers", None)


def test_a_draft_convention_moved_to_another_organisation_takes_its_siret(session, users, now):
    first = factories.organisation(session, name="Ville A")
    second = factories.organisation(session, name="Ville B", siret="21860194800013")
    conv = conventions.create_convention(session, users["coordinator"], conventions.ConventionData(
        organisation_id=first.id, title="Permanences", start_date="2026-01-01", end_date="2026-12-31",
        unit_price_cents=4500, contracted_volume="100"), now=now)
    assert conv.chorus_buyer_siret == first.siret
    conventions.update_convention(session, users["coordinator"], conv,
                                  conventions.ConventionData.of(conv).but(organisation_id=second.id), now=now)
    assert (conv.organisation_id, conv.chorus_buyer_siret) == (second.id, "21860194800013")
