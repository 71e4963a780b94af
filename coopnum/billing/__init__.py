def init_app(app) -> None:
    from coopnum.billing import api, immutability  # noqa: F401  (api: declares its endpoints on the API blueprint)
    from coopnum.billing.services import dunning, sending
    from coopnum.billing.views import bp
    from coopnum.core import slots

    immutability.install()  # issued invoices are never edited, whatever the code path
    app.register_blueprint(bp)
    sending.init_app(app)
    dunning.init_app(app)
    slots.register_provider("missions.session_invoice", _session_invoice)


def _session_invoice(session, session_id: int):
    """The invoice (draft or issued) that bills a session, or None: its confirmation no longer changes."""
    from coopnum.billing.services.invoices import invoice_of_session

    return invoice_of_session(session, session_id)
