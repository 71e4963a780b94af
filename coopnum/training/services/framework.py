"""The reference skills: the Pix framework (CRCN: 5 domains, 16 competences, levels 1–8) from
``coopnum/training/data/pix-competences.json``, and the blocks of the professional title "Médiateur numérique"
(``TITLE_BLOCKS``). ``ensure_framework`` adds what is missing (idempotent: run by the migration of data, the demo
and the tests); the cooperative adds its own skills (framework ``custom``: ``create_skill``, ``update_skill``)."""

import json
import re
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coopnum.core import audit
from coopnum.core.errors import Conflict, DomainError
from coopnum.training.models import Skill, SkillFramework

DATA = Path(__file__).resolve().parent.parent / "data"
PIX_LEVELS = 8
TITLE_DOMAIN = ("MN", "Titre professionnel Médiateur numérique")
CUSTOM_DOMAIN = ("COOP", "Compétences de la coopérative")

# The professional title "Médiateur numérique" (arrêté du 20 mai 2025; formerly "Responsable d'espace de médiation
# numérique", REMN, arrêté du 8 février 2019, RNCP level 5): its three blocks of competences (certificats de
# compétences professionnelles), each acquired or not (level 1). Wording of the arrêté of 2019 (CCP1 is the block
# the Conseillers numériques France Services pass); the cooperative can edit the titles.
TITLE_BLOCKS: tuple[tuple[str, str], ...] = (
    ("CCP1", "Accompagner différents publics vers l'autonomie dans les usages des technologies, services et médias "
             "numériques"),
    ("CCP2", "Contribuer au développement d'un espace de médiation numérique et de ses projets"),
    ("CCP3", "Contribuer à la gestion d'un espace de médiation numérique et animer ses projets collaboratifs"),
)

# The eight levels of the CRCN (Pix): what a level means, shown on the framework page.
PIX_LEVEL_LABELS: tuple[tuple[int, object, object], ...] = (
    (1, _l("Novice"), _l("Réalise des tâches simples avec de l'aide.")),
    (2, _l("Novice"), _l("Réalise des tâches simples en autonomie, avec de l'aide au besoin.")),
    (3, _l("Indépendant"), _l("Réalise seul des tâches bien définies et des problèmes simples.")),
    (4, _l("Indépendant"), _l("Choisit sa démarche pour des tâches et des problèmes non routiniers.")),
    (5, _l("Avancé"), _l("Guide les autres ; s'adapte à des situations variées.")),
    (6, _l("Avancé"), _l("Traite des situations complexes ; conseille et forme.")),
    (7, _l("Expert"), _l("Résout des problèmes complexes aux solutions multiples ; fait évoluer les pratiques.")),
    (8, _l("Expert"), _l("Innove et propose de nouvelles pratiques dans le domaine.")),
)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


def pix_reference() -> dict:
    return json.loads((DATA / "pix-competences.json").read_text(encoding="utf-8"))


def reference_rows() -> list[dict]:
    """The reference skills as plain rows (the columns of ``skills`` without id/timestamps): what
    ``ensure_framework`` creates and what the migration inserts."""
    ref = pix_reference()
    domains = {d["code"]: d["titre"] for d in ref["domaines"]}
    rows = []
    for position, c in enumerate(ref["competences"], start=1):
        rows.append({"framework": SkillFramework.PIX.value, "code": c["code"], "title": c["titre"],
                     "domain_code": c["domaine"], "domain_title": domains.get(c["domaine"], ""),
                     "max_level": PIX_LEVELS, "description": "", "external_id": c.get("pix_id", ""),
                     "position": position, "active": True})
    for position, (code, title) in enumerate(TITLE_BLOCKS, start=100):
        rows.append({"framework": SkillFramework.TITLE.value, "code": code, "title": title,
                     "domain_code": TITLE_DOMAIN[0], "domain_title": TITLE_DOMAIN[1], "max_level": 1,
                     "description": "", "external_id": "", "position": position, "active": True})
    return rows


def ensure_framework(session) -> int:
    """Create the Pix competences and the title's blocks that do not exist yet; the number created."""
    existing = {(f, c) for f, c in session.execute(select(Skill.framework, Skill.code)).all()}
    created = 0
    for row in reference_rows():
        if (row["framework"], row["code"]) in existing:
            continue
        session.add(Skill(**row))
        created += 1
    session.flush()
    return created


def skills(session, *, framework: str | None = None, active_only: bool = True) -> list[Skill]:
    """The skills, by framework (Pix, then the title, then the cooperative's), domain and position."""
    stmt = select(Skill)
    if framework:
        stmt = stmt.where(Skill.framework == framework)
    if active_only:
        stmt = stmt.where(Skill.active)
    order = {SkillFramework.PIX.value: 0, SkillFramework.TITLE.value: 1, SkillFramework.CUSTOM.value: 2}
    rows = list(session.execute(stmt).scalars())
    return sorted(rows, key=lambda s: (order.get(s.framework, 9), s.domain_code, s.position, s.code))


