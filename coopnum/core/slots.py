"""Panels a domain adds to another domain's page, without the page's domain knowing it (domains depend one way).

    slots.register("missions.session", "inventory/_session_panel.html", context=lambda user, obj: {...}, order=10)

and in the page's template: ``{% for panel, ctx in slot_panels("missions.session", s) %}{% include panel.template
%}{% endfor %}`` (``ctx`` holds what the context function returned, or None to hide the panel for that user)."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_login import current_user


@dataclass(frozen=True)
class SlotPanel:
    slot: str
    template: str
    context: Callable  # (user, obj) -> dict | None
    order: int = 100


_SLOTS: dict[str, list[SlotPanel]] = {}


def register(slot: str, template: str, context: Callable, order: int = 100) -> None:
    panels = _SLOTS.setdefault(slot, [])
    if not any(p.template == template for p in panels):
        panels.append(SlotPanel(slot, template, context, order))
        panels.sort(key=lambda p: p.order)


def panels_for(slot: str, obj) -> list[tuple[SlotPanel, dict]]:
    shown = []
    for panel in _SLOTS.get(slot, ()):
        ctx = panel.context(current_user, obj)
        if ctx is not None:
            shown.append((panel, ctx))
    return shown


def init_app(app) -> None:
    app.jinja_env.globals.update(slot_panels=panels_for)
