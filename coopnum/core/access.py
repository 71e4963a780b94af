"""Access rules: the one helper every view uses.

``roles_required`` guards a view by role (an admin passes every role check). Object-level rules live in each
domain's ``access.py`` and are called by the view right after loading the object, before any processing."""

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort, request
from flask_login import current_user

from coopnum.core.models import Role

STAFF = (Role.ADMIN, Role.COORDINATOR)


def has_role(user, *roles: Role | str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.ADMIN, *roles)


def is_staff(user) -> bool:
    return has_role(user, Role.COORDINATOR)


def can_edit_account(actor, user) -> bool:
    """A coordinator edits the accounts, except an administrator's (only an administrator does)."""
    return has_role(actor, Role.ADMIN) or (has_role(actor, Role.COORDINATOR) and not has_role(user, Role.ADMIN))


def roles_required(*roles: Role | str) -> Callable:
    """Require a logged-in user with one of ``roles`` (no role given: any logged-in user)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from coopnum.core.extensions import login_manager

                return login_manager.unauthorized()
            if roles and not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(str(r) for r in roles)  # read by the access test and the menu
        return wrapped

    return decorator


login_required = roles_required()


def require(condition: bool) -> None:
    """Object-level check: 403 unless the condition holds."""
    if not condition:
        abort(403)


def client_ip() -> str:
    # Behind a reverse proxy, set COOPNUM_TRUSTED_PROXIES (see README) so that remote_addr is the client's.
    return (request.remote_addr or "0.0.0.0")[:45]


def visible_roles(roles: Iterable[Role | str]) -> set[str]:
    return {str(r) for r in roles}


def load_or_404(model, obj_id: int, allowed: Callable | None = None, *, options=()):
    """The object of that id (loaded with ``options``), or 404; then 403 unless ``allowed(current_user, obj)``
    holds."""
    from coopnum.core.db import db

    obj = db.session.get(model, obj_id, options=list(options))
    if obj is None:
        abort(404)
    if allowed is not None:
        require(allowed(current_user, obj))
    return obj
