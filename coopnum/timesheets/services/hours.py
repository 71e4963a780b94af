"""Services of the missions domain: hours — session confirmations and extra hours (the month's timesheet and the
dashboards' figures are in ``timesheets``).

- A mediator confirms each session assigned to them once it has started: held (with the actual duration, which
  becomes their time entry for it) or not held (with a reason; when nobody came they waited, so the planned time
  still counts). The coordination may confirm on behalf of an assigned mediator.
- Extra hours outside sessions (preparation, travel, meetings…) carry a category.
- A mediator's month is a timesheet: open → submitted → validated (locked), or sent back with a comment; a
  validated month is reopened by the coordination only, with a reason. Every write dated in a validated month is
  refused (``locks.ensure_open``). Reading a month never inserts its timesheet row.

Services take plain values, the acting user and ``now``; they never commit."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload
from sqlmodel import Session

from coopnum.activities.models import Activity
from coopnum.core import audit, formats, slots
from coopnum.core.access import has_role, is_staff
from coopnum.core.clock import PARIS, describe_slot
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import Role, User
from coopnum.missions.models import (
    Assignment,
    Mission,
    MissionMediator,
    MissionSession,
    NotHeldReason,
    SessionStatus,
    assigned_to,
)
from coopnum.organisations.models import Convention
from coopnum.timesheets.access import can_confirm, can_edit_entry, is_assigned
from coopnum.timesheets.models import EXTRA_CATEGORIES, MAX_ENTRY_MINUTES, TimeCategory, TimeEntry
from coopnum.timesheets.services import locks

MAX_DAY_MINUTES = 24 * 60  # a day's entries never add up to more
MAX_OVERRUN_MINUTES = 4 * 60  # a session confirmed for longer than planned + this is refused as absurd
NOTE_MAX = 300
NOT_HELD_TEXT_MAX = 300  # the session's cancel_reason column
COMMENT_MAX = 2000
CONFIRMED = (SessionStatus.HELD, SessionStatus.NOT_HELD)
NOT_HELD_WORDS = {  # for the audit log (the UI has its own translated labels)
    NotHeldReason.NO_PUBLIC: "personne n'est venu",
    NotHeldReason.MEDIATOR_ABSENT: "médiateur·rice absent·e",
    NotHeldReason.PLACE_CLOSED: "lieu fermé",
    NotHeldReason.CANCELLED_BY_CLIENT: "annulée par la structure",
    NotHeldReason.OTHER: "autre motif",
}
CATEGORY_WORDS = {  # for the audit log, after « de » (the UI has its own translated labels)
    TimeCategory.SESSION: "séance",
    TimeCategory.PREPARATION: "préparation",
    TimeCategory.TRAVEL: "déplacement",
    TimeCategory.MEETING: "réunion",
    TimeCategory.TRAINING: "formation",
    TimeCategory.ADMIN: "travail administratif",
    TimeCategory.OTHER: "autre activité",
}


# --- small helpers --------------------------------------------------------------------------------------------------

def fmt_minutes(minutes: int | None) -> str:
    """150 → '2 h 30', 180 → '3 h', 45 → '45 min' (core.formats.hours, in the French of the services' messages)."""
    return formats.hours(minutes, "fr")


def paris_day(value: datetime) -> date:
    return value.astimezone(PARIS).date()


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_key(month: date) -> str:
    return f"{month:%Y-%m}"


def current_month(now: datetime) -> date:
    return locks.month_start(paris_day(now))


def parse_month(text: str | None, field: str = "month") -> date:
    """'2026-11' → date(2026, 11, 1); a French DomainError otherwise."""
    raw = (text or "").strip()
    try:
        year, month = raw.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        value = date(int(year), int(month), 1)
    except ValueError:
        raise DomainError("Mois invalide : utilisez le format AAAA-MM (par exemple 2026-11).", field=field) from None
    if not 2000 <= value.year <= 2100:
        raise DomainError("Mois invalide : l'année doit être comprise entre 2000 et 2100.", field=field)
    return value


def month_instants(month: date) -> tuple[datetime, datetime]:
    """The month as [start, end) instants in Paris time (sessions are dated by their start in Paris)."""
    return datetime.combine(month, time.min, PARIS), datetime.combine(next_month(month), time.min, PARIS)


# --- checks -----------------------------------------------------------------------------------------------------------

def _check_minutes(minutes, *, field: str = "minutes") -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise DomainError("Durée invalide : indiquez un nombre entier de minutes.", field=field)
    if minutes <= 0:
        raise DomainError("La durée doit être d'au moins une minute.", field=field)
    if minutes > MAX_ENTRY_MINUTES:
        raise DomainError(f"Une durée de plus de {fmt_minutes(MAX_ENTRY_MINUTES)} n'est pas plausible : "
                          "vérifiez la saisie.", field=field)
    return minutes


def _check_session_minutes(minutes, planned: int) -> int:
    minutes = _check_minutes(minutes)
    if minutes > planned + MAX_OVERRUN_MINUTES:
        raise DomainError(f"La durée dépasse de plus de {fmt_minutes(MAX_OVERRUN_MINUTES)} la durée prévue de la "
                          f"séance ({fmt_minutes(planned)}) : vérifiez la saisie.", field="minutes")
    return minutes


def day_total(session: Session, user_id: int, day: date, *, exclude_id: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(TimeEntry.user_id == user_id,
                                                                        TimeEntry.day == day)
    if exclude_id is not None:
        stmt = stmt.where(TimeEntry.id != exclude_id)
    return int(session.execute(stmt).scalar_one())


def _check_day_total(session: Session, user_id: int, day: date, minutes: int, *, exclude_id: int | None,
                     field: str = "minutes") -> None:
    total = day_total(session, user_id, day, exclude_id=exclude_id) + minutes
    if total > MAX_DAY_MINUTES:
        raise DomainError(f"Avec cette saisie, la journée du {day:%d/%m/%Y} compterait {fmt_minutes(total)} de "
                          f"travail, plus de 24 h : vérifiez les heures de ce jour.", field=field)


def _has_activities(session: Session, session_id: int) -> bool:
    return session.execute(select(Activity.id).where(Activity.session_id == session_id).limit(1)).first() is not None


# --- session confirmation ------------------------------------------------------------------------------------------

def _confirming_mediator(actor: User, s: MissionSession, for_user_id: int | None) -> int:
    """The mediator whose confirmation this is: the actor, or (staff only) an assigned mediator."""
    if not is_staff(actor):
        if for_user_id not in (None, actor.id):
            raise Forbidden("Vous ne pouvez confirmer que vos propres séances.")
        if not (has_role(actor, Role.MEDIATOR) and is_assigned(s, actor.id)):
            raise Forbidden("Vous n'êtes pas affecté·e à cette séance.")
        return actor.id
    if for_user_id is None:
        if is_assigned(s, actor.id):
            return actor.id
        if not s.assignments:
            raise DomainError("Personne n'est affecté·e à cette séance : affectez d'abord un·e médiateur·rice.",
                              field="for_user_id")
        if len(s.assignments) > 1:
            raise DomainError("Précisez pour quel·le médiateur·rice vous confirmez la séance.", field="for_user_id")
        return s.assignments[0].user_id
    if not is_assigned(s, for_user_id):
        raise DomainError("Cette personne n'est pas affectée à cette séance.", field="for_user_id")
    return for_user_id


def session_entry(session: Session, session_id: int, user_id: int) -> TimeEntry | None:
    return session.execute(
        select(TimeEntry).where(TimeEntry.session_id == session_id, TimeEntry.user_id == user_id)
    ).scalar_one_or_none()


def _state(s: MissionSession) -> dict:
    return audit.snapshot(s, ["status", "held_minutes", "not_held_reason", "cancel_reason", "confirmed_by_id"])


def _reason(reason) -> NotHeldReason:
    if not reason:
        raise DomainError("Indiquez pourquoi la séance n'a pas eu lieu.", field="reason")
    try:
        return NotHeldReason(reason)
    except ValueError:
        raise DomainError("Motif inconnu.", field="reason") from None


def _ensure_not_billed(session: Session, s: MissionSession) -> None:
    """A session on an invoice (draft or issued) keeps its confirmation: the invoice bills what was confirmed."""
    invoice = slots.provided_one("missions.session_invoice", session, s.id)  # billing: the invoice that bills it
    if invoice is not None:
        which = f"la facture {invoice.number}" if invoice.number else "un brouillon de facture"
        raise DomainError(f"Cette séance est facturée ({which}) : sa confirmation ne peut plus changer. "
                          "Retirez-la du brouillon, ou établissez un avoir, d'abord.")


def _not_held_minutes(session: Session, s: MissionSession, reason: str | None, text: str,
                      minutes: int | None) -> tuple[NotHeldReason, int]:
    """The reason a session did not take place, and the minutes still counted (by default: the planned duration
    when nobody came — the mediator waited —, none otherwise)."""
    reason = _reason(reason)
    if len(text) > NOT_HELD_TEXT_MAX:
        raise DomainError(f"Les précisions ne doivent pas dépasser {NOT_HELD_TEXT_MAX} caractères.",
                          field="reason_text")
    if reason == NotHeldReason.OTHER and not text:
        raise DomainError("Précisez pourquoi la séance n'a pas eu lieu.", field="reason_text")
    if s.status == SessionStatus.HELD and _has_activities(session, s.id):
        raise DomainError("Des activités sont rattachées à cette séance : elle a donc eu lieu. Supprimez-les "
                          "d'abord si elle n'a vraiment pas eu lieu.", field="reason")
    planned = s.duration_minutes
    if minutes is None:
        minutes = planned if reason == NotHeldReason.NO_PUBLIC else 0
    elif isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise DomainError("La durée ne peut pas être négative.", field="minutes")
    if minutes:
        minutes = _check_session_minutes(minutes, planned)
    return reason, minutes


def _set_session_entry(session: Session, actor: User, s: MissionSession, entry: TimeEntry | None, mediator_id: int,
                       day: date, minutes: int, now: datetime) -> TimeEntry | None:
    """The confirming mediator's time entry for the session: created or updated with ``minutes``, removed when
    no time is counted."""
    if minutes:
        if entry is None:
            entry = TimeEntry(user_id=mediator_id, session_id=s.id, category=TimeCategory.SESSION, day=day,
                              minutes=minutes, created_by_id=actor.id, created_at=now)
            session.add(entry)
        entry.day, entry.minutes, entry.category = day, minutes, TimeCategory.SESSION
        entry.convention_id = s.mission.convention_id
        entry.updated_at = now
    elif entry is not None:
        session.delete(entry)
        entry = None
    return entry


def confirm_session(session: Session, actor: User, s: MissionSession, *, held: bool, minutes: int | None = None,
                    reason: str | None = None, reason_text: str = "", now: datetime,
                    for_user_id: int | None = None) -> TimeEntry | None:
    """Confirm that a started session took place (``held``, for ``minutes``, by default the planned duration) or
    not (with a ``reason``). Sets the session's status and the confirming mediator's time entry for it (created,
    updated, or removed when not held and no time is counted). Returns that entry, or None."""
    mediator_id = _confirming_mediator(actor, s, for_user_id)
    if s.status == SessionStatus.CANCELLED:
        raise DomainError("Cette séance est annulée : elle ne peut pas être confirmée.")
    if s.start > now:
        raise DomainError("Cette séance n'a pas encore commencé : vous pourrez la confirmer dès son début.")
    day = paris_day(s.start)
    entry = session_entry(session, s.id, mediator_id)
    text = (reason_text or "").strip()
    if held:
        minutes = _check_session_minutes(s.duration_minutes if minutes is None else minutes, s.duration_minutes)
    else:
        reason, minutes = _not_held_minutes(session, s, reason, text, minutes)
    locks.ensure_open(session, mediator_id, day, field=None)
    if s.status in CONFIRMED:
        _ensure_not_billed(session, s)
    if minutes:
        _check_day_total(session, mediator_id, day, minutes, exclude_id=entry.id if entry else None)

    before = _state(s)
    if held:
        s.status, s.held_minutes, s.not_held_reason, s.cancel_reason = SessionStatus.HELD, minutes, None, ""
    else:
        s.status, s.held_minutes, s.not_held_reason, s.cancel_reason = SessionStatus.NOT_HELD, None, reason, text
    s.confirmed_at, s.confirmed_by_id = now, actor.id
    if s.status != before["status"]:
        s.sequence += 1  # calendar subscribers see the change
    s.updated_at = now
    entry = _set_session_entry(session, actor, s, entry, mediator_id, day, minutes, now)
    session.flush()
    what = (f"réalisée ({fmt_minutes(minutes)})" if held
            else f"non tenue ({NOT_HELD_WORDS[reason]}{', ' + fmt_minutes(minutes) + ' comptées' if minutes else ''})")
    audit.record(session, actor, "confirm", s, summary=f"Séance {what} : « {s.mission.title} » "
                 f"{describe_slot(s.start, s.end)}" + (f" pour l'utilisateur {mediator_id}"
                                                       if mediator_id != actor.id else ""),
                 before=before, after=_state(s), now=now)
    return entry


def unconfirm_session(session: Session, actor: User, s: MissionSession, *, now: datetime) -> None:
    """Put a confirmed session back to planned and remove its time entries — unless activities are attached."""
    if not can_confirm(actor, s):
        raise Forbidden("Vous n'êtes pas affecté·e à cette séance.")
    if s.status not in CONFIRMED:
        raise DomainError("Cette séance n'est pas confirmée.")
    if _has_activities(session, s.id):
        raise DomainError("Des activités sont rattachées à cette séance : sa confirmation ne peut plus être annulée. "
                          "Modifiez-la plutôt (durée, motif).")
    _ensure_not_billed(session, s)
    entries = session.execute(select(TimeEntry).where(TimeEntry.session_id == s.id)).scalars().all()
    for user_id, day in {(e.user_id, e.day) for e in entries} | {(a.user_id, paris_day(s.start))
                                                                  for a in s.assignments}:
        locks.ensure_open(session, user_id, day, field=None)
    before = _state(s)
    for entry in entries:
        session.delete(entry)
    s.status, s.held_minutes, s.not_held_reason, s.cancel_reason = SessionStatus.PLANNED, None, None, ""
    s.confirmed_at = s.confirmed_by_id = None
    s.sequence += 1
    s.updated_at = now
    session.flush()
    removed = formats.count(len(entries), "saisie d'heures retirée", "saisies d'heures retirées")
    audit.record(session, actor, "unconfirm", s, summary=f"Confirmation annulée : « {s.mission.title} » "
                 f"{describe_slot(s.start, s.end)} ({removed})", before=before, after=_state(s), now=now)


# --- extra hours ---------------------------------------------------------------------------------------------------

def conventions_of(session: Session, user_id: int, *, today: date, include_id: int | None = None) -> list[Convention]:
    """The conventions a mediator works on now: ended less than a year before ``today`` and, in the last twelve
    months or to come, with their hours entered (a held session, extra hours on it), a planned session of theirs,
    or a mission of which they are a default mediator; by reference, with their organisation. The choices of an
    hours entry, which ten years of conventions would bury (an entry already on an older one keeps it through
    ``include_id``).

    Each source is read through an index bounded in time (a year of the mediator's hours, the planned sessions
    since a year), not through every session the mediator was ever assigned to, which grows with the years."""
    since = today - timedelta(days=365)
    entered = select(TimeEntry.convention_id).where(
        TimeEntry.user_id == user_id, TimeEntry.day >= since, TimeEntry.convention_id.is_not(None))
    planned = (select(Mission.convention_id).join(MissionSession, MissionSession.mission_id == Mission.id)
               .where(MissionSession.status == SessionStatus.PLANNED,
                      MissionSession.start >= datetime.combine(since, time.min, PARIS), assigned_to(user_id)))
    by_default = (select(Mission.convention_id).join(MissionMediator, MissionMediator.mission_id == Mission.id)
                  .where(MissionMediator.user_id == user_id))
    cond = and_(Convention.end_date >= since, Convention.id.in_(entered.union(planned, by_default)))
    if include_id is not None:
        cond = or_(cond, Convention.id == include_id)
    return list(session.execute(
        select(Convention).join(Convention.organisation).where(cond)
        .options(contains_eager(Convention.organisation), lazyload(Convention.services))
        .order_by(Convention.reference)
    ).scalars().unique())


def _works_on(session: Session, user_id: int, convention_id: int) -> bool:
    return session.execute(
        select(Assignment.id).join(MissionSession, MissionSession.id == Assignment.session_id)
        .join(Mission, Mission.id == MissionSession.mission_id)
        .where(Assignment.user_id == user_id, Mission.convention_id == convention_id).limit(1)
    ).first() is not None


@dataclass
class EntryData:
    day: date
    minutes: int
    category: str
    convention_id: int | None = None
    note: str = ""


def _clean_extra(session: Session, user_id: int, data: EntryData, *, now: datetime,
                 keep_convention_id: int | None = None) -> EntryData:
    if data.category not in {c.value for c in EXTRA_CATEGORIES}:
        raise DomainError("Catégorie inconnue : choisissez préparation, déplacement, réunion, formation, "
                          "administratif ou autre.", field="category")
    if not isinstance(data.day, date):
        raise DomainError("Date invalide.", field="day")
    if data.day > paris_day(now):
        raise DomainError("Vous ne pouvez pas saisir d'heures pour une date à venir.", field="day")
    if data.day.year < 2000:
        raise DomainError("Date invalide.", field="day")
    _check_minutes(data.minutes)
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"La note ne doit pas dépasser {NOTE_MAX} caractères.", field="note")
    if data.convention_id is not None and data.convention_id != keep_convention_id:
        if session.get(Convention, data.convention_id) is None or not _works_on(session, user_id, data.convention_id):
            raise DomainError("Choisissez une convention sur laquelle cette personne intervient.",
                              field="convention_id")
    return EntryData(day=data.day, minutes=data.minutes, category=data.category, convention_id=data.convention_id,
                     note=note)


def _entry_summary(entry: TimeEntry) -> str:
    """« 2 h de déplacement le 03/03/2026 (utilisateur 7) »: the category in words, never its code."""
    word = CATEGORY_WORDS.get(entry.category, entry.category)
    return formats.elide(f"{fmt_minutes(entry.minutes)} de {word} le {entry.day:%d/%m/%Y} "
                         f"(utilisateur {entry.user_id})", word)


def _entry_state(entry: TimeEntry) -> dict:
    return audit.snapshot(entry, ["user_id", "day", "minutes", "category", "convention_id", "note"])


def add_entry(session: Session, actor: User, data: EntryData, *, now: datetime,
              for_user_id: int | None = None) -> TimeEntry:
    """Extra hours outside sessions, for the actor (or, staff only, for a mediator)."""
    user_id = actor.id if for_user_id is None else for_user_id
    if user_id != actor.id and not is_staff(actor):
        raise Forbidden("Vous ne pouvez saisir que vos propres heures.")
    target = actor if user_id == actor.id else session.get(User, user_id)
    if target is None or not target.has_role(Role.MEDIATOR):
        raise DomainError("Les heures se saisissent pour un·e médiateur·rice.", field="user_id")
    data = _clean_extra(session, user_id, data, now=now)
    locks.ensure_open(session, user_id, data.day, field="day")
    _check_day_total(session, user_id, data.day, data.minutes, exclude_id=None)
    entry = TimeEntry(user_id=user_id, day=data.day, minutes=data.minutes, category=data.category,
                      convention_id=data.convention_id, note=data.note, created_by_id=actor.id, created_at=now,
                      updated_at=now)
    session.add(entry)
    audit.record(session, actor, "create", entry, summary="Heures ajoutées : " + _entry_summary(entry),
                 after=_entry_state(entry), now=now)
    return entry


def _check_extra_entry(actor: User, entry: TimeEntry) -> None:
    if not can_edit_entry(actor, entry):
        raise Forbidden("Vous ne pouvez modifier que vos propres heures.")
    if entry.session_id is not None or entry.category == TimeCategory.SESSION:
        raise DomainError("Les heures d'une séance se corrigent en modifiant la confirmation de la séance.")


def update_entry(session: Session, actor: User, entry: TimeEntry, data: EntryData, *, now: datetime) -> TimeEntry:
    _check_extra_entry(actor, entry)
    data = _clean_extra(session, entry.user_id, data, now=now, keep_convention_id=entry.convention_id)
    locks.ensure_open(session, entry.user_id, entry.day, field="day")
    locks.ensure_open(session, entry.user_id, data.day, field="day")
    _check_day_total(session, entry.user_id, data.day, data.minutes, exclude_id=entry.id)
    before = _entry_state(entry)
    entry.day, entry.minutes, entry.category = data.day, data.minutes, data.category
    entry.convention_id, entry.note, entry.updated_at = data.convention_id, data.note, now
    audit.record(session, actor, "update", entry, summary="Heures modifiées : " + _entry_summary(entry),
                 before=before, after=_entry_state(entry), now=now)
    return entry


def delete_entry(session: Session, actor: User, entry: TimeEntry, *, now: datetime) -> None:
    _check_extra_entry(actor, entry)
    locks.ensure_open(session, entry.user_id, entry.day, field="day")
    audit.record(session, actor, "delete", entry, summary="Heures supprimées : " + _entry_summary(entry),
                 before=_entry_state(entry), now=now)
    session.delete(entry)


def sessions_with_hours(session: Session, session_ids: list[int]) -> set[int]:
    """Of ``session_ids``, the sessions someone logged hours for (the planning never moves or deletes them)."""
    return set(session.execute(select(TimeEntry.session_id).where(TimeEntry.session_id.in_(session_ids))).scalars())
