"""The figures of a convention's report: they equal the sums of the records, month by month in Paris time, and come
from a number of queries that does not grow with the data. Periods and share links."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import Activity
from coopnum.core.db import db
from coopnum.core.errors import DomainError
from coopnum.core.models import AuditLog
from coopnum.missions.models import MissionSession, SessionStatus
from coopnum.reports.models import ReportShare
from coopnum.reports.services import reports
from tests import days, factories
from tests.queries import counting

NOW = days.NOW
# The scene's period: three months, the last one this month (as when the tests were written: September to
# November, on 23 November). P0 and P1 are wholly past; this month holds a session over and one to come.
P0, P1, P2 = days.month_start(-2), days.month_start(-1), days.month_start(0)
PERIOD_END = days.month_end(0)
LAST_YEAR = days.TODAY.year - 1  # the random records' year, wholly past


def utc(y, m, d, h=8, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def on(month: date, day: int) -> date:
    return month.replace(day=day)


def add_session(session, mission, start, hours=3, status=SessionStatus.PLANNED, held_minutes=None):
    s = factories.mission_session(session, mission=mission, start=start, end=start + timedelta(hours=hours),
                                  status=status, held_minutes=held_minutes)
    return s


@pytest.fixture
def scene(session, users):
    """A convention with two places: sessions of every status over three months and activities of both kinds;
    plus another convention's records, which the report must ignore."""
    org = session.get(factories.Organisation, users["authority"].organisation_id)
    conv = factories.convention(session, organisation=org, contracted_volume=Decimal("40"))
    place_a = factories.place(session, organisation=org, name="Médiathèque")
    place_b = factories.place(session, organisation=org, name="Mairie annexe")
    mission_a = factories.mission(session, convention=conv, place=place_a)
    mission_b = factories.mission(session, convention=conv, place=place_b)
    other_org = factories.organisation(session, name="Ailleurs")
    other_conv = factories.convention(session, organisation=other_org)
    other_place = factories.place(session, organisation=other_org)
    other_mission = factories.mission(session, convention=other_conv, place=other_place)
    mediator = users["mediator"]

    at = days.at  # Paris wall time → UTC
    add_session(session, mission_a, at(on(P0, 8), 9), status=SessionStatus.HELD, held_minutes=150)
    add_session(session, mission_a, at(on(P0, 15), 9), status=SessionStatus.HELD)  # 180 planned minutes
    add_session(session, mission_a, at(on(P0, 22), 9), status=SessionStatus.CANCELLED)
    add_session(session, mission_b, at(on(P1, 6), 9), status=SessionStatus.HELD, held_minutes=120)
    add_session(session, mission_b, at(on(P1, 13), 9), status=SessionStatus.NOT_HELD)
    # 23:30 in Paris on P1's last day is still P1; 00:30 in Paris on P2's 1st is P2 (both P1's last day in UTC)
    add_session(session, mission_b, at(days.month_end(-1), 23, 30), hours=1, status=SessionStatus.HELD,
                held_minutes=60)
    add_session(session, mission_b, at(P2, 0, 30), hours=1, status=SessionStatus.HELD, held_minutes=45)
    add_session(session, mission_a, at(days.TODAY, 7), status=SessionStatus.PLANNED)  # over at 10:00, to confirm
    add_session(session, mission_a, at(days.TODAY, 14), status=SessionStatus.PLANNED)  # to come
    add_session(session, mission_a, at(days.month_start(1), 9), status=SessionStatus.HELD)  # after the period
    add_session(session, other_mission, at(on(P1, 6), 9), status=SessionStatus.HELD)

    act = factories.activity
    act(session, mediator=mediator, convention=conv, place=place_a, day=on(P0, 10),
        thematiques=["Email", "AideAuxDemarchesAdministratives"], thematiques_demarche=["ArgentImpots"],
        autonomie="EntierementAccompagne", oriented=True, structure_redirection="AideSociale", duration_minutes=45)
    act(session, mediator=mediator, convention=conv, place=place_a, day=on(P1, 5), thematiques=["Email"],
        autonomie="Autonome")
    act(session, mediator=mediator, convention=conv, day=on(P1, 6), place_type="Domicile",
        thematiques=["Sante"], commune="Poitiers", oriented=True, structure_redirection="AideSociale")
    act(session, mediator=mediator, convention=conv, place=place_b, day=on(P1, 20), kind="Collectif",
        participants=8, thematiques=["SecuriteNumerique", "Email"], workshop_title="Naviguer en sécurité",
        duration_minutes=120)
    act(session, mediator=mediator, convention=conv, place=place_a, day=P2, kind="Collectif",  # the 1st: past
        participants=5, thematiques=["ReseauxSociaux"], workshop_title="Réseaux sociaux")
    act(session, mediator=mediator, convention=conv, place=place_a, day=P0 - timedelta(days=1))  # the day before
    act(session, mediator=mediator, convention=other_conv, place=other_place, day=on(P1, 5))
    session.commit()
    return {"convention": conv, "place_a": place_a, "place_b": place_b, "other": other_conv}


