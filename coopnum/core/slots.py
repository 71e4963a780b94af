"""Panels a domain adds to another domain's page, without the page's domain knowing it (domains depend one way).

    slots.register("missions.session", "inventory/_session_panel.html", context=lambda user, obj: {...}, order=10)

and in the page's template: ``{% for panel, ctx in slot_panels("missions.session", s) %}{% include panel.template
%}{% endfor %}`` (``ctx`` holds what the context function returned, or None to hide the panel for that user).

Notices work the same way for actions: a domain registers ``register_notice("missions.assigned", fn)`` and the
acting domain, after it did the thing, shows ``notices("missions.assigned", session=s, user=mediator)`` (French
warnings, never a refusal): e.g. training warns that a mediator lacks a competence the session's service requires.

Providers give a lower domain a value that a higher one computes: ``register_provider("conventions.volumes", fn)``
by missions, and ``provided("conventions.volumes", session, ids, now=now)`` by the convention pages of organisations
(the list of every provider's answer, in registration order; empty when no domain provides it)."""

from collections.abc import Callable
from dataclasses import dataclass


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
    from flask_login import current_user

    shown = []
    for panel in _SLOTS.get(slot, ()):
        ctx = panel.context(current_user, obj)
        if ctx is not None:
            shown.append((panel, ctx))
    return shown


_NOTICES: dict[str, list[Callable]] = {}


def register_notice(name: str, fn: Callable) -> None:
    """``fn(**kwargs) -> list[str]``: the warnings about what just happened (registered once per function)."""
    fns = _NOTICES.setdefault(name, [])
    if fn not in fns:
        fns.append(fn)


def notices(name: str, **kwargs) -> list[str]:
    """The warnings every registered function has about the event ``name`` (empty if none)."""
    found: list[str] = []
    for fn in _NOTICES.get(name, ()):
        found.extend(fn(**kwargs) or ())
    return found


_PROVIDERS: dict[str, list[Callable]] = {}


def register_provider(name: str, fn: Callable) -> None:
    """``fn(*args, **kwargs)``: one domain's answer to the question ``name`` (registered once per function)."""
    fns = _PROVIDERS.setdefault(name, [])
    if fn not in fns:
        fns.append(fn)


def provided(name: str, *args, **kwargs) -> list:
    """Every registered provider's answer to ``name``."""
    return [fn(*args, **kwargs) for fn in _PROVIDERS.get(name, ())]


def provided_one(name: str, *args, default=None, **kwargs):
    """The answer of the one domain that provides ``name``, or ``default`` when none does."""
    answers = provided(name, *args, **kwargs)
    return answers[0] if answers else default


def init_app(app) -> None:
    app.jinja_env.globals.update(slot_panels=panels_for)
