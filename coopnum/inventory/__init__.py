"""The inventory domain: pooled equipment (assets and kits), reservations and loans without double booking, overdue
reminders, maintenance, audits, QR labels, the usage report. ``init_app`` registers its pages, API, jobs, the
dashboard panel and the panel of the session page."""


def init_app(app) -> None:
    from coopnum.inventory import api, jobs, panels, views  # noqa: F401  (api: declares its endpoints on the API blueprint)
    from coopnum.inventory.views import bp, public_bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    views.register_navigation()
    jobs.register()
    panels.register()
    _describe_for_audit()


def _describe_for_audit() -> None:
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from coopnum.core import audit
    from coopnum.inventory.models import Asset, Audit, Kit, Loan, MaintenanceCase, Reservation

    audit.describe("Asset", _l("Matériel"), Asset, lambda a: a.tag, lambda a: url_for("inventory.asset", asset_id=a.id))
    audit.describe("Kit", _l("Kit"), Kit, lambda k: k.code, lambda k: url_for("inventory.kit", kit_id=k.id))
    audit.describe("Loan", _l("Prêt"), Loan, None, lambda loan: url_for("inventory.loan", loan_id=loan.id))
    audit.describe("Reservation", _l("Réservation"), Reservation, None,
                   lambda r: url_for("inventory.reservation", reservation_id=r.id))
    audit.describe("MaintenanceCase", _l("Maintenance"), MaintenanceCase, None,
                   lambda c: url_for("inventory.maintenance_case", case_id=c.id))
    audit.describe("Audit", _l("Inventaire"), Audit, None, lambda a: url_for("inventory.audit", audit_id=a.id))
