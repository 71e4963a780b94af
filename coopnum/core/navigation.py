"""The menu, by role. Each domain registers its entries; the base template shows those the user may open.

Entries are grouped into a few menus (the groups are defined here, in one place; each entry names its group) so that
the bar stays short on a laptop and collapses into one "Menu" button on a phone."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from coopnum.core.access import has_role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]  # empty: every logged-in user
    order: int = 100
    group: str | None = None  # a key of GROUP_LABELS; None: the entry stands alone in the bar


@dataclass(frozen=True)
class NavGroup:
    label: object
    items: tuple[NavItem, ...]


GROUP_LABELS = {"planning": _l("Planning"), "clients": _l("Collectivités"), "activities": _l("Suivi d'activité"),
                "billing": _l("Facturation"),
                "admin": _l("Administration")}

_ITEMS: list[NavItem] = []


def register(endpoint: str, label, roles=(), order: int = 100, group: str | None = None) -> None:
    """A menu entry; ``group`` puts it in one of the menus of GROUP_LABELS."""
    if group is not None and group not in GROUP_LABELS:
        raise ValueError(f"unknown menu group: {group}")
    if not any(i.endpoint == endpoint for i in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, tuple(str(r) for r in roles), order, group))
        _ITEMS.sort(key=lambda i: i.order)


def items_for(user) -> list[NavItem]:
    return [i for i in _ITEMS if not i.roles or has_role(user, *i.roles)]


def menu_for(user) -> list[NavItem | NavGroup]:
    """The bar: single entries and groups, in the order of their first entry. A group with a single visible
    entry is shown as that entry."""
    bar: list[NavItem | NavGroup] = []
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
         else NavGroup(GROUP_LABELS[entry], tuple(groups[entry])))
        for entry in bar
    ]
