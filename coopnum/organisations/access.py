"""Who may see or change what in the organisations domain: the one place for these rules.

- staff (admin, coordinator): everything;
- mediators: places (where they work) and the catalogue;
- authority contacts: their own organisation only: its conventions, its places, its requests;
- members: nothing here."""

from coopnum.core.access import has_role, is_staff
from coopnum.core.models import Role


def can_manage(user) -> bool:
    """Create and edit the catalogue, organisations, conventions and places."""
    return is_staff(user)


def can_view_places(user) -> bool:
    """Every place of the territory (the mediators work there)."""
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


def can_view_place(user, place) -> bool:
    return can_view_places(user) or is_authority_of(user, place.organisation_id)


def can_create_request(user) -> bool:
    return has_role(user, Role.AUTHORITY) and getattr(user, "organisation_id", None) is not None
