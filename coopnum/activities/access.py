"""Who may see or change what in the activities domain: the one place for these rules.

- staff (admin, coordinator): every activity report and followed beneficiary;
- mediators: they report activities; they see and edit their own reports and the beneficiaries they follow;
- authority contacts and members: nothing here (authorities see reports, anonymous, through the reports domain)."""

from coopnum.activities.models import Activity, Beneficiary
from coopnum.core.access import is_staff
from coopnum.core.models import Role, User


def can_report(user: User) -> bool:
    return is_staff(user) or user.has_role(Role.MEDIATOR)


def can_view_activity(user: User, activity: Activity) -> bool:
    """Staff: every activity; a mediator: their own."""
    return is_staff(user) or (user.has_role(Role.MEDIATOR) and activity.mediator_id == user.id)


can_edit_activity = can_view_activity


def can_view_beneficiary(user: User, beneficiary: Beneficiary) -> bool:
    return is_staff(user) or (user.has_role(Role.MEDIATOR) and beneficiary.mediator_id == user.id)


can_edit_beneficiary = can_view_beneficiary  # the owner and staff
