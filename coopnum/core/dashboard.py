"""Dashboard panels by role. Each domain registers panels; the dashboard shows those the user's roles allow."""

from collections.abc import Callable
from dataclasses import dataclass

from coopnum.core.access import has_role


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
    return [(p, p.context(user)) for p in _PANELS if has_role(user, *p.roles)]
