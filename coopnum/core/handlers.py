"""Error handling: HTML pages for people, {"error": {"code", "message"}} for the API; never a bare 500."""

import logging

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

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
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str | None = None, code: str | None = None, **extra):
    body = {"code": code or CODES.get(status, "error"), "message": message or MESSAGES.get(status, "Erreur.")}
    body.update({k: v for k, v in extra.items() if v})
    return jsonify({"error": body}), status


def init_app(app: Flask) -> None:
    from coopnum.core import headers

    headers.init_app(app)  # security headers on every response, error pages included

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        message = "Le formulaire a expiré ou n'est pas valide (jeton CSRF). Rechargez la page et recommencez."
        if wants_json():
            return json_error(400, message, "csrf")
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if wants_json():
            return json_error(exc.status, exc.message, exc.code, field=exc.field, details=exc.details)
        if request.method == "POST" and exc.status in (409, 422):
            flash(exc.message, "error")
            return redirect(request.referrer or request.path)
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            message = MESSAGES.get(status, exc.description)
            if exc.description and exc.description != type(exc).description:
                message = exc.description
            return json_error(status, message)
        message = MESSAGES.get(status, exc.description)
        if exc.description and exc.description != type(exc).description:
            message = exc.description
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):
        """A concurrent duplicate or deadlock (a unique constraint another request won) is a conflict, not a 500."""
        from coopnum.core.db import db
        from coopnum.core.errors import conflict_from_database

        conflict = conflict_from_database(exc)
        if conflict is None:
            return _unexpected(exc)
        db.session.rollback()
        return _domain(conflict)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        if wants_json():
            return json_error(500)
        return render_template("errors/error.html", status=500, message=MESSAGES[500]), 500
