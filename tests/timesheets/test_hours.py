"""Hours services: confirming sessions (held / not held), extra hours, bounds, the month lock, timesheets
(submit, validate, send back, reopen) and the month's figures."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from coopnum.core import formats
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import AuditLog
from coopnum.missions.models import Mission, MissionSession, NotHeldReason, SessionStatus
from coopnum.timesheets import access
from coopnum.timesheets.models import TimeCategory, TimeEntry, Timesheet, TimesheetStatus
from coopnum.timesheets.services import hours, timesheets
from coopnum.timesheets.services.hours import EntryData
from tests import days, factories

# The world's month: last month, wholly past whatever today is, and still open. The mediator's unconfirmed
# session is on its 17th, their extra entry on its 12th (factories.world).
MONTH = days.month_start(-1)
MONTH_LABEL = format_date(MONTH, "MMMM y", locale="fr")  # « novembre 2026 »
# For the month's figures, "now" inside that month (the services take ``now``): 11:00 in Paris on its 23rd, when
# the 17th's session is over and the 24th's is still to come.
THEN = days.at(MONTH.replace(day=23), 11)


def mday(day: int) -> date:
    return MONTH.replace(day=day)


@pytest.fixture
def ids(session, users):
    world = factories.world(session, users, billing=False)
    session.commit()
    return world


@pytest.fixture
def past(session, ids):
    """The mediator's unconfirmed session of the 17th of last month, 09:00–12:00 in Paris (3 h)."""
    return session.get(MissionSession, ids["past_session"])


def entries_of(session, user_id, **where):
    stmt = select(TimeEntry).where(TimeEntry.user_id == user_id)
    for name, value in where.items():
        stmt = stmt.where(getattr(TimeEntry, name) == value)
    return session.execute(stmt).scalars().all()


def audit_actions(session, action):
    return session.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars().all()


@pytest.fixture
def upcoming(session, users, past):
    """A session of the mediator on the 24th of that month, 09:00–12:00 in Paris: still to come at ``THEN``."""
    s = factories.mission_session(session, mission=past.mission, start=days.at(mday(24), 9),
                                  end=days.at(mday(24), 12))
    factories.assignment(session, mission_session=s, user=users["mediator"])
    session.flush()
    return s


def extra(day=None, minutes=60, category="preparation", **kw):
    return EntryData(day=day or mday(20), minutes=minutes, category=category, **kw)


# --- confirming a session ------------------------------------------------------------------------------------------

def test_held_for_the_planned_duration_by_default(session, users, past, now):
    mediator = users["mediator"]
    sequence = past.sequence
    entry = hours.confirm_session(session, mediator, past, held=True, now=now)
    assert past.status == SessionStatus.HELD and past.held_minutes == 180 and past.delivered_minutes == 180
    assert past.confirmed_at == now and past.confirmed_by_id == mediator.id
    assert past.sequence == sequence + 1  # calendars see the change
    assert (entry.user_id, entry.day, entry.minutes, entry.category) == (mediator.id, mday(17), 180,
                                                                           "session")
    assert entry.session_id == past.id and entry.convention_id == past.mission.convention_id
    log = audit_actions(session, "confirm")[-1]
    assert "réalisée (3 h)" in log.summary and log.changes["after"]["status"] == "held"
    assert log.changes["before"]["status"] == "planned"


def test_a_new_confirmation_updates_the_same_entry(session, users, past, now):
    hours.confirm_session(session, users["mediator"], past, held=True, now=now)
    sequence = past.sequence
    hours.confirm_session(session, users["mediator"], past, held=True, minutes=150, now=now)
    assert [e.minutes for e in entries_of(session, users["mediator"].id, session_id=past.id)] == [150]
    assert past.held_minutes == 150 and past.sequence == sequence  # same status: no new calendar version


