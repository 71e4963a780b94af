"""Who may see or change what in the missions domain: the one place for these rules.

- staff (admin, coordinator): everything;
- mediators: the planning (missions, sessions, places, the catalogue), their own absences and feed; they take
  open sessions and are assigned by the coordination;
- authority contacts: their own organisation only: its conventions, their missions and sessions, its places,
  its requests;
- members: nothing here."""

from coopnum.core.access import has_role, is_staff
from coopnum.core.models import Role


def can_manage(user) -> bool:
    """Create and edit catalogue, organisations, conventions, places, missions; assign mediators."""
    return is_staff(user)


def can_view_planning(user) -> bool:
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR)


def is_authority_of(user, organisation_id: int | None) -> bool:
    return (
        organisation_id is not None
        and has_role(user, Role.AUTHORITY)
        and getattr(user, "organisation_id", None) == organisation_id
    )


def can_view_organisation(user, organisation) -> bool:
    return is_staff(user) or is_authority_of(user, organisation.id)


def can_view_convention(user, convention) -> bool:
    return is_staff(user) or is_authority_of(user, convention.organisation_id)


def can_view_mission(user, mission) -> bool:
    return can_view_planning(user) or is_authority_of(user, mission.convention.organisation_id)


def can_view_session(user, session) -> bool:
    return can_view_mission(user, session.mission)


def can_view_place(user, place) -> bool:
    return can_view_planning(user) or is_authority_of(user, place.organisation_id)


def can_take_session(user, session) -> bool:
    return has_role(user, Role.MEDIATOR) and not session.is_cancelled


def can_edit_absence(user, absence_user_id: int) -> bool:
    return is_staff(user) or (has_role(user, Role.MEDIATOR) and user.id == absence_user_id)


def can_view_request(user, request) -> bool:
    return is_staff(user) or is_authority_of(user, request.organisation_id)


def can_create_request(user) -> bool:
    return has_role(user, Role.AUTHORITY) and getattr(user, "organisation_id", None) is not None
