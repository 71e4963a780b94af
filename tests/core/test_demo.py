from sqlalchemy import func, select

from coopnum.core.models import Role, User, UserRole
from coopnum.demo import DEMO_PASSWORD, demo_logins
from coopnum.missions.models import Organisation, Place


def count(session, stmt):
    return session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def test_seed_demo_fills_an_empty_database_and_prints_logins(app, session):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    for _label, email in demo_logins():
        assert email in result.output
    assert DEMO_PASSWORD in result.output

    def with_role(role):
        return count(session, select(UserRole).where(UserRole.role == role))

    assert with_role(Role.MEDIATOR) == 15
    assert with_role(Role.COORDINATOR) == 1
    assert with_role(Role.MEMBER) >= 30
    assert count(session, select(Organisation)) == 12
    assert with_role(Role.AUTHORITY) == 12
    assert count(session, select(Place)) >= 12
    # every authority login is tied to its organisation
    orphans = select(User).join(UserRole).where(UserRole.role == Role.AUTHORITY, User.organisation_id.is_(None))
    assert count(session, orphans) == 0


def test_seed_demo_does_nothing_on_a_database_with_data(app, session, users):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    assert count(session, select(Organisation)) == 1  # only the fixture's
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1


def test_demo_logins_work(app, session):
    app.test_cli_runner().invoke(args=["seed-demo"])
    client = app.test_client()
    for _label, email in demo_logins():
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/").status_code == 200
        client.post("/logout")
