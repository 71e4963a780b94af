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
    _describe_for_audit()


def _describe_for_audit() -> None:
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from coopnum.billing.models import Invoice, Payment, Quote
    from coopnum.core import audit

    def invoice_name(i: Invoice) -> str:
        word = _l("Avoir") if i.is_credit_note else _l("Facture")
        return f"{word} {i.number}" if i.number else f"{word} ({_l('brouillon')})"

    audit.describe("Invoice", _l("Facture"), Invoice, invoice_name,
                   lambda i: url_for("billing.invoice", invoice_id=i.id))
    audit.describe("Quote", _l("Devis"), Quote, lambda q: f"{_l('Devis')} {q.number or _l('brouillon')}",
                   lambda q: url_for("billing.quote_detail", quote_id=q.id))
    audit.describe("Payment", _l("Règlement"), Payment,
                   lambda p: f"{_l('Règlement')} — {invoice_name(p.invoice)}" if p.invoice else str(_l("Règlement")),
                   lambda p: url_for("billing.invoice", invoice_id=p.invoice_id))
