"""The members domain: members (sociétaires) and voting colleges, the share-capital ledger, general assemblies,
convocations, proxies, votes and minutes. ``init_app`` registers its pages, API, navigation, panels and the
convocation mail kind."""


def init_app(app) -> None:
    from coopnum.members import api, panels  # noqa: F401  (api: declares its endpoints on the API blueprint)
    from coopnum.members.services import convocations
    from coopnum.members.views import bp

    app.register_blueprint(bp)
    panels.register()
    convocations.register_mail_kind()