def test_not_held_needs_a_reason_and_counts_the_wait_when_nobody_came(session, users, past, now):
    mediator = users["mediator"]
    with pytest.raises(DomainError) as exc:
        hours.confirm_session(session, mediator, past, held=False, reason=None, now=now)
    assert exc.value.field == "reason" and "pourquoi" in exc.value.message
    with pytest.raises(DomainError) as exc:
        hours.confirm_session(session, mediator, past, held=False, reason="bogus", now=now)
    assert exc.value.message == "Motif inconnu."
    with pytest.raises(DomainError) as exc:
        hours.confirm_session(session, mediator, past, held=False, reason=NotHeldReason.OTHER, now=now)
    assert exc.value.field == "reason_text"

    entry = hours.confirm_session(session, mediator, past, held=False, reason=NotHeldReason.NO_PUBLIC,
                                  reason_text="Marché de Noël", now=now)
    assert past.status == SessionStatus.NOT_HELD and past.not_held_reason == "no_public"
    assert past.cancel_reason == "Marché de Noël" and past.held_minutes is None and past.delivered_minutes == 0
    assert entry.minutes == 180  # they waited for the whole session

    assert hours.confirm_session(session, mediator, past, held=False, reason=NotHeldReason.PLACE_CLOSED,
                                 now=now) is None
    assert entries_of(session, mediator.id, session_id=past.id) == []  # the existing entry is removed


def test_not_held_with_a_given_time(session, users, past, now):
    entry = hours.confirm_session(session, users["mediator"], past, held=False,
                                  reason=NotHeldReason.MEDIATOR_ABSENT, minutes=30, now=now)
    assert entry.minutes == 30
    assert hours.confirm_session(session, users["mediator"], past, held=False, reason=NotHeldReason.NO_PUBLIC,
                                 minutes=0, now=now) is None
    with pytest.raises(DomainError, match="négative"):
        hours.confirm_session(session, users["mediator"], past, held=False, reason=NotHeldReason.NO_PUBLIC,
                              minutes=-5, now=now)


@pytest.mark.parametrize(("minutes", "message"), [
    (0, "au moins une minute"),
    (-30, "au moins une minute"),
    (16 * 60 + 1, "plus de 16 h n'est pas plausible"),
    (180 + 4 * 60 + 1, "dépasse de plus de 4 h la durée prévue de la séance (3 h)"),
    (2.5, "nombre entier"),
])
def test_absurd_or_negative_durations_are_refused(session, users, past, now, minutes, message):
    with pytest.raises(DomainError, match=re.escape(message)) as exc:
        hours.confirm_session(session, users["mediator"], past, held=True, minutes=minutes, now=now)
    assert exc.value.field == "minutes"
    assert past.status == SessionStatus.PLANNED


def test_a_day_never_adds_up_to_more_than_24_hours(session, users, past, now):
    mediator = users["mediator"]
    for _ in range(2):
        hours.add_entry(session, mediator, extra(day=mday(17), minutes=11 * 60, category="admin"), now=now)
    with pytest.raises(DomainError, match="compterait 25 h de travail, plus de 24 h") as exc:
        hours.confirm_session(session, mediator, past, held=True, now=now)
    assert exc.value.field == "minutes"
    assert hours.confirm_session(session, mediator, past, held=True, minutes=120, now=now).minutes == 120
    with pytest.raises(DomainError, match="plus de 24 h"):
        hours.add_entry(session, mediator, extra(day=mday(17), minutes=1), now=now)


def test_only_started_sessions_that_are_not_cancelled(session, users, ids, past, now):
    future = session.get(MissionSession, ids["assigned_session"])  # tomorrow
    with pytest.raises(DomainError, match="n'a pas encore commencé"):
        hours.confirm_session(session, users["mediator"], future, held=True, now=now)
    assert hours.confirm_session(session, users["mediator"], future, held=True,
                                 now=future.start + timedelta(minutes=5)) is not None
    past.status = SessionStatus.CANCELLED
    with pytest.raises(DomainError, match="annulée"):
        hours.confirm_session(session, users["mediator"], past, held=True, now=now)


