"""The menu, by role. Each domain registers its entries; the base template shows those the user may open."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from coopnum.core.access import has_role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]  # empty: every logged-in user
    order: int = 100


_ITEMS: list[NavItem] = []


def register(endpoint: str, label, roles=(), order: int = 100) -> None:
    if not any(i.endpoint == endpoint for i in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, tuple(str(r) for r in roles), order))
        _ITEMS.sort(key=lambda i: i.order)


def items_for(user) -> list[NavItem]:
    return [i for i in _ITEMS if not i.roles or has_role(user, *i.roles)]


register("core.dashboard", _l("Tableau de bord"), (), 0)
