"""``coopnum.volume``: a cooperative at real volume (``coopnum seed-demo --years N --mediators M``).

One small volume (a year, three mediators, the demo's service-made parts left out) is generated once for the module,
twice in fact: the second run, on the emptied database, must give the same rows. The tests then check that it has
the promised size and is consistent: what a broken generator would get wrong."""

import hashlib
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from coopnum.activities.models import Activity
from coopnum.billing import amounts
from coopnum.billing.models import Invoice, InvoiceLine, Payment
from coopnum.core import clock
from coopnum.core.db import metadata
from coopnum.core.models import User
from coopnum.demo import DEMO_PASSWORD, demo_logins
from coopnum.inventory.models import AssetBooking
from coopnum.members.models import CapitalOperation, Member
from coopnum.missions.models import Assignment, Mission, MissionSession, SessionStatus
from coopnum.timesheets.models import TimeEntry
from coopnum.volume import generate
from coopnum.volume.bulk import Period
from coopnum.volume.planning import SESSIONS_PER_YEAR
from tests import days

YEARS, MEDIATORS = 1, 3


def _fingerprint(session) -> dict[str, str]:
    """A digest per kind of row, made of values only (no ids: PostgreSQL's sequences do not restart)."""
    user = aliased(User)
    queries = {
        "sessions": select(Mission.title, MissionSession.start, MissionSession.end, MissionSession.status,
                           MissionSession.held_minutes, user.email)
        .join(Mission, Mission.id == MissionSession.mission_id)
        .join(Assignment, Assignment.session_id == MissionSession.id).join(user, user.id == Assignment.user_id),
        "activities": select(Activity.date, Activity.kind, Activity.duration_minutes, Activity.thematiques,
                             Activity.participants, user.email).join(user, user.id == Activity.mediator_id),
        "entries": select(TimeEntry.day, TimeEntry.minutes, TimeEntry.category, user.email)
        .join(user, user.id == TimeEntry.user_id),
        "invoices": select(Invoice.number, Invoice.buyer_name, Invoice.title, Invoice.total_incl_cents,
                           Invoice.paid_cents, Invoice.issue_date),
        "capital": select(CapitalOperation.number, CapitalOperation.kind, CapitalOperation.on,
                          CapitalOperation.amount_cents, Member.name)
        .join(Member, Member.id == CapitalOperation.member_id),
        "bookings": select(AssetBooking.starts_at, AssetBooking.ends_at, AssetBooking.active),
    }
    result = {}
    for name, stmt in queries.items():
        rows = sorted(repr(tuple(row)) for row in session.execute(stmt))
        result[name] = f"{len(rows)}:" + hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return result