def test_who_may_confirm(session, users, ids, past, now):
    other = session.get(type(users["mediator"]), ids["other_mediator"])
    with pytest.raises(Forbidden):
        hours.confirm_session(session, other, past, held=True, now=now)
    with pytest.raises(Forbidden):
        hours.confirm_session(session, users["mediator"], past, held=True, now=now, for_user_id=other.id)
    assert not access.can_confirm(other, past) and not access.can_confirm(users["authority"], past)
    # staff, on behalf of the assigned mediator (the only one: no need to say who)
    entry = hours.confirm_session(session, users["coordinator"], past, held=True, now=now)
    assert entry.user_id == users["mediator"].id and past.confirmed_by_id == users["coordinator"].id
    with pytest.raises(DomainError, match="pas affectée") as exc:
        hours.confirm_session(session, users["coordinator"], past, held=True, now=now, for_user_id=other.id)
    assert exc.value.field == "for_user_id"
    factories.assignment(session, mission_session=past, user=other)
    session.refresh(past)
    with pytest.raises(DomainError, match="Précisez pour quel·le"):
        hours.confirm_session(session, users["coordinator"], past, held=True, now=now)
    assert hours.confirm_session(session, users["coordinator"], past, held=True, now=now,
                                 for_user_id=other.id).user_id == other.id


def test_unconfirm_puts_the_session_back_unless_it_has_activity_reports(session, users, past, now):
    mediator = users["mediator"]
    with pytest.raises(DomainError, match="n'est pas confirmée"):
        hours.unconfirm_session(session, mediator, past, now=now)
    hours.confirm_session(session, mediator, past, held=True, now=now)
    hours.unconfirm_session(session, mediator, past, now=now)
    assert past.status == SessionStatus.PLANNED and past.held_minutes is None and past.confirmed_at is None
    assert entries_of(session, mediator.id, session_id=past.id) == []
    hours.confirm_session(session, mediator, past, held=True, now=now)
    factories.activity(session, mediator=mediator, mission_session=past)
    with pytest.raises(DomainError, match="Des activités sont rattachées"):
        hours.unconfirm_session(session, mediator, past, now=now)
    with pytest.raises(DomainError, match="Des activités sont rattachées"):
        hours.confirm_session(session, mediator, past, held=False, reason=NotHeldReason.NO_PUBLIC, now=now)


# --- extra hours ---------------------------------------------------------------------------------------------------

def test_extra_hours_rules(session, users, ids, now):
    mediator = users["mediator"]
    entry = hours.add_entry(session, mediator, extra(convention_id=ids["own_convention"], note=" Préparation "),
                            now=now)
    assert (entry.user_id, entry.minutes, entry.category, entry.convention_id, entry.note) == (
        mediator.id, 60, "preparation", ids["own_convention"], "Préparation")
    assert audit_actions(session, "create")[-1].changes["after"]["minutes"] == 60
    cases = [
        (extra(category="session"), "category", "Catégorie inconnue"),
        (extra(category="holiday"), "category", "Catégorie inconnue"),
        (extra(day=days.days(1)), "day", "date à venir"),
        (extra(minutes=0), "minutes", "au moins une minute"),
        (extra(minutes=-60), "minutes", "au moins une minute"),
        (extra(minutes=17 * 60), "minutes", "pas plausible"),
        (extra(note="x" * 301), "note", "300 caractères"),
        (extra(convention_id=ids["other_convention"]), "convention_id", "intervient"),
        (extra(convention_id=999999), "convention_id", "intervient"),
    ]
    for data, field, message in cases:
        with pytest.raises(DomainError) as exc:
            hours.add_entry(session, mediator, data, now=now)
        assert exc.value.field == field and message in exc.value.message, (data, exc.value.message)


