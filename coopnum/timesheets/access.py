"""Who may see or change what in the timesheets domain: the one place for these rules.

- staff (admin, coordinator): every mediator's hours and timesheets, every confirmation;
- mediators: their own hours and timesheet; they confirm the sessions they are assigned to;
- authority contacts and members: nothing here."""

from coopnum.core.access import has_role, is_staff
from coopnum.core.models import Role
from coopnum.missions.models import MissionSession
from coopnum.timesheets.models import TimeEntry


def is_assigned(s: MissionSession, user_id: int) -> bool:
    return any(a.user_id == user_id for a in s.assignments)


def can_confirm(user, s: MissionSession) -> bool:
    """Confirm (or correct the confirmation of) a session: staff, or a mediator assigned to it."""
    return is_staff(user) or (has_role(user, Role.MEDIATOR) and is_assigned(s, user.id))


def can_edit_entry(user, entry: TimeEntry) -> bool:
    """A mediator edits their own entries; staff edit anyone's."""
    return is_staff(user) or (has_role(user, Role.MEDIATOR) and entry.user_id == user.id)


def can_view_timesheet(user, user_id: int) -> bool:
    return is_staff(user) or (has_role(user, Role.MEDIATOR) and user.id == user_id)
