"""Who may see or change what in the members domain: the one place for these rules.

- staff (admin, coordinator): everything;
- a member: its own record, shares and certificate; the assemblies it is convened to, their documents and
  minutes; its own ballots and those of the members it represents;
- mediators and authority contacts: nothing here, unless they are members too."""

from coopnum.core.access import has_role, is_staff
from coopnum.core.models import Role


def can_manage(user) -> bool:
    """Admit members, record capital operations, convene assemblies, record attendance and ballots."""
    return is_staff(user)


def is_member_user(user) -> bool:
    return has_role(user, Role.MEMBER)


# --- the register and the capital -----------------------------------------------------------------------------------


def can_see_register(user) -> bool:
    """The register, the colleges, the capital page and its ledger, the exports."""
    return is_staff(user)


def can_see_member(user, member) -> bool:
    """A member's record, its shares and its certificate: the staff, and the member itself (its linked account)."""
    if is_staff(user):
        return True
    return bool(member is not None and member.user_id is not None and getattr(user, "id", None) == member.user_id
                and is_member_user(user))


# --- assemblies and votes -------------------------------------------------------------------------------------------


def can_manage_assemblies(user) -> bool:
    """Convene, record attendance, proxies and ballots (the secretary), open and close votes, write the minutes."""
    return is_staff(user)


def can_see_assembly(user, assembly, member) -> bool:
    """Staff: every assembly; a member (``member``: the member of the user, or None): the assemblies convened or
    held (not drafts, not those cancelled before being convened)."""
    if is_staff(user):
        return True
    if member is None or not is_member_user(user):
        return False
    return assembly.status in ("convened", "held") or (assembly.status == "cancelled" and assembly.convened_on)


def can_see_result(user, resolution) -> bool:
    """The bureau (staff) sees the tally live; members once the vote is closed."""
    return is_staff(user) or resolution.status == "closed"


# --- the annual report ----------------------------------------------------------------------------------------------


def can_see_annual_report(user, member) -> bool:
    """The year's figures for the AGO: the staff, and the members (``member``: the member of the user, or None)."""
    return is_staff(user) or (member is not None and is_member_user(user))


def can_attach_annual_report(user, assembly) -> bool:
    """Attach the report to an assembly: the staff (the service refuses an assembly held or cancelled)."""
    return can_manage_assemblies(user)
