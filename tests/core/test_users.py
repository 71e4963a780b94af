from sqlalchemy import select

from coopnum.core.models import AuditLog, User
from tests.conftest import login, text_of


def test_coordinator_creates_an_account_and_invitation_is_mailed(client, users, smtp_server, session):
    login(client, users["coordinator"])
    response = client.post("/users/new", data={
        "email": "Nouvelle.Mediatrice@Example.org", "full_name": "Nouvelle Médiatrice", "roles": ["mediator", "member"],
        "organisation_id": "0", "active": "y", "send_invitation": "y"})
    assert response.status_code == 302
    user = session.execute(select(User).where(User.email == "nouvelle.mediatrice@example.org")).scalar_one()
    assert user.role_set == {"mediator", "member"}
    assert user.password_hash is None
    assert smtp_server[0]["To"] == "nouvelle.mediatrice@example.org"
    assert "Choisissez votre mot de passe" in smtp_server[0].get_body().get_content()
    assert session.execute(select(AuditLog).where(AuditLog.object_type == "User",
                                                  AuditLog.object_id == str(user.id))).scalar_one()


def test_duplicate_email_and_missing_role_are_reported(client, users):
    login(client, users["coordinator"])
    response = client.post("/users/new", data={"email": users["member"].email, "full_name": "X", "roles": ["member"],
                                                "organisation_id": "0"})
    assert response.status_code == 400
    assert "Un compte existe déjà avec cette adresse." in response.get_data(as_text=True)
    response = client.post("/users/new", data={"email": "a@example.org", "full_name": "X", "organisation_id": "0"})
    assert response.status_code == 400
    assert "Choisissez au moins un rôle." in response.get_data(as_text=True)


def test_authority_account_needs_an_organisation(client, users):
    login(client, users["coordinator"])
    response = client.post("/users/new", data={"email": "mairie@example.org", "full_name": "Mme Maire",
                                                "roles": ["authority"], "organisation_id": "0"})
    assert response.status_code == 400
    assert "rattaché à une structure" in response.get_data(as_text=True)


def test_coordinator_cannot_grant_admin_nor_edit_an_admin(client, users, session):
    login(client, users["coordinator"])
    response = client.post("/users/new", data={"email": "b@example.org", "full_name": "B", "roles": ["admin"],
                                                "organisation_id": "0"})
    assert response.status_code == 400
    assert "Seul un administrateur" in response.get_data(as_text=True)
    assert session.execute(select(User).where(User.email == "b@example.org")).scalar_one_or_none() is None
    assert client.get(f"/users/{users['admin'].id}").status_code == 403
    # the accounts list names the administrator without a link the coordinator could not follow
    listing = text_of(client.get("/users"))
    assert users["admin"].full_name in listing and f'href="/users/{users["admin"].id}"' not in listing
    assert f'href="/users/{users["mediator"].id}"' in listing


def test_deactivating_an_account_logs_it_out_and_audits_before_after(app, users, session):
    coordinator, member = app.test_client(), app.test_client()
    login(coordinator, users["coordinator"])
    login(member, users["member"])
    response = coordinator.post(f"/users/{users['member'].id}", data={
        "full_name": users["member"].full_name, "roles": ["member"], "organisation_id": "0"})  # active unchecked
    assert response.status_code == 302
    assert member.get("/").status_code == 302
    entry = session.execute(select(AuditLog).where(AuditLog.action == "update")).scalar_one()
    assert entry.changes["before"]["active"] is True and entry.changes["after"]["active"] is False


def test_users_list_filters_by_role_and_search(client, users):
    login(client, users["coordinator"])
    body = client.get("/users?role=authority").get_data(as_text=True)
    assert users["authority"].email in body and users["mediator"].email not in body
    body = client.get(f"/users?q={users['mediator'].email[:12]}").get_data(as_text=True)
    assert users["mediator"].email in body and users["authority"].email not in body