def test_figures_of_a_period(session, scene):
    conv = scene["convention"]
    f = reports.convention_report(session, conv, P0, PERIOD_END, now=NOW)
    assert (f.sessions_held, f.sessions_cancelled, f.sessions_not_held, f.sessions_planned) == (5, 1, 1, 2)
    assert f.sessions_to_confirm == 1
    assert f.sessions_total == 9
    assert f.minutes_delivered == 150 + 180 + 120 + 60 + 45
    assert f.hours_delivered == Decimal("9.25")
    assert f.minutes_planned == 2 * 180
    assert (f.individual, f.workshops, f.collective_participants, f.people_helped) == (3, 2, 13, 16)
    assert f.volume_used == Decimal("9.25") and f.contracted_volume == Decimal("40")
    assert f.volume_share_percent == Decimal("23.1")
    themes = {t.value: t.count for t in f.themes}
    assert themes == {"Email": 3, "AideAuxDemarchesAdministratives": 1, "Sante": 1, "SecuriteNumerique": 1,
                      "ReseauxSociaux": 1}
    assert f.themes[0].value == "Email" and f.themes[0].label == ref.label(ref.THEMATIQUE, "Email")
    assert [(t.value, t.count) for t in f.demarche_themes] == [("ArgentImpots", 1)]
    assert [(a.value, a.count) for a in f.autonomy] == [("EntierementAccompagne", 1), ("PartiellementAutonome", 0),
                                                        ("Autonome", 1)]
    assert f.autonomy_unknown == 1
    assert f.oriented == 2 and [(r.value, r.count) for r in f.redirections] == [("AideSociale", 2)]


def test_months_follow_the_paris_calendar(session, scene):
    f = reports.convention_report(session, scene["convention"], P0, PERIOD_END, now=NOW)
    months = {m.month: m for m in f.months}
    assert list(months) == [P0, P1, P2]
    sep, oct_, nov = months.values()
    assert (sep.sessions_held, sep.minutes_delivered, sep.sessions_cancelled) == (2, 330, 1)
    assert (oct_.sessions_held, oct_.minutes_delivered) == (2, 180)  # the 6th + the last day at 23:30 Paris
    assert (nov.sessions_held, nov.minutes_delivered) == (1, 45)  # the 1st at 00:30 Paris
    assert (sep.individual, oct_.individual, nov.individual) == (1, 2, 0)
    assert (oct_.workshops, oct_.participants, nov.workshops, nov.participants) == (1, 8, 1, 5)
    assert sum(m.people for m in f.months) == f.people_helped
    assert sum(m.minutes_delivered for m in f.months) == f.minutes_delivered


def test_places(session, scene):
    f = reports.convention_report(session, scene["convention"], P0, PERIOD_END, now=NOW)
    by_name = {p.name: p for p in f.places}
    a, b, home = by_name["Médiathèque"], by_name["Mairie annexe"], by_name[""]
    assert (a.sessions_held, a.minutes_delivered, a.individual, a.workshops, a.participants) == (2, 330, 2, 1, 5)
    assert (b.sessions_held, b.minutes_delivered, b.individual, b.workshops, b.participants) == (3, 225, 0, 1, 8)
    assert (home.place_id, home.individual, home.people) == (None, 1, 1)
    assert f.places[-1] is home  # outside a place: last
    assert sum(p.people for p in f.places) == f.people_helped


