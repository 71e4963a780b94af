"""The billing API: invoices (list, draft from work, read, issue, documents, credit notes) and payments, with the
per-object access of each role."""

import pytest
from sqlalchemy import select

from coopnum.billing import documents
from coopnum.billing.models import InvoiceDocument, Payment
from coopnum.core import clock, services
from coopnum.organisations.models import Organisation
from tests import days, factories
from tests.billing import factories as bf

YEAR = days.TODAY.year  # the series of the invoices issued now
TODAY, YESTERDAY = days.TODAY.isoformat(), days.days(-1).isoformat()


@pytest.fixture
def tokens(session, users):
    result = {}
    for role, user in users.items():
        _token, clear = services.create_token(session, user, user, "api test", now=clock.now())
        result[role] = {"Authorization": f"Bearer {clear}"}
    session.commit()
    return result


@pytest.fixture
def data(session, users, monkeypatch):
    monkeypatch.setattr(documents, "render", bf.fake_render)  # the real renderer is tested elsewhere
    coordinator = users["coordinator"]
    own = session.get(Organisation, users["authority"].organisation_id)
    other = factories.organisation(session, name="Commune Voisine")
    bf.company(session)
    conv, _mission, held = bf.billable_convention(session, mediator=users["mediator"], organisation=own)
    issued = bf.issued_invoice(session, coordinator, organisation=own)
    draft = bf.draft_invoice(session, coordinator, organisation=own)
    foreign = bf.issued_invoice(session, coordinator, organisation=other)
    session.commit()
    return {"own": own, "other": other, "convention": conv, "held": held, "issued": issued, "draft": draft,
            "foreign": foreign}


def _numbers(response) -> set:
    return {item["number"] for item in response.get_json()["items"]}


# --- invoices -------------------------------------------------------------------------------------------------------

def test_list_as_staff_with_filters(client, tokens, data):
    staff = tokens["coordinator"]
    body = client.get("/api/v1/invoices", headers=staff).get_json()
    assert body["total"] == 3 and {"items", "page", "per_page", "pages"} <= set(body)
    assert _numbers(client.get("/api/v1/invoices?status=draft", headers=staff)) == {None}
    assert _numbers(client.get(f"/api/v1/invoices?organisation_id={data['other'].id}", headers=staff)) == {
        data["foreign"].number}
    assert _numbers(client.get("/api/v1/invoices?state=paid", headers=staff)) == set()
    assert len(_numbers(client.get("/api/v1/invoices?state=open&kind=invoice", headers=staff))) == 2
    response = client.get("/api/v1/invoices?status=paid", headers=staff)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "status"
    assert "Statut inconnu" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/invoices?state=late", headers=staff).status_code == 422


def test_list_as_authority_sees_own_issued_only(client, tokens, data):
    auth = tokens["authority"]
    assert _numbers(client.get("/api/v1/invoices", headers=auth)) == {data["issued"].number}
    assert _numbers(client.get("/api/v1/invoices?status=draft", headers=auth)) == set()
    assert _numbers(client.get(f"/api/v1/invoices?organisation_id={data['other'].id}", headers=auth)) == set()
    item = client.get("/api/v1/invoices", headers=auth).get_json()["items"][0]
    assert item["state"] == "unpaid" and item["balance_cents"] == 54000
    assert {d["kind"] for d in item["documents"]} == {"pdf", "facturx"}
    assert all(d["url"].startswith(f"/api/v1/invoices/{data['issued'].id}/pdf?kind=") for d in item["documents"])


@pytest.mark.parametrize("role", ["mediator", "member"])
def test_no_access_for_mediators_and_members(client, tokens, data, role):
    headers = tokens[role]
    inv = data["issued"].id
    for method, url in (("GET", "/api/v1/invoices"), ("POST", "/api/v1/invoices"),
                        ("GET", f"/api/v1/invoices/{inv}"), ("POST", f"/api/v1/invoices/{inv}/issue"),
                        ("GET", f"/api/v1/invoices/{inv}/pdf"), ("POST", f"/api/v1/invoices/{inv}/credit-notes"),
                        ("GET", "/api/v1/payments"), ("POST", "/api/v1/payments")):
        assert client.open(url, method=method, headers=headers, json={}).status_code == 403, url


