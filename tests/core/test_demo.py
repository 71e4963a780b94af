from sqlalchemy import func, select

from coopnum.core.models import Role, User, UserRole
from coopnum.demo import DEMO_PASSWORD, demo_logins
from coopnum.organisations.models import Organisation, Place
from tests import days


def count(session, stmt):
    return session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def test_seed_demo_fills_an_empty_database_and_prints_logins(app, session, monkeypatch):
    from tests.billing.factories import fake_render

    monkeypatch.setattr("coopnum.billing.documents.render", fake_render)  # the real one: ~150 ms per invoice
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
    _check_demo_work(session)
    _check_demo_billing(session)
    session.commit()
    _check_logins(app)
    _check_bench(app)


def _check_logins(app):
    client = app.test_client()
    for _label, email in demo_logins():
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/").status_code == 200
        client.post("/logout")


def _check_bench(app):
    """``coopnum bench`` finds its pages on this demo, every role's and the API's, and each answers 200 with its
    SQL statements counted (one seed serves both tests: it takes seconds)."""
    from coopnum.bench import pages, queries

    ids, measured = pages.resolve(app)
    assert ids.convention and ids.invoice and ids.assembly and ids.resolution and ids.mediator
    assert {p.role for p in measured} == set(pages.LOGINS) and any(p.kind == "api" for p in measured)
    counted = queries.count_queries(app, measured, pages.create_token(app))
    assert [c.key for c in counted] == [p.key for p in measured]
    for c in counted:
        assert c.status == 200 and 0 < c.queries <= 25, c


def _check_demo_work(session):
    """The demo's year of work: past sessions confirmed with hours, activity reports valid under the national
    rules, extra hours, validated months, followed beneficiaries with a duplicate to merge."""
    from coopnum.activities import cra_reference as ref
    from coopnum.activities.models import Activity, Beneficiary
    from coopnum.missions.models import MissionSession, SessionStatus
    from coopnum.timesheets.models import TimeEntry, Timesheet, TimesheetStatus

    held = session.execute(select(MissionSession).where(MissionSession.status == SessionStatus.HELD)).scalars().all()
    assert len(held) > 300
    with_hours = set(session.execute(select(TimeEntry.session_id).where(TimeEntry.session_id.is_not(None))).scalars())
    assert all(s.id in with_hours for s in held)
    activities = session.execute(select(Activity)).scalars().all()
    assert len(activities) > 1000
    assert {a.kind for a in activities} == {ref.TYPE_INDIVIDUEL, ref.TYPE_COLLECTIF}
    for a in activities[:300]:
        values = {"type": a.kind, "duree": a.duration_minutes, "type_lieu": a.place_type, "lieu": a.place_id,
                  "materiel": a.materiel, "thematiques": a.thematiques, "thematiques_demarche": a.thematiques_demarche,
                  "precisions_demarche": a.precisions_demarche, "autonomie": a.autonomie,
                  "structure_de_redirection": a.structure_redirection, "titre_atelier": a.workshop_title,
                  "niveau_atelier": a.workshop_level, "participants": a.participants}
        assert ref.validate_activity(values) == [], (a.id, values)
    held_ids = {s.id for s in held}
    assert all(a.session_id in held_ids for a in activities)
    assert count(session, select(TimeEntry).where(TimeEntry.category != "session")) > 100
    assert count(session, select(Timesheet).where(Timesheet.status == TimesheetStatus.VALIDATED)) > 0
    names = session.execute(select(Beneficiary.name_key)).scalars().all()
    assert len(names) != len(set(names))  # a duplicate to merge


def _check_demo_billing(session):
    """A year of issued invoices (gapless), payments, one credit note, overdue invoices with their reminders."""
    from coopnum.billing.models import Invoice, InvoiceKind, Payment, PaymentState, Reminder

    issued = session.execute(select(Invoice).where(Invoice.status == "issued")).unique().scalars().all()
    invoices = sorted((i for i in issued if i.kind == InvoiceKind.INVOICE), key=lambda i: (i.series, i.sequence))
    assert len(invoices) > 80
    # the demo's rolling year of work meets one or two years: a gapless series per year (F2026, F2027…)
    series = sorted({i.series for i in invoices})
    assert series == [f"F{year}" for year in range(int(series[0][1:]), int(series[-1][1:]) + 1)]
    for name in series:
        numbered = [i for i in invoices if i.series == name]
        assert [i.sequence for i in numbered] == list(range(1, len(numbered) + 1)), name
        assert all(i.issue_date.year == int(name[1:]) for i in numbered), name
    assert [i.issue_date for i in invoices] == sorted(i.issue_date for i in invoices)  # chronological
    assert sum(1 for i in issued if i.kind == InvoiceKind.CREDIT_NOTE) == 1
    today = days.TODAY  # the demo is seeded around the pinned clock
    states = [i.payment_state(today) for i in invoices]
    assert states.count(PaymentState.PAID) > 50 and PaymentState.OVERDUE in states
    assert count(session, select(Payment)) > 50
    assert count(session, select(Reminder)) > 0


def test_seed_demo_does_nothing_on_a_database_with_data(app, session, users):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    assert count(session, select(Organisation)) == 1  # only the fixture's
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
