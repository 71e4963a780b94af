"""Dashboard panels by role. Each domain registers panels; the dashboard shows those of the user's own roles (an
administrator sees the coordination's panels, not a mediator's nor an authority's: ``navigation.shown_roles``)."""

from collections.abc import Callable
from dataclasses import dataclass

from coopnum.core.navigation import shows


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    roles: tuple[str, ...]
    context: Callable  # (user) -> dict
    order: int = 100


_PANELS: list[Panel] = []


def register(name: str, template: str, roles, context: Callable, order: int = 100) -> None:
    if not any(p.name == name for p in _PANELS):
        _PANELS.append(Panel(name, template, tuple(str(r) for r in roles), context, order))
        _PANELS.sort(key=lambda p: p.order)


def panels_for(user) -> list[tuple[Panel, dict]]:
    return [(p, p.context(user)) for p in _PANELS if shows(user, p.roles)]
