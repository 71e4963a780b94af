"""The reference skills: the Pix framework (CRCN: 5 domains, 16 competences, levels 1–8) from
``coopnum/training/data/pix-competences.json``, and the blocks of the professional title "Médiateur numérique"
(``TITLE_BLOCKS``). ``ensure_framework`` adds what is missing (idempotent: run by the migration of data, the demo
and the tests); the cooperative adds its own skills (framework ``custom``)."""

import json
from pathlib import Path

from sqlalchemy import select

from coopnum.training.models import Skill, SkillFramework

DATA = Path(__file__).resolve().parent.parent / "data"
PIX_LEVELS = 8

# The professional title "Médiateur numérique" (which replaced "Responsable d'espace de médiation numérique", REMN):
# its blocks (certificats de compétences professionnelles), each acquired or not (level 1). The helper
# checks the exact wording; the cooperative can edit the titles.
TITLE_BLOCKS: tuple[tuple[str, str], ...] = (
    ("CCP1", "Accompagner différents publics vers l'autonomie dans les usages des technologies, services et médias "
             "numériques"),
    ("CCP2", "Concevoir et animer des actions de médiation numérique"),
    ("CCP3", "Contribuer au développement et à la gestion d'un espace de médiation numérique"),
)


def pix_reference() -> dict:
    return json.loads((DATA / "pix-competences.json").read_text(encoding="utf-8"))


def ensure_framework(session) -> int:
    """Create the Pix competences and the title's blocks that do not exist yet; the number created."""
    existing = {(f, c) for f, c in session.execute(select(Skill.framework, Skill.code)).all()}
    ref = pix_reference()
    domains = {d["code"]: d["titre"] for d in ref["domaines"]}
    created = 0
    for position, c in enumerate(ref["competences"], start=1):
        if (SkillFramework.PIX, c["code"]) in existing:
            continue
        session.add(Skill(framework=SkillFramework.PIX, code=c["code"], title=c["titre"], domain_code=c["domaine"],
                          domain_title=domains.get(c["domaine"], ""), max_level=PIX_LEVELS,
                          external_id=c.get("pix_id", ""), position=position))
        created += 1
    for position, (code, title) in enumerate(TITLE_BLOCKS, start=100):
        if (SkillFramework.TITLE, code) in existing:
            continue
        session.add(Skill(framework=SkillFramework.TITLE, code=code, title=title, domain_code="MN",
                          domain_title="Titre professionnel Médiateur numérique", max_level=1, position=position))
        created += 1
    session.flush()
    return created
