"""The audit log page speaks French: actions, objects and settings in words, amounts in euros; never the codes."""

import re

from coopnum.core import audit, settings
from tests import factories
from tests.conftest import login, text_of


def _rows(page: str) -> str:
    return page[page.index("<tbody"):page.index("</tbody>")]


def test_actions_objects_and_settings_in_words(client, session, users, now):
    person = factories.user(session, roles=["mediator"], full_name="Aurélie Dupont")
    audit.record(session, users["coordinator"], "create", person, summary="Compte créé", now=now)
    settings.set_value(session, users["coordinator"], "company.phone", "05 49 00 00 00", now=now)
    settings.set_value(session, users["coordinator"], "billing.aptic_face_value_cents", 1500, now=now)
    audit.record(session, users["coordinator"], "inventory.checkout", None, object_type="Loan", object_id=999999,
                 summary="Prêt", now=now)
    session.commit()
    login(client, users["admin"])
    page = text_of(client.get("/audit"))
    rows = _rows(page)
    assert "Création" in rows and "Modification" in rows and "Prêt remis" in rows
    assert f'<a href="/users/{person.id}">Aurélie Dupont</a>' in rows
    assert "Paramètre « Téléphone »" in rows and "Paramètre « Valeur faciale d'un chèque APTIC »" in rows
    assert "Paramètre « Téléphone » : (vide) → 05 49 00 00 00" in rows
    assert "Paramètre « Valeur faciale d'un chèque APTIC » : 10,00 € → 15,00 €" in rows
    assert "Prêt n° 999999" in rows  # a deleted object: its kind and number
    # no code left: the raw action names, « User #12 », « Paramètre company.phone »
    assert not re.search(r">\s*(create|update|inventory\.checkout)\s*<", rows)
    assert not re.search(r"\b(User|Setting|Loan) #", rows) and "company.phone" not in rows.replace('title="', "")
    # the filters offer the same words
    assert '<option value="create">Création</option>' in page and '<option value="User">Compte</option>' in page


def test_filtering_by_kind_and_action_still_works(client, session, users, now):
    settings.set_value(session, users["coordinator"], "company.phone", "05 49 00 00 01", now=now)
    session.commit()
    login(client, users["admin"])
    rows = _rows(text_of(client.get("/audit?object_type=Setting&action=update")))
    assert "Paramètre « Téléphone »" in rows and "Connexion" not in rows