def test_a_volume_in_sessions(session, scene):
    conv = scene["convention"]
    conv.volume_unit = "sessions"
    session.flush()
    f = reports.convention_report(session, conv, P0, days.month_end(-2), now=NOW)
    assert f.volume_used == Decimal(2) and f.volume_share_percent == Decimal("5.0")


def test_an_empty_period(session, scene):
    start = days.month_start(-24)  # long before the scene
    f = reports.convention_report(session, scene["convention"], start, days.month_end(-24), now=NOW)
    assert f.sessions_total == 0 and f.people_helped == 0 and f.themes == [] and f.places == []
    assert [m.month for m in f.months] == [start]
    assert [a.count for a in f.autonomy] == [0, 0, 0]


def test_labels_come_from_the_editable_reference_lists(session, scene, users):
    from coopnum.activities.services import reference_lists

    reference_lists.save_entry(session, users["coordinator"], ref.THEMATIQUE, "Email", label="Courriel",
                               position=0, active=True, now=NOW)
    f = reports.convention_report(session, scene["convention"], P0, PERIOD_END, now=NOW)
    assert f.themes[0].label == "Courriel"


def random_records(session, users, conv, places, missions, n_sessions, n_activities, seed=7):
    rng = random.Random(seed)
    statuses = list(SessionStatus)
    for _ in range(n_sessions):
        start = utc(LAST_YEAR, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.choice((0, 30)))
        status = rng.choice(statuses)
        add_session(session, rng.choice(missions), start, hours=rng.choice((1, 2, 3)), status=status,
                    held_minutes=rng.choice((None, 90, 135)) if status == SessionStatus.HELD else None)
    for _ in range(n_activities):
        kind = rng.choice(("Individuel", "Collectif"))
        themes = rng.sample(["Email", "Sante", "SecuriteNumerique", "AideAuxDemarchesAdministratives"],
                            rng.randint(1, 3))
        factories.activity(
            session, mediator=users["mediator"], convention=conv, place=rng.choice(places + [None]),
            day=date(LAST_YEAR, rng.randint(1, 12), rng.randint(1, 28)), kind=kind,
            participants=rng.randint(1, 12) if kind == "Collectif" else 1, thematiques=themes,
            thematiques_demarche=["Logement"] if "AideAuxDemarchesAdministratives" in themes else [],
            autonomie=rng.choice([None, "Autonome", "PartiellementAutonome"]) if kind == "Individuel" else None,
            oriented=rng.random() < 0.3, structure_redirection=rng.choice(["AideSociale", "Autre", None]),
            duration_minutes=rng.choice((15, 30, 60)))
    session.commit()


def test_figures_equal_the_sums_of_random_records(session, users):
    org = session.get(factories.Organisation, users["authority"].organisation_id)
    conv = factories.convention(session, organisation=org)
    places = [factories.place(session, organisation=org) for _ in range(3)]
    missions = [factories.mission(session, convention=conv, place=p) for p in places]
    random_records(session, users, conv, places, missions, 80, 150)
    start, end = date(LAST_YEAR, 3, 1), date(LAST_YEAR, 10, 31)
    f = reports.convention_report(session, conv, start, end, now=NOW)

    lo, hi = reports.paris_midnight(start), reports.paris_midnight(end + timedelta(days=1))
    sessions = [s for s in session.execute(select(MissionSession)).scalars() if lo <= s.start < hi]
    held = [s for s in sessions if s.status == SessionStatus.HELD]
    assert f.sessions_held == len(held)
    assert f.minutes_delivered == sum(s.delivered_minutes for s in held)
    assert f.sessions_cancelled == sum(s.status == SessionStatus.CANCELLED for s in sessions)
    assert f.sessions_planned == sum(s.status == SessionStatus.PLANNED for s in sessions)
    activities = [a for a in session.execute(select(Activity)).scalars() if start <= a.date <= end]
    assert f.individual == sum(a.kind == "Individuel" for a in activities)
    assert f.workshops == sum(a.kind == "Collectif" for a in activities)
    assert f.collective_participants == sum(a.participants for a in activities if a.kind == "Collectif")
    assert f.activity_minutes == sum(a.duration_minutes for a in activities)
    assert {t.value: t.count for t in f.themes} == {
        theme: sum(theme in a.thematiques for a in activities)
        for theme in {t for a in activities for t in a.thematiques}}
    assert {t.value: t.count for t in f.demarche_themes} == {"Logement": sum(
        "Logement" in a.thematiques_demarche for a in activities)}
    assert f.oriented == sum(a.oriented for a in activities)
    assert sum(a.count for a in f.autonomy) + f.autonomy_unknown == f.individual
    for month in f.months:
        in_month = [a for a in activities if (a.date.year, a.date.month) == (month.month.year, month.month.month)]
        assert month.individual == sum(a.kind == "Individuel" for a in in_month)
        assert month.sessions_held == sum(
            1 for s in held if s.start.astimezone(reports.PARIS).date().replace(day=1) == month.month)
    assert sum(p.minutes_delivered for p in f.places) == f.minutes_delivered
    assert sum(p.people for p in f.places) == f.people_helped


