"""Who may see or change what in the missions domain: the one place for these rules.

- staff (admin, coordinator): everything;
- mediators: the planning (missions, sessions), their own absences and feed; they take open sessions and are
  assigned by the coordination;
- authority contacts: the missions and sessions of their own organisation's conventions, its requests (they may
  request a service when their account is attached to an organisation: ``can_create_request``);
- members: nothing here."""

from coopnum.core.access import has_role, is_staff
from coopnum.core.models import Role
from coopnum.missions.models import FeedKind
from coopnum.organisations.access import can_create_request, is_authority_of

__all__ = ["can_create_request", "can_edit_absence", "can_manage", "can_manage_feed", "can_take_session", "can_view_mission",
           "can_view_planning", "can_view_request", "can_view_session", "is_authority_of"]


def can_manage(user) -> bool:
    """Create and edit missions and sessions; assign mediators."""
    return is_staff(user)


def can_view_planning(user) -> bool:
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR)


def can_view_mission(user, mission) -> bool:
    return can_view_planning(user) or is_authority_of(user, mission.convention.organisation_id)


def can_view_session(user, session) -> bool:
    return can_view_mission(user, session.mission)


def can_take_session(user, session) -> bool:
    return has_role(user, Role.MEDIATOR) and not session.is_cancelled


def can_edit_absence(user, absence_user_id: int) -> bool:
    return is_staff(user) or (has_role(user, Role.MEDIATOR) and user.id == absence_user_id)


def can_view_request(user, request) -> bool:
    return is_staff(user) or is_authority_of(user, request.organisation_id)


def can_manage_feed(user, kind: str | FeedKind, target_id: int) -> bool:
    """Staff manage every feed; a mediator their own; an authority contact their organisation's."""
    if is_staff(user):
        return True
    if kind == FeedKind.MEDIATOR:
        return has_role(user, Role.MEDIATOR) and getattr(user, "id", None) == target_id
    if kind == FeedKind.ORGANISATION:
        return is_authority_of(user, target_id)
    return False
