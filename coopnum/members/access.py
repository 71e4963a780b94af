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


# (rules of the register and the capital go here)


# --- assemblies and votes -------------------------------------------------------------------------------------------


# (rules of assemblies and votes go here)
