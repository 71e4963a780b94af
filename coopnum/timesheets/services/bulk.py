"""Services of the timesheets domain: validating several mediators' months at once.

``review`` reads what the coordination should look at before validating a set of timesheets — their anomalies,
in a fixed number of queries whatever the number of sheets; ``validate_many`` validates them in one action, each
sheet checked on its own (state, sessions still to confirm, a change since the review): those that cannot be
validated are reported, never an error of the whole batch. Services never commit."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlmodel import Session

from coopnum.activities.models import Activity
from coopnum.core import formats
from coopnum.core.access import is_staff
from coopnum.core.clock import to_paris
from coopnum.core.errors import DomainError, Forbidden
from coopnum.core.models import User
from coopnum.missions.models import Assignment, MissionSession, SessionStatus
from coopnum.timesheets.models import TimeEntry, Timesheet, TimesheetStatus
from coopnum.timesheets.services import locks
from coopnum.timesheets.services import timesheets as sheets
from coopnum.timesheets.services.hours import fmt_minutes, month_instants, next_month

LONG_DAY_MINUTES = 10 * 60  # a day with more hours than this is shown as an anomaly (not refused)
MAX_SHEETS = 200  # a batch larger than this is refused (the month list pages by 50)
NOT_SUBMITTED = "Ce relevé n'a pas été envoyé par la personne : ouvrez-le pour le valider."


@dataclass
class SheetReview:
    """One mediator's month as the review step shows it: anomalies to look at, and why it cannot be validated."""

    user: User
    timesheet: Timesheet
    anomalies: list[str] = field(default_factory=list)
    blocking: str | None = None  # set: this sheet cannot be validated now

    @property
    def stamp(self) -> str:
        """What the validation compares to detect a change since the review (the sheet's last change)."""
        ts = self.timesheet
        return ts.updated_at.isoformat() if ts.id is not None and ts.updated_at else ""


@dataclass
class BatchResult:
    validated: list[User] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, French reason)
    conflicts: int = 0  # refused because the sheet changed since the review


def _day(value: datetime) -> str:
    return f"{to_paris(value):%d/%m}"


def _days(values: list[str], limit: int = 6) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" et {formats.count(len(values) - limit, 'autre', 'autres')}" if len(values) > limit else "")


def _blocking(ts: Timesheet, unconfirmed: int) -> str | None:
    if ts.status == TimesheetStatus.VALIDATED:
        return "Ce relevé est déjà validé."
    if ts.status != TimesheetStatus.SUBMITTED:
        return NOT_SUBMITTED
    if unconfirmed:
        if formats.is_plural(unconfirmed):
            return f"{unconfirmed} séances passées ne sont pas encore confirmées."
        return f"{unconfirmed} séance passée n'est pas encore confirmée."
    return None


def _sessions(session: Session, ids: list[int], month: date):
    """(user_id, session id, start, end, status) of these mediators' sessions of the month, not cancelled."""
    start, end = month_instants(month)
    return session.execute(
        select(Assignment.user_id, MissionSession.id, MissionSession.start, MissionSession.end,
               MissionSession.status)
        .join(MissionSession, MissionSession.id == Assignment.session_id)
        .where(Assignment.user_id.in_(ids), MissionSession.start >= start, MissionSession.start < end,
               MissionSession.status != SessionStatus.CANCELLED)
        .order_by(Assignment.user_id, MissionSession.start, MissionSession.id)
    ).all()


def _held(n: int) -> str:
    return formats.count(n, "séance réalisée", "séances réalisées")


def _session_anomalies(rows, hours: set[tuple[int, int]], reported: set[int]) -> dict[int, list[str]]:
    """Per mediator: held sessions without hours, held sessions without an activity report, overlapping sessions."""
    found: dict[int, dict[str, list[str]]] = {}
    last_end: dict[int, tuple[datetime, datetime]] = {}
    for user_id, session_id, start, end, status in rows:
        kinds = found.setdefault(user_id, {"hours": [], "report": [], "overlap": []})
        if status == SessionStatus.HELD and (session_id, user_id) not in hours:
            kinds["hours"].append(_day(start))
        if status == SessionStatus.HELD and session_id not in reported:
            kinds["report"].append(_day(start))
        previous = last_end.get(user_id)
        if previous is not None and start < previous[1]:
            kinds["overlap"].append(_day(start))
        if previous is None or end > previous[1]:
            last_end[user_id] = (start, end)
    out: dict[int, list[str]] = {}
    for user_id, kinds in found.items():
        lines = []
        if kinds["hours"]:
            lines.append(f"{_held(len(kinds['hours']))} sans heures saisies : {_days(kinds['hours'])}.")
        if kinds["report"]:
            lines.append(f"{_held(len(kinds['report']))} sans compte rendu d'activité : {_days(kinds['report'])}.")
        if kinds["overlap"]:
            lines.append(f"Séances qui se chevauchent : {_days(kinds['overlap'])}.")
        out[user_id] = lines
    return out


def _long_days(session: Session, ids: list[int], month: date) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    total = func.sum(TimeEntry.minutes)
    for user_id, day, minutes in session.execute(
        select(TimeEntry.user_id, TimeEntry.day, total)
        .where(TimeEntry.user_id.in_(ids), TimeEntry.day >= month, TimeEntry.day < next_month(month))
        .group_by(TimeEntry.user_id, TimeEntry.day).having(total > LONG_DAY_MINUTES)
        .order_by(TimeEntry.user_id, TimeEntry.day)
    ):
        out.setdefault(user_id, []).append(f"{day:%d/%m} ({fmt_minutes(int(minutes))})")
    return {uid: [f"{'Journées' if formats.is_plural(len(d)) else 'Journée'} de plus de "
                  f"{fmt_minutes(LONG_DAY_MINUTES)} : {_days(d)}."] for uid, d in out.items()}


