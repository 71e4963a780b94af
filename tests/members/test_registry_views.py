"""The coordinator's pages of the register: the register (search, exports with formula injection neutralised), a
member's page and its operations (refusals shown next to their field), the certificate of shares (PDF: its text;
the member's own only), the colleges (the check shown, weights edited), the capital page (figures and chart)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from coopnum.core import clock, settings
from coopnum.members.models import MemberStatus
from coopnum.members.services import capital, registry
from tests import days, factories
from tests.conftest import login, text_of
from tests.members import factories_registry as mf
from tests.pdftext import pdf_text


@pytest.fixture
def cols(session):
    return mf.colleges(session)


@pytest.fixture
def coordinator(client, users):
    login(client, users["coordinator"])
    return users["coordinator"]


def test_the_register_searches_by_name_number_college_and_status(client, session, cols, coordinator):
    mf.member(session, cols[0], name="Alice Dupont", shares=1)
    mf.member(session, cols[1], name="Bruno Martin", shares=3)
    mf.member(session, cols[1], name="Chloé Candidate", shares=0)
    page = text_of(client.get("/members/"))
    assert "Alice Dupont" in page and "Bruno Martin" in page and "Chloé Candidate" in page
    page = text_of(client.get("/members/?q=dupont"))
    assert "Alice Dupont" in page and "Bruno Martin" not in page
    page = text_of(client.get("/members/?q=2"))
    assert "Bruno Martin" in page and "Alice Dupont" not in page
    page = text_of(client.get(f"/members/?college_id={cols[1].id}&status=candidate"))
    assert "Chloé Candidate" in page and "Bruno Martin" not in page


def test_the_exports_neutralise_formulas(client, session, cols, coordinator):
    mf.member(session, cols[0], name='=HYPERLINK("http://x";"clic")', shares=2, city="+Poitiers")
    mf.member(session, cols[1], name="Bruno Martin", shares=1)
    response = client.get("/members/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["N°", "Nom"]
    evil = next(r for r in rows if "HYPERLINK" in r[1])
    assert evil[1].startswith("'=") and evil[15] == "'+Poitiers" and evil[9] == "2"
    response = client.get("/members/register.xlsx?q=bruno")
    ws = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert len(values) == 2 and values[1][1] == "Bruno Martin" and values[1][0] == 2
    response = client.get("/members/register.xlsx")
    ws = load_workbook(io.BytesIO(response.data)).active
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # the text, never a formula
    assert client.get("/members/register.pdf").status_code == 404


def test_a_candidate_is_created_then_admitted_from_its_page(client, session, cols, coordinator):
    r = client.post("/members/new", data={"name": "Claire Martin", "kind": "person", "college_id": cols[2].id,
                                           "applied_on": days.days(-5).isoformat(), "email": "claire@example.org"})
    assert r.status_code == 302
    member_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    r = client.post(f"/members/{member_id}/admit", data={"admit-on": days.days(-1).isoformat(), "admit-body": "board",
                                                         "admit-shares": "2", "admit-paid_cents": "10"})
    assert r.status_code == 400 and "Au moins 25,00" in text_of(r)  # shown on the page, next to the field
    r = client.post(f"/members/{member_id}/admit", data={"admit-on": days.days(-1).isoformat(), "admit-body": "board",
                                                         "admit-shares": "2", "admit-paid_cents": "25"})
    assert r.status_code == 302
    page = text_of(client.get(f"/members/{member_id}"))
    assert "n° 1" in page and "Souscription" in page and "Certificat de parts (PDF)" in page
    member = session.get(registry.Member, member_id)
    assert member.status == MemberStatus.ADMITTED and capital.balance(session, member_id).paid_cents == 2500


def test_a_reimbursement_under_the_floor_is_refused_on_the_page(client, session, cols, coordinator):
    mf.member(session, cols[0], name="Alice", shares=2)
    big = mf.member(session, cols[1], name="Bruno", shares=10)
    registry.leave(session, None, big, status=MemberStatus.RESIGNED, on=days.days(-2), body="member",
                   now=clock.now())
    session.commit()
    r = client.post(f"/members/{big.id}/reimburse", data={"reimburse-shares": "10",
                                                          "reimburse-on": days.days(-1).isoformat()})
    assert r.status_code == 400
    page = text_of(r)
    assert "plancher de 150,00" in page and "(le plus élevé du minimum statutaire" in page
    assert capital.balance(session, big.id).shares == 10
    r = client.post(f"/members/{big.id}/reimburse", data={"reimburse-shares": "9",
                                                          "reimburse-on": days.days(-1).isoformat()})
    assert r.status_code == 302 and capital.balance(session, big.id).shares == 1


def test_moves_leaving_and_account_link_from_the_page(client, session, cols, coordinator, users):
    m = mf.member(session, cols[0], name="Alice", shares=1, on=days.days(-30))
    session.commit()
    r = client.post(f"/members/{m.id}/move", data={"move-college_id": cols[3].id, "move-on": days.days(-2).isoformat(),
                                                  "move-reason": "Départ de l'équipe"})
    assert r.status_code == 302
    r = client.post(f"/members/{m.id}/link", data={"link-email": "inconnu@example.org"})
    assert r.status_code == 400 and "Aucun compte" in text_of(r)
    r = client.post(f"/members/{m.id}/link", data={"link-email": users["mediator"].email})
    assert r.status_code == 302
    r = client.post(f"/members/{m.id}/leave", data={"leave-status": "resigned", "leave-on": days.days(-1).isoformat(),
                                                   "leave-body": "member", "leave-reference": "Lettre"})
    assert r.status_code == 302
    page = text_of(client.get(f"/members/{m.id}"))
    assert "Salariés → Soutiens (Départ de l'équipe)" in page and "Démission" in page and users["mediator"].email in page


def test_the_certificate_of_shares(client, session, cols, users):
    settings.set_value(session, None, "company.name", "Coop'Num Vienne", now=clock.now())
    own = mf.member(session, cols[0], name="Chloé Fontaine", shares=3, paid_cents=10000, user=users["member"])
    other = mf.member(session, cols[1], name="Autre Sociétaire", shares=1)
    session.commit()
    login(client, users["member"])
    response = client.get(f"/members/{own.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    assert "Certificat de parts sociales" in text and "Coop'Num Vienne" in text and "Chloé Fontaine" in text
    assert f"N° {own.number:05d}-00002" in text  # register number and the last ledger line
    assert "n° 1" in text and "Nombre de parts sociales 3" in text and "50,00 €" in text
    assert "Capital libéré 100,00 €" in text and "Reste à libérer 50,00 €" in text
    assert client.get(f"/members/{other.id}/certificate.pdf").status_code == 403
    candidate = mf.member(session, cols[1], name="Candidate", shares=0)
    session.commit()
    client.post("/logout")
    login(client, users["coordinator"])
    assert client.get(f"/members/{candidate.id}/certificate.pdf").status_code == 404  # not numbered yet
    assert client.get(f"/members/{other.id}/certificate.pdf").status_code == 200


def test_the_member_index_and_what_a_member_cannot_see(client, session, cols, users):
    mf.member(session, cols[0], name="Chloé Fontaine", shares=1, user=users["member"])
    session.commit()
    login(client, users["member"])
    response = client.get("/members/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/members/me")  # its space
    page = text_of(client.get("/members/me"))
    assert "sociétaire n° 1" in page and "Mon certificat de parts (PDF)" in page
    assert "Registre des sociétaires" not in page
    assert client.get("/members/capital").status_code == 403
    assert client.get("/members/register.csv").status_code == 403


def test_the_colleges_page_shows_the_check_and_edits_weights(client, session, cols, coordinator):
    registry.update_college(session, None, cols[3], weight_percent=30, now=clock.now())
    session.commit()
    page = text_of(client.get("/members/colleges"))
    assert "110\u00a0% au lieu de 100\u00a0%" in page and "data-colleges-invalid" in page
    r = client.post(f"/members/colleges/{cols[3].id}", data={f"c{cols[3].id}-name": "Soutiens",
                                                             f"c{cols[3].id}-weight_percent": "20",
                                                             f"c{cols[3].id}-active": "y"})
    assert r.status_code == 302
    page = text_of(client.get("/members/colleges"))
    assert "data-colleges-valid" in page
    r = client.post("/members/colleges", data={"new-name": "Salariés", "new-weight_percent": "10"})
    assert r.status_code == 400 and "s'appelle déjà" in text_of(r)


def test_the_capital_page(client, session, cols, coordinator):
    mf.member(session, cols[0], name="Alice", shares=4, paid_cents=10000, on=days.days(-800))
    town = mf.member(session, cols[1], name="Commune", kind="organisation", public_body=True, shares=1,
                     on=days.days(-10))
    assert town.number == 2
    session.commit()
    response = client.get("/members/capital")
    page = text_of(response)
    assert response.status_code == 200
    assert "250,00 €" in page  # 5 shares of 50 €
    assert "20,0 %" in page  # the public bodies' share
    assert "62,50 €" in page  # the floor: ¼ of 250 €
    assert "<svg" in page and "Capital en fin d'année" in page and "style=" not in page
    assert str(days.days(-800).year) in page
    assert "Souscription" in text_of(client.get("/members/capital?kind=subscription"))


def test_a_member_account_of_another_role_sees_nothing(client, session, cols, users):
    mediator = factories.user(session, roles=["mediator"])
    m = mf.member(session, cols[0], shares=1)
    session.commit()
    login(client, mediator)
    assert client.get(f"/members/{m.id}/certificate.pdf").status_code == 403