def _empty(session) -> None:
    for table in metadata.sorted_tables:  # rows pointing at rows of their own table first
        own = {fk.parent.name: None for fk in table.foreign_keys if fk.column.table is table}
        if own:
            session.execute(table.update().values(own))
    for table in reversed(metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()
    session.expunge_all()


def _build(session):
    counts = generate(session, years=YEARS, mediators=MEDIATORS, seed=7, now=days.NOW, demo_parts=False)
    first = _fingerprint(session)
    _empty(session)
    generate(session, years=YEARS, mediators=MEDIATORS, seed=7, now=days.NOW, demo_parts=False)
    return {"counts": counts, "first": first, "second": _fingerprint(session)}


@pytest.fixture(scope="module")
def volume(databases, tmp_path_factory):
    with databases.seed(_build, tmp_path_factory.mktemp("volume")) as data:
        yield data


def test_same_seed_same_rows(volume):
    assert volume["first"] == volume["second"]
    assert all(not digest.startswith("0:") for digest in volume["first"].values())


def _working_mediators(session) -> list[int]:
    return list(session.execute(select(Assignment.user_id).distinct()).scalars())


def test_the_volume_has_the_promised_size(volume, session):
    counts = volume["counts"]
    assert (counts["organisations"], counts["places"], counts["members"], counts["assets"]) == (40, 80, 100, 300)
    assert len(_working_mediators(session)) == MEDIATORS
    period = Period(days.NOW, YEARS)
    window = (MissionSession.start >= days.at(period.first_month, 0),
              MissionSession.start < days.at(period.this_month, 0))
    per_mediator = dict(session.execute(
        select(Assignment.user_id, func.count()).join(MissionSession, MissionSession.id == Assignment.session_id)
        .where(*window).group_by(Assignment.user_id)).all())
    for held in per_mediator.values():  # each mediator holds about 500 sessions a year
        assert 0.9 * SESSIONS_PER_YEAR * YEARS <= held <= 1.1 * SESSIONS_PER_YEAR * YEARS, per_mediator
    sessions = session.execute(select(func.count()).select_from(MissionSession).where(*window)).scalar_one()
    assert abs(sessions - SESSIONS_PER_YEAR * MEDIATORS * YEARS) <= 0.1 * SESSIONS_PER_YEAR * MEDIATORS * YEARS
    activities = session.execute(select(func.count()).select_from(Activity).where(
        Activity.date >= period.first_month, Activity.date < period.this_month)).scalar_one()
    assert abs(activities - 1200 * MEDIATORS * YEARS) <= 0.15 * 1200 * MEDIATORS * YEARS
    assert counts["invoices"] > 0 and counts["payments"] > 0 and counts["loans"] > 0
    assert counts["beneficiaries"] > 0 and counts["timesheets"] > 0
    assert counts["training_sessions"] >= 11 * YEARS  # one a month, on the team's Tuesday morning at least


def test_no_mediator_is_booked_twice_at_once(volume, session):
    a1, a2 = aliased(Assignment), aliased(Assignment)
    s1, s2 = aliased(MissionSession), aliased(MissionSession)
    overlaps = session.execute(
        select(func.count()).select_from(a1)
        .join(s1, s1.id == a1.session_id)
        .join(a2, and_(a2.user_id == a1.user_id, a2.session_id > a1.session_id))
        .join(s2, s2.id == a2.session_id)
        .where(s1.start < s2.end, s2.start < s1.end, s1.status != SessionStatus.CANCELLED,
               s2.status != SessionStatus.CANCELLED)).scalar_one()
    assert overlaps == 0
    # and every session lasts 2 to 3 hours, on a weekday
    for start, end in session.execute(select(MissionSession.start, MissionSession.end)):
        assert timedelta(hours=2) <= end - start <= timedelta(hours=3)
        assert clock.paris_today(start).weekday() < 5


def test_hours_are_those_of_the_assigned_mediators(volume, session):
    orphans = session.execute(
        select(func.count()).select_from(TimeEntry).outerjoin(
            Assignment, and_(Assignment.session_id == TimeEntry.session_id, Assignment.user_id == TimeEntry.user_id))
        .where(TimeEntry.session_id.is_not(None), Assignment.id.is_(None))).scalar_one()
    assert orphans == 0
    held_without_hours = session.execute(
        select(func.count()).select_from(Assignment).join(MissionSession, MissionSession.id == Assignment.session_id)
        .outerjoin(TimeEntry, and_(TimeEntry.session_id == Assignment.session_id,
                                   TimeEntry.user_id == Assignment.user_id))
        .where(MissionSession.status == SessionStatus.HELD, TimeEntry.id.is_(None))).scalar_one()
    assert held_without_hours == 0


def test_invoices_are_numbered_without_gaps_and_add_up(volume, session):
    invoices = session.execute(select(Invoice).where(Invoice.status == "issued")).unique().scalars().all()
    by_series = defaultdict(list)
    for invoice in invoices:
        by_series[invoice.series].append(invoice)
        assert invoice.number == f"{invoice.series}-{invoice.sequence:05d}"
    for series, issued in by_series.items():
        issued.sort(key=lambda i: i.sequence)
        assert [i.sequence for i in issued] == list(range(1, len(issued) + 1)), series
        assert [i.issue_date for i in issued] == sorted(i.issue_date for i in issued), series
    lines = defaultdict(list)
    for line in session.execute(select(InvoiceLine)).scalars():
        lines[line.invoice_id].append(line)
        assert line.total_excl_cents == amounts.line_total_cents(line.quantity, line.unit_price_cents,
                                                                 line.discount_percent)
    paid = dict(session.execute(select(Payment.invoice_id, func.sum(Payment.amount_cents))
                                .group_by(Payment.invoice_id)).all())
    for invoice in invoices:
        totals = amounts.compute(lines[invoice.id])
        assert (invoice.total_excl_cents, invoice.total_vat_cents, invoice.total_incl_cents) == (
            totals.excl_cents, totals.vat_cents, totals.incl_cents)
        assert invoice.total_incl_cents > 0 and invoice.seller.get("siret")
        assert invoice.paid_cents == paid.get(invoice.id, 0) <= invoice.total_incl_cents
    assert sum(1 for i in invoices if i.paid_cents == i.total_incl_cents) > len(invoices) // 2


def test_registers_are_numbered_without_gaps(volume, session):
    numbers = sorted(session.execute(select(CapitalOperation.number)).scalars())
    assert numbers == list(range(1, len(numbers) + 1))
    members = sorted(n for n in session.execute(select(Member.number)).scalars() if n is not None)
    assert members == list(range(1, len(members) + 1))
    shares = session.execute(select(func.sum(CapitalOperation.shares))).scalar_one()
    assert shares > 0


def test_no_asset_is_booked_twice_at_once(volume, session):
    bookings = defaultdict(list)
    for asset_id, start, end, loan_id in session.execute(
            select(AssetBooking.asset_id, AssetBooking.starts_at, AssetBooking.ends_at, AssetBooking.loan_id)):
        if loan_id is not None:
            bookings[asset_id].append((start, end))
    for periods in bookings.values():
        periods.sort()
        for (_s1, e1), (s2, _e2) in zip(periods, periods[1:], strict=False):
            assert e1 <= s2


def test_the_demo_logins_work_on_the_volume(volume, app):
    client = app.test_client()
    for _label, email in demo_logins():
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")
    client.post("/login", data={"email": "coordination@demo.coopnum.fr", "password": DEMO_PASSWORD})
    for url in ("/", "/missions/activities", "/billing/invoices", "/missions/timesheets", "/members/"):
        assert client.get(url).status_code == 200, url


def test_the_command_generates_the_volume_and_prints_counts(app, monkeypatch):
    calls = []

    def fake_generate(session, **kwargs):
        calls.append(kwargs)
        return {"sessions": 1234, "activities": 5678}

    monkeypatch.setattr("coopnum.volume.generate", fake_generate)
    monkeypatch.setattr("coopnum.demo.is_empty", lambda: True)  # (the module's volume may be in the database)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--years", "2", "--mediators", "4", "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert calls[0]["years"] == 2 and calls[0]["mediators"] == 4 and calls[0]["seed"] == 9
    assert "1234" in result.output and "5678" in result.output and " s." in result.output
    assert DEMO_PASSWORD in result.output and "coordination@demo.coopnum.fr" in result.output
    result = app.test_cli_runner().invoke(args=["seed-demo", "--mediators", "4"])
    assert calls[1]["years"] == 10 and calls[1]["mediators"] == 4


def test_generate_refuses_nonsense(session):
    with pytest.raises(ValueError):
        generate(session, years=0, mediators=3, now=days.NOW)
