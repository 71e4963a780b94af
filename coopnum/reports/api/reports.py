"""JSON API of the reports area: the figures of a convention's activity report for a period.

``GET /api/v1/conventions/{id}/report?from=2026-01-01&to=2026-03-31`` (or ``period=month|quarter|year&ref=…``):
the same figures as the report page, PDF and workbook. For the coordination, and for the authority contact of the
convention's organisation (another convention answers 404). A bad period answers 422 with a French message."""

from datetime import date, datetime
from decimal import Decimal

from flask import g, jsonify, request
from sqlmodel import SQLModel

from coopnum.core import clock
from coopnum.core.api import Param, endpoint
from coopnum.core.clock import paris_today
from coopnum.core.db import db
from coopnum.core.handlers import json_error
from coopnum.core.models import Role
from coopnum.organisations import access
from coopnum.organisations.models import Convention
from coopnum.reports.services import reports

TAG = "reports"


class CountPublic(SQLModel):
    value: str
    label: str
    count: int


class PlaceFiguresPublic(SQLModel):
    place_id: int | None
    name: str
    sessions_held: int
    minutes_delivered: int
    hours_delivered: Decimal
    individual: int
    workshops: int
    participants: int
    people: int


class MonthFiguresPublic(SQLModel):
    month: date
    sessions_held: int
    sessions_cancelled: int
    minutes_delivered: int
    hours_delivered: Decimal
    individual: int
    workshops: int
    participants: int
    people: int


class ReportPublic(SQLModel):
    """A convention's report for a period (dates inclusive). Hours are decimal strings; minutes are exact."""

    convention_id: int
    convention_reference: str
    convention_title: str
    organisation_name: str
    date_from: date
    date_to: date
    generated_at: datetime
    sessions_held: int
    sessions_cancelled: int
    sessions_not_held: int
    sessions_planned: int
    sessions_to_confirm: int
    sessions_total: int
    minutes_delivered: int
    hours_delivered: Decimal
    minutes_planned: int
    volume_unit: str
    contracted_volume: Decimal
    volume_used: Decimal
    volume_share_percent: Decimal | None
    volume_used_to_date: Decimal
    individual: int
    workshops: int
    collective_participants: int
    people_helped: int
    activity_minutes: int
    themes: list[CountPublic]
    demarche_themes: list[CountPublic]
    autonomy: list[CountPublic]
    autonomy_unknown: int
    oriented: int
    redirections: list[CountPublic]
    places: list[PlaceFiguresPublic]
    months: list[MonthFiguresPublic]


@endpoint("/conventions/<id:convention_id>/report", summary="Rapport d’activité d’une convention sur une période",
          roles=(Role.COORDINATOR, Role.AUTHORITY), tag=TAG, response=ReportPublic,
          params=[Param("from", "premier jour (AAAA-MM-JJ)", format="date"),
                  Param("to", "dernier jour inclus (AAAA-MM-JJ)", format="date"),
                  Param("period", "month, quarter, year ou custom (défaut : custom avec from/to, sinon le mois)",
                        enum=("month", "quarter", "year", "custom")),
                  Param("ref", "2026-11 (mois), 2026-T4 (trimestre) ou 2026 (année)")])
def convention_report(convention_id: int):
    convention = db.session.get(Convention, convention_id)
    if convention is None or not access.can_view_convention(g.api_user, convention):
        return json_error(404, "Convention introuvable.")
    now = clock.now()
    period = reports.resolve_period(request.args, paris_today(now))  # DomainError → 422
    figures = reports.convention_report(db.session, convention, period.start, period.end, now=now)
    return jsonify(ReportPublic.model_validate(figures, from_attributes=True).model_dump(mode="json"))