def test_the_audit_summary_names_the_category_in_words(session, users, ids, now):
    mediator = users["mediator"]
    assert set(hours.CATEGORY_WORDS) == set(TimeCategory)  # every category has its words
    entry = hours.add_entry(session, mediator, extra(minutes=90, category="travel"), now=now)
    day = mday(20).strftime("%d/%m/%Y")
    assert audit_actions(session, "create")[-1].summary == \
        f"Heures ajoutées : 1 h 30 de déplacement le {day} (utilisateur {mediator.id})"
    hours.update_entry(session, mediator, entry, extra(minutes=90, category="other"), now=now)
    assert audit_actions(session, "update")[-1].summary == \
        f"Heures modifiées : 1 h 30 d'autre activité le {day} (utilisateur {mediator.id})"  # elided
    hours.update_entry(session, mediator, entry, extra(minutes=45, category="admin"), now=now)
    hours.delete_entry(session, mediator, entry, now=now)
    assert audit_actions(session, "delete")[-1].summary == \
        f"Heures supprimées : 45 min de travail administratif le {day} (utilisateur {mediator.id})"
    summaries = " ".join(log.summary for log in session.execute(
        select(AuditLog).where(AuditLog.object_type == "TimeEntry")).scalars())
    assert not re.search(r"\b(travel|other|admin|preparation|meeting|training)\b", summaries)  # never a code


def test_own_entries_only_staff_may_edit_anyones(session, users, ids, now):
    entry = session.get(TimeEntry, ids["extra_entry"])
    other = session.get(type(users["mediator"]), ids["other_mediator"])
    with pytest.raises(Forbidden):
        hours.update_entry(session, other, entry, extra(minutes=30), now=now)
    with pytest.raises(Forbidden):
        hours.delete_entry(session, other, entry, now=now)
    with pytest.raises(Forbidden):
        hours.add_entry(session, other, extra(), now=now, for_user_id=users["mediator"].id)
    hours.update_entry(session, users["mediator"], entry, extra(day=mday(13), minutes=45), now=now)
    assert (entry.day, entry.minutes) == (mday(13), 45)
    hours.update_entry(session, users["coordinator"], entry, extra(minutes=50, category="travel"), now=now)
    assert (entry.minutes, entry.category) == (50, "travel")
    log = audit_actions(session, "update")[-1]
    assert log.changes["before"]["minutes"] == 45 and log.changes["after"]["minutes"] == 50
    added = hours.add_entry(session, users["coordinator"], extra(), now=now, for_user_id=users["mediator"].id)
    assert added.user_id == users["mediator"].id and added.created_by_id == users["coordinator"].id
    with pytest.raises(DomainError, match="médiateur"):
        hours.add_entry(session, users["coordinator"], extra(), now=now, for_user_id=users["member"].id)
    hours.delete_entry(session, users["mediator"], entry, now=now)
    session.flush()
    assert session.get(TimeEntry, ids["extra_entry"]) is None


def test_session_hours_are_changed_through_the_confirmation(session, users, past, now):
    entry = hours.confirm_session(session, users["mediator"], past, held=True, now=now)
    with pytest.raises(DomainError, match="confirmation de la séance"):
        hours.update_entry(session, users["mediator"], entry, extra(), now=now)
    with pytest.raises(DomainError, match="confirmation de la séance"):
        hours.delete_entry(session, users["mediator"], entry, now=now)


