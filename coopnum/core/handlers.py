"""Error handling: HTML pages for people, {"error": {"code", "message"}} for the API; never a bare 500."""

import logging

from flask import Flask, abort, current_app, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, ValidationError

from coopnum.core import validation
from coopnum.core.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Requête invalide.",
    401: "Authentification requise.",
    403: "Vous n'avez pas accès à cette page.",
    404: "Page introuvable.",
    405: "Méthode non autorisée.",
    409: "Conflit avec des données existantes.",
    413: "Fichier trop volumineux.",
    422: "Données invalides.",
    429: "Trop de requêtes. Réessayez plus tard.",
    500: "Erreur interne. L'équipe technique a été prévenue.",
}
OWN_DESCRIPTIONS = frozenset({403, 404, 409, 410})  # statuses whose description, on a page, comes from our views
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str | None = None, code: str | None = None, **extra):
    body = {"code": code or CODES.get(status, "error"), "message": message or MESSAGES.get(status, "Erreur.")}
    body.update({k: v for k, v in extra.items() if v})
    return jsonify({"error": body}), status


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` in every URL: an id beyond the database's INTEGER matches no route (404) instead of reaching
    the database (an overflow there is a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=validation.INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value) > len(str(validation.INT_MAX)) + 1:  # int() of thousands of digits raises ValueError
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    from coopnum.core import headers

    headers.init_app(app)  # security headers on every response, error pages included
    # Before any blueprint is registered: every rule's <int:…> is bounded.
    app.url_map.converters["int"] = BoundedIntegerConverter

    app.before_request(_refuse_control_characters)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(DomainError, _domain)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(DBAPIError, _database)
    app.register_error_handler(Exception, _unexpected)


def _refuse_control_characters():
    """A page's query string or path with NUL or another control character (which PostgreSQL cannot even
    compare) is a malformed request: the French 400 page, before any view reads it by hand. Posted fields are
    the forms' business (a message next to the field); the API answers its own 422."""
    if wants_json():
        return None
    values = [request.path, *request.args.keys(), *request.args.values()]
    if any(validation.forbidden_chars(value, multiline=True) for value in values):
        abort(400)
    return None

def _csrf(exc):
    message = "Le formulaire a expiré ou n'est pas valide (jeton CSRF). Rechargez la page et recommencez."
    if wants_json():
        return json_error(400, message, "csrf")
    return render_template("errors/error.html", status=400, message=message), 400

def _domain(exc: DomainError):
    if wants_json():
        return json_error(exc.status, exc.message, exc.code, field=exc.field, details=exc.details)
    if request.method == "POST" and exc.status in (409, 422):
        flash(exc.message, "error")
        return redirect(request.referrer or request.path)
    return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

def _http(exc: HTTPException):
    status = exc.code or 500
    if wants_json():
        message = MESSAGES.get(status, exc.description)
        if exc.description and exc.description != type(exc).description:
            message = exc.description
        return json_error(status, message)
    # A page speaks French: Werkzeug's own descriptions (a malformed request, a body too large…) are English,
    # so only the statuses our views abort with a message of their own (404, 403, 409, 410) show it.
    message = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    if status in OWN_DESCRIPTIONS and exc.description and exc.description != type(exc).description:
        message = exc.description
    return render_template("errors/error.html", status=status, message=message), status

def _database(exc: DBAPIError):
    """A concurrent duplicate or deadlock (a unique constraint another request won) is a conflict, not a 500."""
    from coopnum.core.db import db
    from coopnum.core.errors import conflict_from_database

    conflict = conflict_from_database(exc)
    if conflict is None:
        return _unexpected(exc)
    db.session.rollback()
    return _domain(conflict)

def _unexpected(exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise exc
    if wants_json():
        return json_error(500)
    return render_template("errors/error.html", status=500, message=MESSAGES[500]), 500
