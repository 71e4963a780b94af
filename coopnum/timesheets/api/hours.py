"""JSON API of the hours area: a mediator's month (timesheet status, totals, time entries, sessions to confirm).

A mediator reads their own months only; the coordination reads anyone's."""

from datetime import UTC, date, datetime

from flask import g, jsonify
from sqlmodel import SQLModel

from coopnum.core import clock
from coopnum.core.api import Param, endpoint
from coopnum.core.db import db
from coopnum.core.handlers import json_error
from coopnum.core.models import Role, User
from coopnum.timesheets import access
from coopnum.timesheets.services import hours, timesheets


class TimeEntryPublic(SQLModel):
    id: int
    day: date
    minutes: int
    category: str
    session_id: int | None
    convention_id: int | None
    note: str


class SessionToConfirm(SQLModel):
    id: int
    mission_title: str
    place_id: int
    convention_id: int
    start: datetime
    end: datetime
    planned_minutes: int


class TimesheetTotals(SQLModel):
    session_minutes: int
    extra_minutes: int
    total_minutes: int
    by_category: dict[str, int]


class TimesheetPublic(SQLModel):
    mediator_id: int
    month: str  # YYYY-MM
    status: str  # open | submitted | sent_back | validated
    locked: bool
    comment: str
    submitted_at: datetime | None
    validated_at: datetime | None
    validated_by_id: int | None
    totals: TimesheetTotals
    entries: list[TimeEntryPublic]
    unconfirmed_sessions: list[SessionToConfirm]
    sessions_without_report: list[int]


def timesheet_public(summary: timesheets.MonthSummary) -> dict:
    ts = summary.timesheet
    return TimesheetPublic(
        mediator_id=summary.user_id, month=hours.month_key(summary.month), status=ts.status, locked=ts.locked,
        comment=ts.comment or "", submitted_at=ts.submitted_at, validated_at=ts.validated_at,
        validated_by_id=ts.validated_by_id,
        totals=TimesheetTotals(session_minutes=summary.session_minutes, extra_minutes=summary.extra_minutes,
                               total_minutes=summary.total_minutes, by_category=summary.by_category),
        entries=[TimeEntryPublic.model_validate(e, from_attributes=True) for e in summary.entries],
        unconfirmed_sessions=[
            SessionToConfirm(id=s.id, mission_title=s.mission.title, place_id=s.mission.place_id,
                             convention_id=s.mission.convention_id, start=s.start.astimezone(UTC),
                             end=s.end.astimezone(UTC), planned_minutes=s.duration_minutes)
            for s in summary.unconfirmed
        ],
        sessions_without_report=[s.id for s in summary.without_report],
    ).model_dump(mode="json")


@endpoint("/timesheets/<id:mediator>/<month>", summary="Le relevé d'heures d'un·e médiateur·rice pour un mois "
          "(AAAA-MM) : état, totaux, heures saisies, séances à confirmer", roles=(Role.COORDINATOR, Role.MEDIATOR),
          tag="hours", response=TimesheetPublic,
          params=[Param("month", "Le mois, AAAA-MM", location="path", pattern=r"^\d{4}-\d{2}$")])
def get_timesheet(mediator: int, month: str):
    user = g.api_user
    if not access.can_view_timesheet(user, mediator):
        return json_error(403, "Vous ne pouvez consulter que vos propres relevés d'heures.", "forbidden")
    if db.session.get(User, mediator) is None:
        return json_error(404, "Personne introuvable.", "not_found")
    month_date = hours.parse_month(month)  # DomainError → 422 in French
    summary = timesheets.month_summary(db.session, mediator, month_date, now=clock.now())
    return jsonify(timesheet_public(summary))
