"""coopnum: the back-office of a local cooperative of digital mediators."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """The application factory. Nothing touches the database or the network at import time."""
    from coopnum import config as settings
    from coopnum.core import filters, handlers
    from coopnum.core.db import Database, import_all_models
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
    import_all_models()
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
    from coopnum.core import outbox

    outbox.init_app(app)

    from coopnum.core.api import bp as api_bp
    from coopnum.core.views import bp as core_bp
    from coopnum.missions.views import bp as missions_bp
    from coopnum.missions.views import public_bp

    for bp in (core_bp, missions_bp, public_bp):
        app.register_blueprint(bp)
    from coopnum import billing

    billing.init_app(app)
    from coopnum import members

    members.init_app(app)
    from coopnum import inventory

    inventory.init_app(app)
    from coopnum import training

    training.init_app(app)
    import coopnum.missions.api  # noqa: F401  (declares its endpoints on the API blueprint)

    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)

    from coopnum.cli import register_commands

    register_commands(app)
    return app
