"""Formula injection (OWASP "CSV injection"): no file the application writes carries a cell that a spreadsheet runs.

One rule, ``coopnum.core.spreadsheet``: the activity export, the open-data file (places), the report workbook
helper; names of places and organisations starting with ``= + - @`` are refused at input with a French message.
(The sales CSV and the FEC: tests/billing/test_sales_csv_injection.py.)"""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from coopnum.activities.services import exports
from coopnum.core import spreadsheet
from coopnum.core.errors import DomainError
from coopnum.organisations import lamednum
from coopnum.organisations.models import Organisation, Place
from coopnum.organisations.services import organisations as org_services
from coopnum.organisations.services import places as place_services
from tests import factories
from tests.conftest import login, text_of
from tests.organisations.test_organisations import values as org_values
from tests.organisations.test_places import NOW, form_data, full_values

HOSTILE = '=HYPERLINK("http://x";"clic")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


# --- the rule -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [HOSTILE, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=1"])
def test_formula_like_texts_get_an_apostrophe(text):
    assert spreadsheet.is_formula_like(text)
    assert spreadsheet.csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Ville de Poitiers", "-12,50", "+33549523151", "-0.57", "12", 45, None, "",
                                   "a=b", "Saint-Benoît"])
def test_plain_values_and_numbers_are_kept(value):
    assert not spreadsheet.is_formula_like(value)
    assert spreadsheet.csv_cell(value) == value


def test_a_workbook_is_defused_into_text_cells(tmp_path):
    wb = Workbook()
    wb.active.append(["Structure", HOSTILE, 12])
    assert spreadsheet.defuse_workbook(wb) == 1
    wb.save(tmp_path / "r.xlsx")
    cell = load_workbook(tmp_path / "r.xlsx").active["B1"]
    assert (cell.value, cell.data_type) == (HOSTILE, "s")


# --- activity export ------------------------------------------------------------------------------------------------

def test_activity_csv_neutralises_every_column(tmp_path):
    """Labels from the editable reference lists too, not only the free-text columns; numbers stay numbers."""
    path = tmp_path / "a.csv"
    exports.write_csv(path, ["Type", "Nom du lieu", "Durée (min)", "Code postal"],
                      [[["@SUM(1+1)", HOSTILE, 45, "-1"]]])
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1] == ["'@SUM(1+1)", "'" + HOSTILE, "45", "-1"]


def test_activity_xlsx_writes_formulas_as_text(tmp_path):
    path = tmp_path / "a.xlsx"
    exports.write_xlsx(path, ["Type", "Nom du lieu"], [[["@SUM(1+1)", HOSTILE]]], info=[("Nom", HOSTILE)],
                       filters=[("Lieu", HOSTILE)])
    cells = [c for row in load_workbook(path).active.iter_rows() for c in row if c.value is not None]
    assert [c.value for c in cells if c.value == HOSTILE] == [HOSTILE] * 3
    assert all(c.data_type != "f" for c in cells)


# --- places and open data -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("nom", HOSTILE), ("commune", "+Poitiers"), ("adresse", "@1 rue X"), ("structure_parente", "-1+1"),
    ("presentation_detail", "=1+1"), ("complement_adresse", "=A1"),
])
def test_a_place_with_a_formula_is_refused(session, users, field, value):
    with pytest.raises(DomainError) as info:
        place_services.create_place(session, users["coordinator"], full_values(**{field: value}), now=NOW)
    assert "ne doit pas commencer par =, +, -, @" in info.value.details["fields"][field]
    session.rollback()
    assert session.execute(select(func.count()).select_from(Place)).scalar_one() == 0


def test_the_place_form_shows_the_message_next_to_the_name(client, session, users):
    login(client, users["coordinator"])
    response = client.post("/missions/places/new", data=form_data(nom=HOSTILE))
    assert response.status_code == 400
    page = text_of(response)
    start = page.index('id="nom-error"')
    assert "ne doit pas commencer par =, +, -, @" in page[start:start + 400]
    assert session.execute(select(func.count()).select_from(Place)).scalar_one() == 0


def test_open_data_csv_neutralises_names_saved_before_the_rule(client, session):
    """A place saved before the rule (or straight in the database) is still published, without a formula."""
    factories.place(session, name=HOSTILE, address="@2 rue de la Gare", city="+Poitiers", published=True,
                    presentation_detail="- ateliers\n- permanences")
    factories.place(session, name="Médiathèque", published=True, latitude="-0.5", longitude="-1.25")
    session.commit()
    response = client.get("/open-data/lieux.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert len(rows) == 2
    hostile = next(row for row in rows if row["nom"] != "Médiathèque")
    assert hostile["nom"] == "'" + HOSTILE
    assert hostile["adresse"] == "'@2 rue de la Gare" and hostile["commune"] == "'+Poitiers"
    assert hostile["presentation_detail"] == "'- ateliers\n- permanences"
    plain = next(row for row in rows if row["nom"] == "Médiathèque")
    assert plain["latitude"] == "-0.5" and plain["longitude"] == "-1.25"  # numbers stay numbers
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(DANGEROUS) or name in ("latitude", "longitude"), (name, cell)
    assert lamednum.validate_rows(rows) == []  # the file still validates against the schema


# --- organisations --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["name", "address", "address_complement", "city"])
def test_an_organisation_with_a_formula_is_refused(session, users, now, field):
    with pytest.raises(DomainError) as info:
        org_services.create_organisation(session, users["coordinator"],
                                         org_services.OrganisationData(**org_values(**{field: HOSTILE})), now=now)
    assert info.value.field == field and "ne doit pas commencer par =, +, -, @" in info.value.message


def test_the_organisation_form_shows_the_message_next_to_the_name(client, session, users):
    login(client, users["coordinator"])
    response = client.post("/missions/organisations/new", data=org_values(name=HOSTILE))
    assert response.status_code == 400
    page = text_of(response)
    assert "Le nom ne doit pas commencer par =, +, -, @" in page and 'class="field-error"' in page
    assert session.execute(select(Organisation).where(Organisation.name == HOSTILE)).first() is None
    org = factories.organisation(session, name="Commune A")
    session.commit()
    response = client.post(f"/missions/organisations/{org.id}/edit",
                           data=org_values(name="@Commune B", siret=org.siret))
    assert response.status_code == 400 and "Le nom ne doit pas commencer" in text_of(response)
    assert session.get(Organisation, org.id).name == "Commune A"