def test_the_entry_offers_the_conventions_worked_on_within_a_year(session, users, past):
    """Offered: a convention ended less than a year ago on which, in the last twelve months or to come, the mediator
    has hours entered, a planned session or a mission as default mediator. Not offered: older work, or none."""
    from coopnum.missions.models import MissionMediator

    mediator = users["mediator"]
    current = past.mission.convention  # the mediator's planned (unconfirmed) session of last month
    org, place = current.organisation, past.mission.place

    def convention(reference, ended_days_ago=None):
        kw = {} if ended_days_ago is None else {
            "start_date": days.TODAY - timedelta(days=ended_days_ago + 400),
            "end_date": days.TODAY - timedelta(days=ended_days_ago)}
        return factories.convention(session, organisation=org, reference=reference, **kw)

    def held(convention_, days_ago):
        mission = factories.mission(session, convention=convention_, place=place)
        day = days.TODAY - timedelta(days=days_ago)
        s = factories.mission_session(session, mission=mission, start=days.at(day, 9), end=days.at(day, 11),
                                      status=SessionStatus.HELD)
        factories.assignment(session, mission_session=s, user=mediator)
        session.add(TimeEntry(user_id=mediator.id, session_id=s.id, convention_id=convention_.id, day=day,
                              minutes=120, category=TimeCategory.SESSION))
        return mission

    recent = convention("CONV-RECENTE", ended_days_ago=300)
    held(recent, 320)
    ended_long_ago = convention("CONV-ANCIENNE", ended_days_ago=366)
    held(ended_long_ago, 370)
    stale = convention("CONV-DELAISSEE")  # still running, but the mediator's last session is 400 days old
    held(stale, 400)
    by_default = convention("CONV-PAR-DEFAUT")  # no session yet: the mediator is its mission's default mediator
    session.add(MissionMediator(mission_id=factories.mission(session, convention=by_default, place=place).id,
                                user_id=mediator.id))
    never = convention("CONV-JAMAIS")
    factories.mission(session, convention=never, place=place)
    session.flush()

    offered = {c.id for c in hours.conventions_of(session, mediator.id, today=days.TODAY)}
    assert offered == {current.id, recent.id, by_default.id}
    assert {c.id for c in hours.conventions_of(session, users["admin"].id, today=days.TODAY)} == set()
    # an entry already on an older one keeps it among its choices
    assert ended_long_ago.id in {c.id for c in hours.conventions_of(session, mediator.id, today=days.TODAY,
                                                                     include_id=ended_long_ago.id)}


# --- the month lock and the timesheet --------------------------------------------------------------------------

def validated_month(session, users, past, now):
    hours.confirm_session(session, users["mediator"], past, held=True, now=now)
    timesheets.submit(session, users["mediator"], MONTH, now=now)
    return timesheets.validate(session, users["coordinator"], users["mediator"].id, MONTH, now=now)


def test_a_validated_month_refuses_every_change_with_a_clear_message(session, users, ids, past, now):
    validated_month(session, users, past, now)
    mediator = users["mediator"]
    message = re.escape(f"Le mois {formats.of(MONTH_LABEL)} est validé et verrouillé : demandez à la coordination de le "
                        "rouvrir")
    with pytest.raises(DomainError, match=message):
        hours.confirm_session(session, mediator, past, held=True, minutes=120, now=now)
    with pytest.raises(DomainError, match=message):
        hours.unconfirm_session(session, mediator, past, now=now)
    with pytest.raises(DomainError, match=message) as exc:
        hours.add_entry(session, mediator, extra(), now=now)
    assert exc.value.field == "day"
    entry = session.get(TimeEntry, ids["extra_entry"])
    with pytest.raises(DomainError, match=message):
        hours.update_entry(session, mediator, entry, extra(), now=now)
    with pytest.raises(DomainError, match=message):
        hours.update_entry(session, users["coordinator"], entry, extra(), now=now)  # staff too
    with pytest.raises(DomainError, match=message):
        hours.delete_entry(session, mediator, entry, now=now)
    # The month before is open: moving an entry there from a locked month is refused all the same
    previous = hours.add_entry(session, mediator, extra(day=days.month_start(-2).replace(day=28)), now=now)
    with pytest.raises(DomainError, match=message):
        hours.update_entry(session, mediator, previous, extra(day=mday(2)), now=now)


def test_reopen_needs_a_reason_is_audited_and_unlocks(session, users, past, now):
    validated_month(session, users, past, now)
    coordinator, mediator = users["coordinator"], users["mediator"]
    with pytest.raises(DomainError) as exc:
        timesheets.reopen(session, coordinator, mediator.id, MONTH, "  ", now=now)
    assert exc.value.field == "reason"
    with pytest.raises(Forbidden):
        timesheets.reopen(session, mediator, mediator.id, MONTH, "Erreur", now=now)
    ts = timesheets.reopen(session, coordinator, mediator.id, MONTH, "Séance du 17 à corriger", now=now)
    assert ts.status == TimesheetStatus.OPEN and ts.comment == "Séance du 17 à corriger"
    assert ts.validated_at is None and ts.validated_by_id is None
    log = audit_actions(session, "reopen")[-1]
    assert log.actor_id == coordinator.id and "Séance du 17 à corriger" in log.summary
    assert log.changes["before"]["status"] == "validated" and log.changes["after"]["status"] == "open"
    assert hours.confirm_session(session, mediator, past, held=True, minutes=150, now=now).minutes == 150
    with pytest.raises(DomainError, match="n'est pas validé"):
        timesheets.reopen(session, coordinator, mediator.id, MONTH, "Encore", now=now)