def count_statements(fn) -> int:
    with counting(db.engine) as statements:
        fn()
    return len(statements)


def test_a_bounded_number_of_queries(session, users):
    org = session.get(factories.Organisation, users["authority"].organisation_id)
    conv = factories.convention(session, organisation=org)
    places = [factories.place(session, organisation=org) for _ in range(2)]
    missions = [factories.mission(session, convention=conv, place=p) for p in places]
    random_records(session, users, conv, places, missions, 3, 4, seed=1)
    session.expire_all()

    def run():
        reports.convention_report(session, conv, date(LAST_YEAR, 1, 1), date(LAST_YEAR, 12, 31), now=NOW)

    few = count_statements(run)
    more_places = [factories.place(session, organisation=org) for _ in range(5)]
    more_missions = [factories.mission(session, convention=conv, place=p) for p in more_places]
    random_records(session, users, conv, places + more_places, missions + more_missions, 120, 300, seed=2)
    session.expire_all()
    many = count_statements(run)
    assert few == many, (few, many)
    assert many <= 20


# --- periods ---------------------------------------------------------------------------------------------------------

# resolve_period and the periods are pure calendar functions that take "today" explicitly and never meet the
# clock: a fixed day (a Monday of the last quarter, so that the next quarter is in the next year) is the point.
REF_DAY = date(2026, 11, 23)


@pytest.mark.parametrize(("args", "expected"), [
    ({}, ("month", date(2026, 11, 1), date(2026, 11, 30))),
    ({"period": "month", "ref": "2026-02"}, ("month", date(2026, 2, 1), date(2026, 2, 28))),
    ({"period": "month", "ref": "2024-2"}, ("month", date(2024, 2, 1), date(2024, 2, 29))),
    ({"period": "quarter"}, ("quarter", date(2026, 10, 1), date(2026, 12, 31))),
    ({"period": "quarter", "ref": "2026-T2"}, ("quarter", date(2026, 4, 1), date(2026, 6, 30))),
    ({"period": "quarter", "ref": "2026-Q1"}, ("quarter", date(2026, 1, 1), date(2026, 3, 31))),
    ({"period": "quarter", "ref": "2026-08"}, ("quarter", date(2026, 7, 1), date(2026, 9, 30))),
    ({"period": "year", "ref": "2025"}, ("year", date(2025, 1, 1), date(2025, 12, 31))),
    ({"period": "year"}, ("year", date(2026, 1, 1), date(2026, 12, 31))),
    ({"from": "2026-03-15", "to": "2026-04-02"}, ("custom", date(2026, 3, 15), date(2026, 4, 2))),
    ({"period": "custom", "from": "2026-03-15", "to": "2026-03-15"}, ("custom", date(2026, 3, 15),
                                                                        date(2026, 3, 15))),
])
def test_periods(args, expected):
    period = reports.resolve_period(args, REF_DAY)
    assert (period.kind, period.start, period.end) == expected
    assert reports.resolve_period(period.args(), REF_DAY) == period


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"period": "week"}, "period", "Période inconnue"),
    ({"period": "month", "ref": "2026-13"}, "ref", "Mois invalide"),
    ({"period": "month", "ref": "novembre"}, "ref", "Mois invalide"),
    ({"period": "quarter", "ref": "2026-T5"}, "ref", "Trimestre invalide"),
    ({"period": "year", "ref": "26"}, "ref", "Année invalide"),
    ({"period": "year", "ref": "1850"}, "ref", "Année invalide"),
    ({"period": "custom", "to": "2026-01-31"}, "from", "Indiquez la date de début"),
    ({"from": "2026-01-01"}, "to", "Indiquez la date de fin"),
    ({"from": "01/01/2026", "to": "2026-01-31"}, "from", "Date invalide"),
    ({"from": "2026-02-01", "to": "2026-01-31"}, "to", "La date de fin précède la date de début."),
    ({"from": "2020-01-01", "to": "2026-01-31"}, "to", "ne peut pas dépasser 5 ans"),
])
def test_bad_periods_are_refused_in_french(args, field, message):
    with pytest.raises(DomainError) as error:
        reports.resolve_period(args, REF_DAY)
    assert error.value.field == field and message in error.value.message