def _unconfirmed(session: Session, ids: list[int], month: date, now: datetime) -> dict[int, int]:
    start, end = month_instants(month)
    return {uid: int(n) for uid, n in session.execute(
        select(Assignment.user_id, func.count()).join(MissionSession, MissionSession.id == Assignment.session_id)
        .where(Assignment.user_id.in_(ids), MissionSession.status == SessionStatus.PLANNED,
               MissionSession.start >= start, MissionSession.start < end, MissionSession.start <= now)
        .group_by(Assignment.user_id))}


def _check_ids(user_ids) -> list[int]:
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        raise DomainError("Sélectionnez au moins un relevé.", field="ids")
    if len(ids) > MAX_SHEETS:
        raise DomainError(f"Sélectionnez au plus {MAX_SHEETS} relevés à la fois.", field="ids")
    return ids


def review(session: Session, actor: User, user_ids, month: date, *, now: datetime) -> list[SheetReview]:
    """The selected mediators' months, those with something to look at (refusals, anomalies) first, then by name.
    Eight queries whatever the number of sheets."""
    if not is_staff(actor):
        raise Forbidden("Seule la coordination valide les relevés d'heures.")
    ids, month = _check_ids(user_ids), locks.month_start(month)
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars().unique()}
    if len(users) != len(ids):
        raise DomainError("Personne introuvable.", field="ids")
    timesheets = {t.user_id: t for t in session.execute(
        select(Timesheet).where(Timesheet.user_id.in_(ids), Timesheet.month == month)).scalars()}
    rows = _sessions(session, ids, month)
    session_ids = sorted({r[1] for r in rows})
    hours, reported = set(), set()
    if session_ids:
        hours = {(r[0], r[1]) for r in session.execute(select(TimeEntry.session_id, TimeEntry.user_id).where(
            TimeEntry.session_id.in_(session_ids)))}
        reported = set(session.execute(select(Activity.session_id).where(
            Activity.session_id.in_(session_ids)).distinct()).scalars())
    by_sessions = _session_anomalies(rows, hours, reported)
    long_days = _long_days(session, ids, month)
    unconfirmed = _unconfirmed(session, ids, month, now)
    reviews = []
    for uid in ids:
        ts = timesheets.get(uid) or Timesheet(user_id=uid, month=month, status=TimesheetStatus.OPEN)
        item = SheetReview(user=users[uid], timesheet=ts, blocking=_blocking(ts, unconfirmed.get(uid, 0)))
        item.anomalies = by_sessions.get(uid, []) + long_days.get(uid, [])
        reviews.append(item)
    reviews.sort(key=lambda r: (r.blocking is None, not r.anomalies, r.user.full_name, r.user.id))
    return reviews


def validate_many(session: Session, actor: User, stamps: dict[int, str], month: date, *,
                  now: datetime) -> BatchResult:
    """Validate the mediators' months given as {user id: stamp seen at the review}; each one is locked, checked and
    validated on its own, and those that cannot be are reported with the reason (the others are validated)."""
    if not is_staff(actor):
        raise Forbidden("Seule la coordination valide les relevés d'heures.")
    ids, month = _check_ids(stamps), locks.month_start(month)
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars().unique()}
    result = BatchResult()
    for uid in sorted(ids, key=lambda i: (users[i].full_name, i) if i in users else ("", i)):
        user = users.get(uid)
        if user is None:
            result.refused.append((f"#{uid}", "Personne introuvable."))
            continue
        stmt = select(Timesheet).where(Timesheet.user_id == uid, Timesheet.month == month)
        if session.get_bind().dialect.name != "sqlite":
            stmt = stmt.with_for_update(of=Timesheet)
        ts = session.execute(stmt).scalar_one_or_none()
        if ts is None or ts.status != TimesheetStatus.SUBMITTED:
            reason = "Ce relevé est déjà validé." if ts is not None and ts.status == TimesheetStatus.VALIDATED \
                else NOT_SUBMITTED
            result.refused.append((user.full_name, reason))
            continue
        if (ts.updated_at.isoformat() if ts.updated_at else "") != (stamps.get(uid) or ""):
            result.conflicts += 1
            result.refused.append((user.full_name, "Ce relevé a changé depuis votre relecture : relisez-le."))
            continue
        try:
            sheets.validate(session, actor, uid, month, now=now)
        except DomainError as exc:
            result.refused.append((user.full_name, exc.message))
            continue
        result.validated.append(user)
    return result


def next_submitted(session: Session, user: User, month: date) -> User | None:
    """The next mediator (by name, after this one, then from the top) whose month waits for validation."""
    month = locks.month_start(month)
    waiting = (select(User).join(Timesheet, and_(Timesheet.user_id == User.id, Timesheet.month == month))
               .where(Timesheet.status == TimesheetStatus.SUBMITTED, User.id != user.id)
               .order_by(User.full_name, User.id))
    people = list(session.execute(waiting).scalars().unique())
    after = [u for u in people if (u.full_name, u.id) > (user.full_name, user.id)]
    return (after or people or [None])[0]