def test_validate_is_refused_while_past_sessions_remain_unconfirmed(session, users, ids, past, upcoming):
    coordinator, mediator = users["coordinator"], users["mediator"]
    now = THEN
    second = factories.mission_session(session, mission=past.mission, start=days.at(mday(10), 9),
                                       end=days.at(mday(10), 12))
    factories.assignment(session, mission_session=second, user=mediator)
    with pytest.raises(DomainError) as exc:
        timesheets.validate(session, coordinator, mediator.id, MONTH, now=now)
    assert exc.value.message.startswith("Impossible de valider : 2 séances passées de ")
    assert f"{MONTH_LABEL} ne sont pas encore confirmées" in exc.value.message
    hours.confirm_session(session, mediator, past, held=True, now=now)
    with pytest.raises(DomainError, match=re.escape("Impossible de valider : 1 séance passée")):
        timesheets.validate(session, coordinator, mediator.id, MONTH, now=now)
    hours.confirm_session(session, coordinator, second, held=False, reason=NotHeldReason.PLACE_CLOSED, now=now)
    # the session of the 24th has not started: it does not block
    ts = timesheets.validate(session, coordinator, mediator.id, MONTH, now=now)
    assert ts.status == TimesheetStatus.VALIDATED and ts.validated_by_id == coordinator.id and ts.locked
    log = audit_actions(session, "validate")[-1]
    assert log.changes["before"]["status"] == "open" and log.changes["after"]["status"] == "validated"
    with pytest.raises(DomainError, match="déjà validé"):
        timesheets.validate(session, coordinator, mediator.id, MONTH, now=now)
    with pytest.raises(Forbidden):
        timesheets.validate(session, mediator, mediator.id, MONTH, now=now)


def test_submit_and_send_back(session, users, past, now):
    coordinator, mediator = users["coordinator"], users["mediator"]
    with pytest.raises(DomainError, match="Il reste 1 séance"):
        timesheets.submit(session, mediator, MONTH, now=now)
    with pytest.raises(DomainError, match="Seul un relevé envoyé"):
        timesheets.send_back(session, coordinator, mediator.id, MONTH, "À revoir", now=now)
    hours.confirm_session(session, mediator, past, held=True, now=now)
    ts = timesheets.submit(session, mediator, MONTH, now=now)
    assert ts.status == TimesheetStatus.SUBMITTED and ts.submitted_at == now
    with pytest.raises(DomainError, match="déjà envoyé"):
        timesheets.submit(session, mediator, MONTH, now=now)
    with pytest.raises(DomainError) as exc:
        timesheets.send_back(session, coordinator, mediator.id, MONTH, "", now=now)
    assert exc.value.field == "comment" and exc.value.message == "Indiquez ce qu'il faut corriger."
    ts = timesheets.send_back(session, coordinator, mediator.id, MONTH, "Il manque la réunion du 2.", now=now)
    assert ts.status == TimesheetStatus.SENT_BACK and ts.comment == "Il manque la réunion du 2."
    assert audit_actions(session, "send_back")[-1].changes["after"]["comment"] == "Il manque la réunion du 2."
    assert timesheets.submit(session, mediator, MONTH, now=now).comment == ""  # sent again
    with pytest.raises(DomainError, match="pas commencé"):
        timesheets.submit(session, mediator, days.month_start(1), now=now)
    with pytest.raises(DomainError, match="médiateur"):
        timesheets.submit(session, coordinator, MONTH, now=now)


