"""The coordinator's editable reference lists: rename, reorder, deactivate, add a local entry — and what the
activity form and its validation make of it."""

import re

import pytest
from sqlalchemy import select

from coopnum.activities.models import Activity, ReferenceItem
from coopnum.activities.services import reference_lists
from tests import factories
from tests.conftest import login, text_of


@pytest.fixture
def world(session, users):
    ids = factories.world(session, users, billing=False)
    session.commit()
    return ids


def form_page(client, session_id):
    return text_of(client.get(f"/missions/activities/new?session={session_id}&kind=Individuel"))


def theme_labels(page: str) -> list[str]:
    part = page.split('id="thematiques"')[1].split("</fieldset>")[0]
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'name="thematiques" type="checkbox" value="[^"]+">'
                                                               r"([^<]+)</label>", part)]


def test_the_page_lists_every_editable_list(client, users, world):
    login(client, users["coordinator"])
    page = text_of(client.get("/missions/reference-lists"))
    for title in ("Matériel utilisé", "Thématiques de médiation numérique", "Thématiques de démarches administratives",
                  "Structures de redirection", "Niveaux d’atelier", "Statuts sociaux"):
        assert title in page
    assert 'value="Prendre en main du matériel"' in page


def test_rename_reorder_deactivate_and_add(client, session, users, world):
    login(client, users["coordinator"])
    response = client.post("/missions/reference-lists/thematique/entries/Email",
                           data={"label": "Courriel", "position": "1", "active": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#list-thematique")
    response = client.post("/missions/reference-lists/thematique/entries/Sante",
                           data={"label": "Santé", "position": "80"})  # "active" unticked: deactivated
    assert response.status_code == 302
    response = client.post("/missions/reference-lists/thematique/entries", data={"label": "Jeux vidéo"})
    assert response.status_code == 302
    local = session.execute(select(ReferenceItem).where(ReferenceItem.list_name == "thematique",
                                                        ReferenceItem.national.is_(False))).scalar_one()
    assert local.value == "LocalJeuxVideo" and local.active

    client.post("/logout")
    login(client, users["mediator"])
    labels = theme_labels(form_page(client, world["past_session"]))
    assert labels[0] == "Diagnostic numérique" and labels[1] == "Courriel"  # position 1, after 0
    assert "Santé" not in labels and labels[-1] == "Jeux vidéo"
    # the local entry is accepted, the deactivated one refused
    sid = world["past_session"]
    response = client.post(f"/missions/activities/new?session={sid}", data={
        "kind": "Individuel", "session_id": sid, "duration": "30", "thematiques": ["LocalJeuxVideo"]})
    assert response.status_code == 302
    assert session.execute(select(Activity).where(Activity.session_id == sid)).scalar_one().thematiques == [
        "LocalJeuxVideo"]
    response = client.post(f"/missions/activities/new?session={sid}", data={
        "kind": "Individuel", "session_id": sid, "duration": "30", "thematiques": ["Sante"]})
    assert response.status_code == 400
    assert "Thématique désactivée dans la liste de référence : « Santé »" in text_of(response)
    # an old record keeps showing its deactivated theme, with its label
    old = factories.activity(session, mediator=users["mediator"], thematiques=["Sante"])
    session.commit()
    assert "Santé" in theme_labels(text_of(client.get(f"/missions/activities/{old.id}/edit")))
    assert "Santé" in text_of(client.get(f"/missions/activities/{old.id}"))


def test_bad_input_and_access(client, session, users, world):
    login(client, users["coordinator"])
    response = client.post("/missions/reference-lists/thematique/entries/Email", data={"label": "", "position": "1"})
    assert response.status_code == 302
    assert "Indiquez un libellé et un ordre" in text_of(client.get(response.headers["Location"]))
    response = client.post("/missions/reference-lists/thematique/entries", data={"label": "e-mail"})
    assert "Cette entrée existe déjà dans la liste." in text_of(client.get(response.headers["Location"]))
    response = client.post("/missions/reference-lists/thematique/entries/Inconnue",
                           data={"label": "X", "position": "1", "active": "y"})
    assert "Entrée inconnue." in text_of(client.get(response.headers["Location"]))
    assert client.post("/missions/reference-lists/type_lieu/entries", data={"label": "Bus"}).status_code == 404
    assert client.get("/missions/reference-lists").status_code == 200
    assert reference_lists.labels(session, "thematique")["Email"] == "E-mail"
    client.post("/logout")
    login(client, users["mediator"])
    assert client.get("/missions/reference-lists").status_code == 403
    assert client.post("/missions/reference-lists/thematique/entries", data={"label": "Pirate"}).status_code == 403
