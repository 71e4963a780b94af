"""Security headers on every response: pages, API answers, error pages and static files.

- ``Content-Security-Policy``: scripts, styles and images from the app itself only. No inline ``<script>``, no
  ``<style>`` block and no ``style="…"`` attribute in the served templates (the stylesheet is
  ``static/css/coopnum.css``, the behaviour ``static/js/coopnum.js``, reading ``data-*`` attributes); charts are
  inline ``<svg>`` elements drawn with presentation attributes (``fill=``), which the policy allows. htmx is told
  not to inject its indicator ``<style>`` (``htmx-config`` meta in base.html).
- ``X-Frame-Options`` and ``frame-ancestors``: no page can be framed (clickjacking).
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``.
- ``Cache-Control: no-store`` on every response to a logged-in user or to a request carrying an API token, so a
  shared computer's cache or a proxy never keeps personal data. Static files (the same for everyone) stay
  cacheable.
- ``Strict-Transport-Security`` when the public URL (``COOPNUM_BASE_URL``) is https (the cookies are then
  ``Secure`` too: see config.py)."""

from flask import Flask, Response, current_app, g, request, session

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"
ALWAYS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _authenticated() -> bool:
    """A logged-in user (session) or an API token on the request. Reads what the request already loaded: no query."""
    if request.authorization is not None or g.get("api_user") is not None:
        return True
    user = g.get("_login_user")  # flask-login's current user, when the request looked at it
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def add_headers(response: Response) -> Response:
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("COOPNUM_BASE_URL", "").startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and _authenticated():
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