def test_reading_a_month_never_inserts_its_timesheet(session, users, ids, now):
    count = lambda: session.execute(select(func.count()).select_from(Timesheet)).scalar_one()  # noqa: E731
    before = count()
    ts = timesheets.timesheet_for(session, users["mediator"].id, days.month_start(-2))
    summary = timesheets.month_summary(session, users["mediator"].id, days.month_start(-2), now=now)
    session.flush()
    assert ts.id is None and ts.status == TimesheetStatus.OPEN and summary.status == "open"
    assert count() == before
    assert timesheets.timesheet_for(session, users["mediator"].id, MONTH).id == ids["timesheet"]


def test_parse_month():
    # a pure parser of fixed strings: the literal month is the point
    assert hours.parse_month("2026-11") == date(2026, 11, 1)
    for bad in ("2026-13", "2026-1", "nov", "", "1999-12", "2026-11-01"):
        with pytest.raises(DomainError, match="Mois invalide"):
            hours.parse_month(bad)


def test_fmt_minutes():
    assert [hours.fmt_minutes(m) for m in (180, 150, 45, 0, 605)] == ["3 h", "2 h 30", "45 min", "0 h", "10 h 05"]


# --- figures -----------------------------------------------------------------------------------------------------

def test_month_summary(session, users, ids, past, upcoming):
    mediator, now = users["mediator"], THEN
    hours.confirm_session(session, mediator, past, held=True, minutes=165, now=now)
    hours.add_entry(session, mediator, extra(category="meeting", minutes=120), now=now)
    summary = timesheets.month_summary(session, mediator.id, MONTH, now=now)
    assert summary.session_minutes == 165 and summary.extra_minutes == 90 + 120 and summary.total_minutes == 375
    assert summary.by_category == {"session": 165, "preparation": 90, "meeting": 120}
    assert [line.session.id for line in summary.sessions] == [ids["past_session"], upcoming.id]
    assert summary.sessions[0].minutes == 165 and not summary.sessions[1].started
    assert summary.unconfirmed == [] and [s.id for s in summary.without_report] == [ids["past_session"]]
    factories.activity(session, mediator=mediator, mission_session=past)
    assert timesheets.month_summary(session, mediator.id, MONTH, now=now).without_report == []


def test_month_overview(session, users, ids, past, upcoming):
    mediator, coordinator, now = users["mediator"], users["coordinator"], THEN
    other = session.get(type(mediator), ids["other_mediator"])
    other_session = factories.mission_session(  # the 25th, other organisation
        session, mission=session.get(Mission, ids["other_mission"]), start=days.at(mday(25), 9),
        end=days.at(mday(25), 12))
    factories.assignment(session, mission_session=other_session, user=other)
    session.expire(other_session, ["assignments"])
    later = now + timedelta(days=3)
    hours.confirm_session(session, mediator, past, held=True, minutes=150, now=later)
    hours.confirm_session(session, other, other_session, held=True, now=later)
    hours.add_entry(session, other, extra(minutes=30), now=later)
    timesheets.submit(session, mediator, MONTH, now=now)  # before the 24th started
    overview = timesheets.month_overview(session, MONTH, now=later)
    rows = {m.user_id: m for m in overview.mediators}
    assert (rows[mediator.id].session_minutes, rows[mediator.id].extra_minutes) == (150, 90)
    assert rows[mediator.id].status == "submitted" and rows[other.id].status == "open"
    assert (rows[other.id].session_minutes, rows[other.id].extra_minutes, rows[other.id].total_minutes) == (180, 30, 210)
    assert rows[mediator.id].unconfirmed == 1  # the 24th has started by then
    by_org = {a.organisation_id: a for a in overview.authorities}
    assert by_org[ids["own_org"]].delivered_minutes == 150 and by_org[ids["own_org"]].held == 1
    assert by_org[ids["other_org"]].delivered_minutes == 180
    assert overview.delivered_minutes == 330 and overview.held == 2
    volumes = {v.convention.id: v.summary for v in overview.conventions}
    assert set(volumes) == {ids["own_convention"], ids["other_convention"]}
    assert volumes[ids["own_convention"]].used >= Decimal("2.5")
    assert overview.unconfirmed == 1 and overview.without_report == 2
    assert overview.statuses == {"submitted": 1, "open": 1}
    assert coordinator.id not in rows