def by_domain(rows: list[Skill]) -> list[tuple[str, str, list[Skill]]]:
    """[(domain_code, domain_title, skills)] in the order of ``rows``."""
    groups: list[tuple[tuple[str, str], str, str, list[Skill]]] = []
    for s in rows:
        key = (s.framework, s.domain_code)
        if groups and groups[-1][0] == key:
            groups[-1][3].append(s)
        else:
            groups.append((key, s.domain_code, s.domain_title, [s]))
    return [(code, title, items) for _key, code, title, items in groups]


def _check(session, skill: Skill | None, *, code: str, title: str, max_level: int) -> tuple[str, str]:
    code, title = (code or "").strip(), (title or "").strip()
    if not CODE_PATTERN.match(code):
        raise DomainError("Le code : lettres, chiffres, point, tiret ou souligné (20 caractères au plus), "
                          "par exemple AIDANTS-CONNECT.", field="code")
    if not title:
        raise DomainError("Indiquez l'intitulé de la compétence.", field="title")
    if len(title) > 300:
        raise DomainError("Intitulé trop long (300 caractères au plus).", field="title")
    if not 1 <= max_level <= PIX_LEVELS:
        raise DomainError(f"Le niveau maximal est compris entre 1 et {PIX_LEVELS}.", field="max_level")
    clash = session.execute(select(Skill.id).where(Skill.framework == SkillFramework.CUSTOM,
                                                   func.lower(Skill.code) == code.lower())).scalar_one_or_none()
    if clash is not None and (skill is None or clash != skill.id):
        raise Conflict(f"Une compétence de la coopérative a déjà le code « {code} ».", field="code")
    return code, title


def create_skill(session, actor, *, code: str, title: str, max_level: int = 4, description: str = "",
                 domain_title: str = "", now: datetime) -> Skill:
    """A skill of the cooperative's own framework."""
    code, title = _check(session, None, code=code, title=title, max_level=max_level)
    position = (session.execute(select(func.max(Skill.position)).where(
        Skill.framework == SkillFramework.CUSTOM)).scalar() or 199) + 1
    skill = Skill(framework=SkillFramework.CUSTOM, code=code, title=title, max_level=max_level,
                  description=(description or "").strip(), domain_code=CUSTOM_DOMAIN[0],
                  domain_title=(domain_title or "").strip() or CUSTOM_DOMAIN[1], position=position,
                  created_at=now, updated_at=now)
    session.add(skill)
    session.flush()
    audit.record(session, actor, "create", skill, summary=f"Compétence {code} — {title}"[:500],
                 after=audit.snapshot(skill), now=now)
    return skill


def update_skill(session, actor, skill: Skill, *, title: str, description: str = "", active: bool = True,
                 code: str | None = None, max_level: int | None = None, domain_title: str | None = None,
                 now: datetime) -> Skill:
    """Edit a skill: the cooperative's own skills entirely; a reference skill only its title, description and
    whether it is offered (its code and levels come from the framework)."""
    before = audit.snapshot(skill)
    if skill.framework == SkillFramework.CUSTOM:
        new_code, new_title = _check(session, skill, code=code if code is not None else skill.code, title=title,
                                     max_level=max_level if max_level is not None else skill.max_level)
        if max_level is not None and max_level < skill.max_level:
            from coopnum.training.models import SkillAssessment

            higher = session.execute(select(func.count()).select_from(SkillAssessment).where(
                SkillAssessment.skill_id == skill.id, SkillAssessment.level > max_level)).scalar_one()
            if higher:
                raise DomainError(f"Des évaluations dépassent le niveau {max_level} : gardez au moins le niveau "
                                  f"maximal {skill.max_level}.", field="max_level")
        skill.code, skill.title = new_code, new_title
        if max_level is not None:
            skill.max_level = max_level
        if domain_title is not None:
            skill.domain_title = domain_title.strip() or CUSTOM_DOMAIN[1]
    else:
        title = (title or "").strip()
        if not title:
            raise DomainError("Indiquez l'intitulé de la compétence.", field="title")
        skill.title = title[:300]
    skill.description = (description or "").strip()
    skill.active = bool(active)
    skill.updated_at = now
    session.flush()
    changes = audit.diff(before, audit.snapshot(skill))
    if changes:
        audit.record(session, actor, "update", skill, summary=f"Compétence {skill.code} modifiée"[:500],
                     before=before, after=audit.snapshot(skill), now=now)
    return skill
