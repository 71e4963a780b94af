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
    _describe_for_audit()


def _describe_for_audit() -> None:
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from coopnum.core import audit
    from coopnum.members.models import Assembly, College, Member, Resolution

    audit.describe("Member", _l("Sociétaire"), Member, lambda m: m.name,
                   lambda m: url_for("members.member", member_id=m.id))
    audit.describe("Assembly", _l("Assemblée"), Assembly, lambda a: a.title or f"{_l('Assemblée')} n° {a.id}",
                   lambda a: url_for("members.assembly", assembly_id=a.id))
    audit.describe("Resolution", _l("Résolution"), Resolution, lambda r: f"{_l('Résolution')} {r.position} — {r.title}",
                   lambda r: url_for("members.resolution", resolution_id=r.id))
    audit.describe("College", _l("Collège"), College, lambda c: c.name)
    audit.describe("CapitalOperation", _l("Opération sur le capital"))
    audit.describe("AssemblyDocument", _l("Document d'assemblée"))
