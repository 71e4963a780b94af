"""coopnum: the back-office of a local cooperative of digital mediators."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

# The domains, from the bottom up: a domain imports only from core and from the domains before it (the order is
# checked by tests/core/test_architecture.py). Each one is a package with ``init_app(app)``; ``models`` holds its
# tables (portal has none).
DOMAINS = ("organisations", "missions", "activities", "timesheets", "reports", "billing", "members", "inventory",
           "training", "portal")


def import_models() -> None:
    """Import the tables of core and of every domain, so that the metadata is complete (Alembic, create_all)."""
    from importlib import import_module
    from importlib.util import find_spec

    import_module("coopnum.core.models")
    for name in DOMAINS:
        if find_spec(f"coopnum.{name}.models") is not None:
            import_module(f"coopnum.{name}.models")


def create_app(config: dict | None = None) -> Flask:
    """The application factory. Nothing touches the database or the network at import time."""
    from coopnum import config as settings
    from coopnum.core import filters, handlers
    from coopnum.core.db import Database
    from coopnum.core.extensions import babel, csrf, login_manager, select_locale

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(settings.INSTANCE),
    )
    app.config.update(settings.from_env(**(config or {})))
    app.json.ensure_ascii = False
    if proxies := int(app.config.get("COOPNUM_TRUSTED_PROXIES") or 0):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # the client's address (login rate limiting) and the scheme, as the N proxies in front saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    import_models()
    from coopnum.core import validation

    validation.install_text_guard()  # no text with control characters reaches a row (Factur-X, PDF, iCal need it)

    Database().init_app(app)  # one engine per app, kept in app.extensions
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    filters.init_app(app)
    from coopnum.core import slots

    slots.init_app(app)
    handlers.init_app(app)
    from coopnum.core import maintenance, outbox

    outbox.init_app(app)
    maintenance.init_app(app)

    from importlib import import_module

    from coopnum.core import views as core_views
    from coopnum.core.api import bp as api_bp

    app.register_blueprint(core_views.bp)
    core_views.register()
    for name in DOMAINS:
        import_module(f"coopnum.{name}").init_app(app)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)

    from coopnum.cli import register_commands

    register_commands(app)
    return app
