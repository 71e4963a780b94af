import re
from datetime import timedelta

from sqlalchemy import select

from coopnum.core import clock, services
from coopnum.core.models import ApiToken
from tests.conftest import login


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_me_with_a_valid_token(client, users, session):
    _token, clear = services.create_token(session, users["mediator"], users["mediator"], "tableur", now=clock.now())
    session.commit()
    response = client.get("/api/v1/me", headers=bearer(clear))
    assert response.status_code == 200
    assert response.json["email"] == users["mediator"].email
    assert response.json["roles"] == ["mediator"]


def test_unknown_token_gives_a_json_401(client, users):
    response = client.get("/api/v1/me", headers=bearer("cn_nope"))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert "Jeton" in response.json["error"]["message"]


def test_missing_header_gives_a_json_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json["error"]) >= {"code", "message"}


def test_revoked_and_expired_tokens_are_refused(client, users, session):
    user = users["member"]
    token, clear = services.create_token(session, user, user, "a", now=clock.now())
    expired, clear_expired = services.create_token(session, user, user, "b", now=clock.now(),
                                                   expires_at=clock.now() - timedelta(minutes=1))
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(clear)).status_code == 200
    services.revoke_token(session, user, token, now=clock.now())
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(clear)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(clear_expired)).status_code == 401


def test_tokens_are_hashed_at_rest(client, users, session):
    _token, clear = services.create_token(session, users["member"], users["member"], "a", now=clock.now())
    session.commit()
    stored = session.execute(select(ApiToken)).scalar_one()
    assert clear not in (stored.token_hash, stored.prefix)
    assert len(stored.token_hash) == 64


def test_token_of_a_deactivated_user_is_refused(client, users, session):
    _token, clear = services.create_token(session, users["member"], users["member"], "a", now=clock.now())
    users["member"].active = False
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(clear)).status_code == 401


def test_unknown_api_url_gives_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_gives_json_405(client):
    response = client.post("/api/v1/me")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_openapi_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/me" in doc["paths"]
    me = doc["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    schema_ref = me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][name]["properties"]) >= {"id", "email", "roles"}
    api_rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    documented = {p.replace("{", "<").replace("}", ">") for p in doc["paths"]}
    normalised = {re.sub(r"<\w+:", "<", r) for r in api_rules}  # <id:invoice_id> → <invoice_id>
    assert normalised == documented


def test_token_created_in_the_ui_is_shown_once_and_works(client, users):
    login(client, users["coordinator"])
    response = client.post("/account/tokens", data={"tok-name": "tableur"})
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    clear = page.split('data-testid="new-token">', 1)[1].split("<", 1)[0]
    assert clear.startswith("cn_")
    assert clear not in client.get("/account").get_data(as_text=True)  # shown once
    assert client.get("/api/v1/me", headers=bearer(clear)).status_code == 200


def test_create_token_cli_prints_a_working_token(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-token", users["authority"].email])
    assert result.exit_code == 0, result.output
    clear = result.output.strip().splitlines()[-1]
    assert app.test_client().get("/api/v1/me", headers=bearer(clear)).json["email"] == users["authority"].email
    result = runner.invoke(args=["create-token", "nobody@example.org"])
    assert result.exit_code != 0 and "Aucun compte" in result.output
