"""Pages of the training domain: skills, people, levels, certifications, profiles and the matrix (``skills``),
training sessions, attendance and their documents (``sessions``), the skills services require and the suggestions
(``planning``)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from coopnum.core import navigation
from coopnum.core.models import Role

bp = Blueprint("training", __name__, url_prefix="/training")


def register_navigation() -> None:
    navigation.register("training.index", _l("Formation"), (Role.COORDINATOR, Role.MEDIATOR, Role.MEMBER), 600)
    navigation.register("training.my_skills", _l("Mes compétences"), (Role.MEDIATOR, Role.MEMBER), 610)


from coopnum.training.views import planning, sessions, skills  # noqa: E402,F401
