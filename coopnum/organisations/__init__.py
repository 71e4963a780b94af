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
    _describe_for_audit()


def _describe_for_audit() -> None:
    """How the audit log names this domain's objects and links to them."""
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from coopnum.core import audit
    from coopnum.organisations.models import Contact, Convention, Organisation, Place, Service

    audit.describe("Organisation", _l("Structure"), Organisation, lambda o: o.name,
                   lambda o: url_for("organisations.organisation_detail", organisation_id=o.id))
    audit.describe("Convention", _l("Convention"), Convention, lambda c: f"{_l('Convention')} {c.reference}",
                   lambda c: url_for("organisations.convention_detail", convention_id=c.id))
    audit.describe("Place", _l("Lieu"), Place, lambda p: p.name,
                   lambda p: url_for("organisations.place_detail", place_id=p.id))
    audit.describe("Contact", _l("Interlocuteur"), Contact, lambda c: c.full_name)
    audit.describe("Service", _l("Service"), Service, lambda s: s.name)