def test_create_draft_from_work(client, tokens, data):
    staff, conv = tokens["coordinator"], data["convention"]
    body = {"convention_id": conv.id, "period_start": bf.WORK_MONTH.isoformat(),
            "period_end": days.month_end(-1).isoformat()}  # the month of the convention's held sessions
    response = client.post("/api/v1/invoices", headers=staff, json=body)
    assert response.status_code == 201, response.get_json()
    invoice = response.get_json()
    assert invoice["status"] == "draft" and invoice["number"] is None and invoice["convention_id"] == conv.id
    assert invoice["period_start"] == bf.WORK_MONTH.isoformat() and invoice["state"] == "draft"
    [line] = invoice["lines"]
    assert sorted(line["session_ids"]) == sorted(s.id for s in data["held"])
    assert float(line["quantity"]) == 6 and line["unit"] == "hour"
    assert invoice["total_excl_cents"] == 27000 and invoice["total_incl_cents"] == 32400
    again = client.post("/api/v1/invoices", headers=staff, json=body)
    assert again.status_code == 422 and "Rien à facturer" in again.get_json()["error"]["message"]
    missing = client.post("/api/v1/invoices", headers=staff, json={**body, "convention_id": 999999})
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "convention_id"
    bad = client.post("/api/v1/invoices", headers=staff, json={"convention_id": conv.id, "period_start": "hier"})
    assert bad.status_code == 422 and "date attendue" in str(bad.get_json()["error"]["details"])
    assert client.post("/api/v1/invoices", headers=tokens["authority"], json=body).status_code == 403


def test_get_one_per_object(client, tokens, data):
    staff, auth = tokens["coordinator"], tokens["authority"]
    for key in ("issued", "draft", "foreign"):
        assert client.get(f"/api/v1/invoices/{data[key].id}", headers=staff).status_code == 200
    response = client.get(f"/api/v1/invoices/{data['issued'].id}", headers=auth)
    assert response.status_code == 200 and response.get_json()["number"] == data["issued"].number
    assert client.get(f"/api/v1/invoices/{data['draft'].id}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/invoices/{data['foreign'].id}", headers=auth).status_code == 404
    assert client.get("/api/v1/invoices/999999", headers=staff).status_code == 404
    assert client.get(f"/api/v1/invoices/{data['issued'].id}").status_code == 401


def test_issue(client, session, tokens, data):
    staff, draft = tokens["coordinator"], data["draft"]
    assert client.post(f"/api/v1/invoices/{draft.id}/issue", headers=tokens["authority"]).status_code == 403
    response = client.post(f"/api/v1/invoices/{draft.id}/issue", headers=staff)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "issued" and body["number"] == f"F{YEAR}-00003" and body["issue_date"] == TODAY
    assert {d["kind"] for d in body["documents"]} == {"facturx", "pdf"}
    again = client.post(f"/api/v1/invoices/{draft.id}/issue", headers=staff)
    assert again.status_code == 409 and "déjà émise" in again.get_json()["error"]["message"]


def test_issue_refused_is_422_and_burns_no_number(client, session, users, tokens, data):
    empty = bf.draft_invoice(session, users["coordinator"], organisation=data["own"], lines=[])
    for line in list(empty.lines):
        empty.lines.remove(line)
    session.commit()
    response = client.post(f"/api/v1/invoices/{empty.id}/issue", headers=tokens["coordinator"])
    assert response.status_code == 422 and "aucune ligne" in response.get_json()["error"]["message"]
    response = client.post(f"/api/v1/invoices/{data['draft'].id}/issue", headers=tokens["coordinator"])
    assert response.get_json()["number"] == f"F{YEAR}-00003"


def test_pdf_downloads(client, session, tokens, data):
    staff, auth, issued = tokens["coordinator"], tokens["authority"], data["issued"]
    stored = {d.kind: d for d in session.execute(
        select(InvoiceDocument).where(InvoiceDocument.invoice_id == issued.id)).scalars()}
    response = client.get(f"/api/v1/invoices/{issued.id}/pdf", headers=auth)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == stored["facturx"].content
    assert response.headers["X-Content-SHA256"] == stored["facturx"].sha256
    response = client.get(f"/api/v1/invoices/{issued.id}/pdf?kind=pdf", headers=staff)
    assert response.data == stored["pdf"].content
    assert client.get(f"/api/v1/invoices/{issued.id}/pdf?kind=xml", headers=staff).status_code == 422
    draft = client.get(f"/api/v1/invoices/{data['draft'].id}/pdf", headers=staff)
    assert draft.status_code == 409 and "brouillon" in draft.get_json()["error"]["message"]
    assert client.get(f"/api/v1/invoices/{data['draft'].id}/pdf", headers=auth).status_code == 404
    assert client.get(f"/api/v1/invoices/{data['foreign'].id}/pdf", headers=auth).status_code == 404


