"""The organisations domain: organisations (local authorities, associations…) and their contacts, places and the
open-data export of places, the service catalogue and conventions.
``init_app`` registers its pages, API and menu entries."""


def init_app(app) -> None:
    from coopnum.organisations import api  # noqa: F401  (declares its endpoints on the API blueprint)
    from coopnum.organisations.views import bp, catalogue, conventions, organisations, places, public_bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    for module in (organisations, conventions, places, catalogue):
        module.register()
