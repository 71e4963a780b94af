"""The menu, by role. Each domain registers its entries; the base template shows those of the user's own roles.

Entries are grouped into a few menus (the groups are defined here, in one place; each entry names its group).
The office (an administrator, the coordination: ~30 entries) gets a side navigation on a wide screen, its groups as
sections; the others (a handful of entries) a bar under the header, its groups as dropdowns. On a phone both fold
behind one "Menu" button, the groups opening inline (see templates/base.html, coopnum.css, coopnum.js).

The menu and the dashboard follow the roles a user has, not what the administrator may open: an administrator
passes every access check (``core.access.has_role``), but is not a mediator, a member nor an authority's contact,
so the menu does not offer them « Ma semaine » or « Mon espace ». The administrator runs the office: they see the
coordination's entries and panels (``shown_roles``)."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from coopnum.core.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]  # empty: every logged-in user
    order: int = 100
    group: str | None = None  # a key of GROUP_LABELS; None: the entry stands alone in the bar


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: object
    items: tuple[NavItem, ...]

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(i.endpoint for i in self.items)


GROUP_LABELS = {"planning": _l("Planning"), "clients": _l("Collectivités"), "activities": _l("Suivi d'activité"),
                "billing": _l("Facturation"),
                "admin": _l("Administration")}

# The roles whose users work at the office: the side navigation on a wide screen.
OFFICE_ROLES = frozenset({str(Role.ADMIN), str(Role.COORDINATOR)})

_ITEMS: list[NavItem] = []


def register(endpoint: str, label, roles=(), order: int = 100, group: str | None = None) -> None:
    """A menu entry; ``group`` puts it in one of the menus of GROUP_LABELS."""
    if group is not None and group not in GROUP_LABELS:
        raise ValueError(f"unknown menu group: {group}")
    if not any(i.endpoint == endpoint for i in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, tuple(str(r) for r in roles), order, group))
        _ITEMS.sort(key=lambda i: i.order)


def shown_roles(user) -> frozenset[str]:
    """The roles the menu and the dashboard show things for: the user's own roles, and the coordination's for an
    administrator (nothing for an anonymous visitor)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    mine = {str(r.role) for r in user.roles}
    if str(Role.ADMIN) in mine:
        mine.add(str(Role.COORDINATOR))
    return frozenset(mine)


def shows(user, roles) -> bool:
    """Whether something registered for ``roles`` (empty: every logged-in user) is shown to ``user``."""
    mine = shown_roles(user)
    return bool(mine) and (not roles or bool(mine & {str(r) for r in roles}))


def side_menu(user) -> bool:
    """The office's side navigation (wide screens) rather than the bar."""
    return bool(shown_roles(user) & OFFICE_ROLES)


def items_for(user) -> list[NavItem]:
    return [i for i in _ITEMS if shows(user, i.roles)]


def menu_for(user) -> list[NavItem | NavGroup]:
    """The menu: single entries and groups, in the order of their first entry. A group with a single visible
    entry is shown as that entry."""
    bar: list[NavItem | str] = []
    groups: dict[str, list[NavItem]] = {}
    for item in items_for(user):
        key = item.group
        if key is None:
            bar.append(item)
        elif key not in groups:
            groups[key] = [item]
            bar.append(key)  # placeholder, replaced below
        else:
            groups[key].append(item)
    return [
        (entry if not isinstance(entry, str)
         else groups[entry][0] if len(groups[entry]) == 1
         else NavGroup(entry, GROUP_LABELS[entry], tuple(groups[entry])))
        for entry in bar
    ]
