"""Formula injection in the accounting files: a client named ``=HYPERLINK(…)`` never becomes a formula in the sales
CSV nor in the FEC; amounts (credit notes: negative) stay numbers."""

import csv
import io
from datetime import UTC, datetime

import pytest

from coopnum.billing.services import accounting, credit_notes
from tests import days, factories
from tests.billing import factories as bf
from tests.conftest import login

Y = days.year_start(-1).year
HOSTILE = '=HYPERLINK("http://x";"clic")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_sales(session, users):
    actor = users["coordinator"]
    bf.company(session)
    org = factories.organisation(session, name=HOSTILE)  # saved before the forms refused such names
    other = factories.organisation(session, name="@SUM(1+1)*cmd|' /C calc'!A0")
    invoice = bf.issued_invoice(session, actor, organisation=org, now=datetime(Y, 3, 2, 9, tzinfo=UTC))
    bf.issued_invoice(session, actor, organisation=other, now=datetime(Y, 3, 3, 9, tzinfo=UTC))
    note = credit_notes.create_credit_note(session, actor, invoice, reason="Erreur", now=datetime(Y, 3, 9, 9, tzinfo=UTC),
                                       render=bf.fake_render)
    session.commit()
    return {"invoice": invoice, "note": note}


def test_sales_csv_neutralises_hostile_names(client, users, hostile_sales):
    login(client, users["coordinator"])
    response = client.get(f"/billing/accounting/sales.csv?date_from={Y}-01-01&date_to={Y}-12-31")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[hostile_sales["invoice"].number][4] == "'" + HOSTILE
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in {row[4] for row in rows[1:]}
    assert by_number[hostile_sales["note"].number][6:9] == ["-450,00", "-90,00", "-540,00"]  # numbers stay
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS) or cell.startswith("-") and cell[1:].replace(",", "").isdigit()


def test_fec_neutralises_hostile_names(session, hostile_sales, tmp_path):
    text = accounting.write_fec(session, Y, tmp_path).read_bytes().decode("iso-8859-15")
    rows = [line.split("|") for line in text.split("\r\n")[1:-1]]
    assert rows
    aux_labels = {row[7] for row in rows if row[6]}
    assert "'" + HOSTILE in aux_labels
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS), row
