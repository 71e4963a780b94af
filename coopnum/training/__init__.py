"""The training domain: the skills framework (Pix, the title "Médiateur numérique", the cooperative's own skills),
people's levels and certifications, peer-training sessions in half-days with attendance signed per half-day, the
émargement sheet and certificates, the skills matrix, and the skills services require. ``init_app`` registers its
pages, API, jobs, panels and the immutability of signed attendance."""


def init_app(app) -> None:
    from coopnum.training import api, immutability, jobs, panels, views  # noqa: F401  (api: declares its endpoints)
    from coopnum.training.views import bp

    app.register_blueprint(bp)
    immutability.install()
    views.register_navigation()
    jobs.register()
    panels.register()
    _describe_for_audit()


def _describe_for_audit() -> None:
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from coopnum.core import audit
    from coopnum.training.models import Certification, Person, Skill, TrainingSession

    audit.describe("Person", _l("Personne"), Person, lambda p: p.full_name,
                   lambda p: url_for("training.person", person_id=p.id))
    audit.describe("TrainingSession", _l("Formation"), TrainingSession, lambda t: t.title,
                   lambda t: url_for("training.session_detail", training_id=t.id))
    audit.describe("Skill", _l("Compétence"), Skill, lambda s: f"{s.code} {s.title}")
    audit.describe("Certification", _l("Certification"), Certification, lambda c: c.name)
    audit.describe("SkillAssessment", _l("Niveau de compétence"))
    audit.describe("ServiceSkillRequirement", _l("Compétence requise"))
    audit.describe("TargetProfile", _l("Profil visé"))
    audit.describe("Attendance", _l("Présence"))
    audit.describe("AttendanceScan", _l("Feuille d'émargement numérisée"))
    audit.describe("AttendanceSignature", _l("Émargement"))