def test_credit_notes(client, session, tokens, data):
    staff, issued = tokens["coordinator"], data["issued"]
    line_id = issued.lines[0].id
    url = f"/api/v1/invoices/{issued.id}/credit-notes"
    assert client.post(url, headers=tokens["authority"], json={"reason": "x"}).status_code == 403
    too_much = client.post(url, headers=staff, json={"reason": "Erreur", "lines": [{"line_id": line_id,
                                                                                     "quantity": "11"}]})
    assert too_much.status_code == 422 and "au plus restent" in too_much.get_json()["error"]["message"]
    assert client.post(url, headers=staff, json={"lines": []}).status_code == 422  # reason missing
    partial = client.post(url, headers=staff, json={"reason": "Séance annulée",
                                                    "lines": [{"line_id": line_id, "quantity": "2"}]})
    assert partial.status_code == 201, partial.get_json()
    note = partial.get_json()
    assert note["kind"] == "credit_note" and note["status"] == "issued" and note["number"] == f"A{YEAR}-00001"
    assert note["credit_of_id"] == issued.id and note["total_incl_cents"] == 10800
    assert note["lines"][0]["credited_line_id"] == line_id
    rest = client.post(url, headers=staff, json={"reason": "Annulation"})
    assert rest.status_code == 201 and rest.get_json()["total_incl_cents"] == 54000 - 10800
    after = client.get(f"/api/v1/invoices/{issued.id}", headers=staff).get_json()
    assert after["credited_cents"] == 54000 and after["state"] == "credited"
    on_draft = client.post(f"/api/v1/invoices/{data['draft'].id}/credit-notes", headers=staff,
                           json={"reason": "x"})
    assert on_draft.status_code == 409
    on_note = client.post(f"/api/v1/invoices/{note['id']}/credit-notes", headers=staff, json={"reason": "x"})
    assert on_note.status_code == 409


# --- payments -------------------------------------------------------------------------------------------------------

def test_record_and_list_payments(client, session, tokens, data):
    staff, auth = tokens["coordinator"], tokens["authority"]
    body = {"invoice_id": data["issued"].id, "amount_cents": 20000, "received_on": TODAY,  # the issue day
            "method": "transfer", "reference": "VIR-123", "notes": "interne"}
    assert client.post("/api/v1/payments", headers=auth, json=body).status_code == 403
    response = client.post("/api/v1/payments", headers=staff, json=body)
    assert response.status_code == 201, response.get_json()
    payment = response.get_json()
    assert payment["invoice_number"] == data["issued"].number and payment["amount_cents"] == 20000
    over = client.post("/api/v1/payments", headers=staff, json={**body, "amount_cents": 40000})
    assert over.status_code == 422 and "dépasse le solde" in over.get_json()["error"]["message"]
    unknown = client.post("/api/v1/payments", headers=staff, json={**body, "invoice_id": 999999})
    assert unknown.status_code == 422 and unknown.get_json()["error"]["field"] == "invoice_id"
    bad = client.post("/api/v1/payments", headers=staff, json={**body, "method": "bitcoin"})
    assert bad.status_code == 422
    client.post("/api/v1/payments", headers=staff, json={
        "invoice_id": data["foreign"].id, "amount_cents": 1000, "received_on": TODAY, "method": "cheque"})
    assert len(session.execute(select(Payment)).scalars().all()) == 2
    staff_list = client.get("/api/v1/payments", headers=staff).get_json()
    assert staff_list["total"] == 2 and staff_list["items"][0]["method"] == "cheque"  # newest first
    assert client.get("/api/v1/payments?method=cheque", headers=staff).get_json()["total"] == 1
    assert client.get(f"/api/v1/payments?invoice_id={data['issued'].id}", headers=staff).get_json()["total"] == 1
    assert client.get(f"/api/v1/payments?date_to={YESTERDAY}", headers=staff).get_json()["total"] == 0
    assert client.get(f"/api/v1/payments?date_from={TODAY}", headers=staff).get_json()["total"] == 2
    assert client.get("/api/v1/payments?date_from=demain", headers=staff).status_code == 422
    assert client.get("/api/v1/payments?method=bitcoin", headers=staff).status_code == 422
    mine = client.get("/api/v1/payments", headers=auth).get_json()
    assert mine["total"] == 1 and mine["items"][0]["invoice_id"] == data["issued"].id
    assert mine["items"][0]["notes"] == "" and mine["items"][0]["reference"] == "VIR-123"
    assert client.get(f"/api/v1/payments?organisation_id={data['other'].id}", headers=auth).get_json()["total"] == 0
    invoice = client.get(f"/api/v1/invoices/{data['issued'].id}", headers=auth).get_json()
    assert invoice["paid_cents"] == 20000 and invoice["balance_cents"] == 34000 and invoice["state"] == "partial"


def test_openapi_lists_the_billing_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/invoices", "/api/v1/invoices/{invoice_id}", "/api/v1/invoices/{invoice_id}/issue",
                 "/api/v1/invoices/{invoice_id}/pdf", "/api/v1/invoices/{invoice_id}/credit-notes",
                 "/api/v1/payments"):
        assert path in paths
    assert set(paths["/api/v1/invoices"]) == {"get", "post"}
    pdf = paths["/api/v1/invoices/{invoice_id}/pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]


def test_received_on_in_the_future_is_refused(client, tokens, data):
    response = client.post("/api/v1/payments", headers=tokens["coordinator"], json={
        "invoice_id": data["issued"].id, "amount_cents": 100, "received_on": days.days(1).isoformat()})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "received_on"  # tomorrow
