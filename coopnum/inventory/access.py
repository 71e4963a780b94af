"""Who may see or change what in the inventory domain: the one place for these rules.

- staff (admin, coordinator): everything (assets, kits, imports, labels, loans, maintenance, audits, reports);
- a mediator: sees the inventory and the availability, reserves for itself (and cancels its own reservations),
  sees its own loans, reports a problem on an asset, ticks assets during an open audit;
- members and authority contacts: nothing here (unless they are also mediators);
- anyone, even not logged in: the public "found this device?" page of a tag (the cooperative's contact only)."""

from coopnum.core.access import has_role, is_staff
from coopnum.core.models import Role


def can_see_inventory(user) -> bool:
    """The asset list and pages, kits, availability search, calendars."""
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR)


def can_manage_assets(user) -> bool:
    """Create, edit, import, retire assets and kits; print labels; export."""
    return is_staff(user)


def can_reserve(user) -> bool:
    return has_role(user, Role.COORDINATOR, Role.MEDIATOR)


def can_reserve_for(user, user_id: int | None) -> bool:
    """Staff reserve for any mediator; a mediator for itself only."""
    if is_staff(user):
        return True
    return can_reserve(user) and user_id is not None and user_id == getattr(user, "id", None)


def can_change_reservation(user, reservation) -> bool:
    """Cancel or change a reservation: staff, or the mediator it is for."""
    if is_staff(user):
        return True
    return can_reserve(user) and reservation.user_id == getattr(user, "id", None)


def can_see_reservation(user, reservation) -> bool:
    return can_see_inventory(user)


def can_lend(user) -> bool:
    """Check out, check in, extend, declare lost; turn a reservation into a loan."""
    return is_staff(user)


def can_see_loan(user, loan) -> bool:
    """Staff, or the mediator responsible for the loan (a borrower's personal data is shown to them only)."""
    if is_staff(user):
        return True
    return can_see_inventory(user) and loan.user_id is not None and loan.user_id == getattr(user, "id", None)


def can_see_loans(user) -> bool:
    """The list of loans (a mediator sees its own in it)."""
    return can_see_inventory(user)


def can_report_issue(user) -> bool:
    """Open a maintenance case ("signaler un problème")."""
    return can_see_inventory(user)


def can_maintain(user) -> bool:
    """Edit and close maintenance cases, record repairs and costs."""
    return is_staff(user)


def can_manage_audits(user) -> bool:
    """Start and close audits."""
    return is_staff(user)


def can_tick_audit(user) -> bool:
    """Mark an asset "seen today" during an open audit (tick or scan)."""
    return can_see_inventory(user)


def can_see_reports(user) -> bool:
    """The dashboard figures, the usage rate report, the history exports."""
    return is_staff(user)
