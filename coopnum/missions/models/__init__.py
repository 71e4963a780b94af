"""Missions domain tables. ``planning``: organisations, places, catalogue, conventions, missions, sessions,
assignments, absences, feeds, requests. ``activities``: hours, timesheets, activity reports (CRA), beneficiaries,
reference lists, report share links."""

from coopnum.missions.models.activities import *  # noqa: F401,F403
from coopnum.missions.models.activities import (  # noqa: F401
    EXTRA_CATEGORIES,
    MAX_ENTRY_MINUTES,
    Activity,
    ActivityBeneficiary,
    Beneficiary,
    ReferenceItem,
    ReportShare,
    TimeCategory,
    TimeEntry,
    Timesheet,
    TimesheetStatus,
)
from coopnum.missions.models.planning import *  # noqa: F401,F403
