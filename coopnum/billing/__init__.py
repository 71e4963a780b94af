"""The billing domain: invoices and credit notes (Factur-X), quotes, payments, dunning, APTIC cheques, the
accounting exports and the client portal. ``init_app`` registers its pages, API, menu entries, dashboard panels,
jobs, mail kinds and the immutability of issued invoices."""


def init_app(app) -> None:
    from coopnum.billing import api, immutability, jobs  # noqa: F401  (api: declares its endpoints)
    from coopnum.billing.services import dunning, invoices, sending
    from coopnum.billing.views import bp, panel, portal, register_navigation
    from coopnum.core import slots

    immutability.install()  # issued invoices are never edited, whatever the code path
    sending.init_app(app)
    dunning.init_app(app)
    app.register_blueprint(bp)
    register_navigation()
    panel.register()
    portal.register()
    jobs.register()
    slots.register_provider("missions.session_invoice", invoices.invoice_of_session)  # a billed session stays
