"""The reports domain: activity reports to authorities per convention and period (HTML, PDF, spreadsheet), charts
and read-only share links. ``init_app`` registers its pages and API."""


def init_app(app) -> None:
    from coopnum.reports import api  # noqa: F401  (declares its endpoints on the API blueprint)
    from coopnum.reports.views import bp, public_bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    from flask_babel import lazy_gettext as _l

    from coopnum.core import audit

    audit.describe("ReportShare", _l("Lien de partage d'un rapport"))