def test_previous_and_next_periods():
    nov = reports.month_period(date(2026, 11, 5))
    assert nov.shifted(1).ref == "2026-12" and nov.shifted(-1).ref == "2026-10"
    assert reports.month_period(date(2026, 12, 5)).shifted(1).ref == "2027-01"
    q4 = reports.quarter_period(REF_DAY)
    assert q4.shifted(1).ref == "2027-Q1" and q4.shifted(-1).ref == "2026-Q3"
    assert reports.year_period(2026).shifted(-1).start == date(2025, 1, 1)
    assert reports.Period("custom", REF_DAY, REF_DAY).shifted(1) is None


# --- share links -----------------------------------------------------------------------------------------------------

def test_share_links_expire_at_the_end_of_their_last_day_and_can_be_revoked(session, scene, users):
    conv = scene["convention"]
    last_day = days.days(30)
    share = reports.create_share(session, users["coordinator"], conv, period_start=P0,
                                 period_end=PERIOD_END, expires_on=last_day, now=NOW)
    session.commit()
    assert len(share.token) >= 40
    assert reports.last_valid_day(share) == last_day
    late_evening = days.at(last_day, 23, 59)  # 23:59 in Paris
    assert reports.valid_share(session, share.token, now=late_evening) == share
    assert reports.valid_share(session, share.token, now=late_evening + timedelta(minutes=1)) is None
    assert reports.valid_share(session, "unknown", now=NOW) is None
    reports.touch_share(session, share, now=NOW)
    reports.touch_share(session, share, now=NOW)
    session.commit()
    session.refresh(share)
    assert share.access_count == 2 and share.last_accessed_at == NOW
    reports.revoke_share(session, users["coordinator"], share, now=NOW)
    session.commit()
    assert reports.valid_share(session, share.token, now=NOW) is None
    actions = session.execute(select(AuditLog.action).where(AuditLog.object_type == "ReportShare")).scalars().all()
    assert sorted(actions) == ["create", "revoke"]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"expires_on": days.days(-1)}, "expires_on", "déjà passée"),
    ({"expires_on": days.days(367)}, "expires_on", "plus d’un an"),
    ({"expires_on": None}, "expires_on", "date d’expiration"),
    ({"period_end": days.month_start(-3)}, "period_end", "précède"),
    ({"period_start": None}, "period_start", "date de début"),
])
def test_bad_share_links_are_refused(session, scene, users, values, field, message):
    data = {"period_start": P0, "period_end": PERIOD_END, "expires_on": days.days(30), **values}
    with pytest.raises(DomainError) as error:
        reports.create_share(session, users["coordinator"], scene["convention"], now=NOW, **data)
    assert error.value.field == field and message in error.value.message
    assert session.execute(select(ReportShare)).first() is None
