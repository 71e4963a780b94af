"""The menu, by role. Each domain registers its entries; the base template shows those the user may open.

Entries are grouped into a few menus (the groups are defined here, in one place) so that the bar stays short
on a laptop and collapses into one "Menu" button on a phone."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from coopnum.core.access import has_role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]  # empty: every logged-in user
    order: int = 100


@dataclass(frozen=True)
class NavGroup:
    label: object
    items: tuple[NavItem, ...]


# endpoint → group key; entries not listed stand alone in the bar.
GROUP_OF = {
    "missions.index": "planning",
    "missions.calendar_week": "planning",
    "missions.sessions_open": "planning",
    "missions.absences": "planning",
    "organisations.organisations": "clients",
    "organisations.conventions": "clients",
    "organisations.places": "clients",
    "organisations.catalogue": "clients",
    "missions.requests": "clients",
    "timesheets.my_hours": "activities",
    "timesheets.timesheets": "activities",
    "timesheets.hours_overview": "activities",
    "activities.activities": "activities",
    "activities.beneficiaries": "activities",
    "billing.invoices": "billing",
    "billing.quotes": "billing",
    "billing.payments": "billing",
    "billing.aptic": "billing",
    "billing.receivables": "billing",
    "billing.accounting": "billing",
    "activities.reference_lists": "admin",
    "billing.settings": "admin",
    "core.users": "admin",
    "core.audit": "admin",
    "core.outbox_page": "admin",
}
GROUP_LABELS = {"planning": _l("Planning"), "clients": _l("Collectivités"), "activities": _l("Suivi d'activité"),
                "billing": _l("Facturation"),
                "admin": _l("Administration")}

_ITEMS: list[NavItem] = []


def register(endpoint: str, label, roles=(), order: int = 100) -> None:
    if not any(i.endpoint == endpoint for i in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, tuple(str(r) for r in roles), order))
        _ITEMS.sort(key=lambda i: i.order)


def items_for(user) -> list[NavItem]:
    return [i for i in _ITEMS if not i.roles or has_role(user, *i.roles)]


def menu_for(user) -> list[NavItem | NavGroup]:
    """The bar: single entries and groups, in the order of their first entry. A group with a single visible
    entry is shown as that entry."""
    bar: list[NavItem | NavGroup] = []
    groups: dict[str, list[NavItem]] = {}
    for item in items_for(user):
        key = GROUP_OF.get(item.endpoint)
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
