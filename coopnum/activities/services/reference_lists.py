"""Editable reference lists of activity reports: the national defaults (``cra_reference``) overlaid by the
coordinator's changes (``ReferenceItem`` rows: a new label, another order, deactivated, or a local entry).

Read side (used by forms, validation, exports and reports)::

    choices(session, THEMATIQUE)        # [(value, label)] of the active entries, in display order
    labels(session, THEMATIQUE)         # {value: label} of every entry, inactive ones included (old records)
    entries(session, THEMATIQUE)        # [Entry] with value, label, position, active, national
    is_allowed(session, THEMATIQUE, v)  # may a new record use v? (active entries only)

Write side (coordinator): ``save_entry`` and ``add_entry`` — see the functions."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from coopnum.activities import cra_reference as ref
from coopnum.activities.models import ReferenceItem
from coopnum.core import audit, formats
from coopnum.core.errors import DomainError
from coopnum.core.models import User

# Lists the coordinator may edit, with their French titles. The other national lists (type, place type,
# durations, age bands…) stay as the national tool defines them: exports and statistics depend on them.
EDITABLE: dict[str, str] = {
    ref.MATERIEL: "Matériel utilisé",
    ref.THEMATIQUE: "Thématiques de médiation numérique",
    ref.THEMATIQUE_DEMARCHE: "Thématiques de démarches administratives",
    ref.STRUCTURE_REDIRECTION: "Structures de redirection",
    ref.NIVEAU_ATELIER: "Niveaux d’atelier",
    ref.STATUT_SOCIAL: "Statuts sociaux",
}


@dataclass(frozen=True)
class Entry:
    value: str
    label: str
    position: int
    active: bool
    national: bool
    national_label: str | None = None  # the default label, for a national entry


def entries(session: Session, list_name: str) -> list[Entry]:
    """Every entry of a list, in display order: national defaults overlaid by the stored rows, then local ones."""
    rows = list(session.execute(
        select(ReferenceItem).where(ReferenceItem.list_name == list_name)).scalars()) if list_name in EDITABLE else []
    return _entries(list_name, rows)


def _entries(list_name: str, stored: list[ReferenceItem]) -> list[Entry]:
    """The entries of a list from its stored rows (``entries``)."""
    defaults = {item.value: (i, item.label) for i, item in enumerate(ref.items(list_name))}
    rows = {r.value: r for r in stored}
    result = []
    for value, (i, default_label) in defaults.items():
        row = rows.pop(value, None)
        if row is None:
            result.append(Entry(value, default_label, i * 10, True, True, default_label))
        else:
            result.append(Entry(value, row.label, row.position, row.active, True, default_label))
    for row in rows.values():
        result.append(Entry(row.value, row.label, row.position, row.active, False))
    result.sort(key=lambda e: (e.position, e.label))
    return result


def choices(session: Session, list_name: str) -> list[tuple[str, str]]:
    return [(e.value, e.label) for e in entries(session, list_name) if e.active]


def labels(session: Session, list_name: str) -> dict[str, str]:
    return {e.value: e.label for e in entries(session, list_name)}


def all_labels(session: Session) -> dict[str, dict[str, str]]:
    """{list_name: {value: label}} for every enumeration used by activities, in one query (the stored rows of the
    editable lists)."""
    names = (ref.TYPE_ACTIVITE, ref.DUREE_TRANCHES, ref.TYPE_LIEU, ref.MATERIEL, ref.THEMATIQUE,
             ref.THEMATIQUE_DEMARCHE, ref.AUTONOMIE, ref.STRUCTURE_REDIRECTION, ref.NIVEAU_ATELIER, ref.GENRE,
             ref.TRANCHE_AGE, ref.STATUT_SOCIAL)
    stored: dict[str, list[ReferenceItem]] = {name: [] for name in names}
    for row in session.execute(select(ReferenceItem).where(ReferenceItem.list_name.in_(
            [name for name in names if name in EDITABLE])).order_by(ReferenceItem.id)).scalars():
        stored[row.list_name].append(row)
    return {name: {e.value: e.label for e in _entries(name, stored[name])} for name in names}


def is_allowed(session: Session, list_name: str, value: str) -> bool:
    return any(e.value == value and e.active for e in entries(session, list_name))


def _check_list(list_name: str) -> None:
    if list_name not in EDITABLE:
        raise DomainError("Cette liste de référence n’est pas modifiable.")


def save_entry(session: Session, actor: User, list_name: str, value: str, *, label: str, position: int,
               active: bool, now: datetime) -> ReferenceItem:
    """Change the label, position or active flag of an entry (national or local). Audited."""
    _check_list(list_name)
    label = (label or "").strip()
    if not label:
        raise DomainError("Le libellé est obligatoire.", field="label")
    if len(label) > 200:
        raise DomainError("Le libellé ne peut pas dépasser 200 caractères.", field="label")
    current = {e.value: e for e in entries(session, list_name)}
    if value not in current:
        raise DomainError("Entrée inconnue.", field="value")
    row = session.execute(select(ReferenceItem).where(ReferenceItem.list_name == list_name,
                                                      ReferenceItem.value == value)).scalar_one_or_none()
    before = audit.snapshot(row) if row else {"label": current[value].label, "active": True}
    if row is None:
        row = ReferenceItem(list_name=list_name, value=value, national=True)
        session.add(row)
    row.label, row.position, row.active, row.updated_at = label, position, active, now
    audit.record(session, actor, "update", row, summary=f"Liste « {EDITABLE[list_name]} » : {label}",
                 before=before, after=audit.snapshot(row), now=now)
    return row


def add_entry(session: Session, actor: User, list_name: str, label: str, *, now: datetime) -> ReferenceItem:
    """Add a local entry at the end of a list; its value is derived from the label (``Local…``)."""
    _check_list(list_name)
    label = (label or "").strip()
    if not label:
        raise DomainError("Le libellé est obligatoire.", field="label")
    if len(label) > 200:
        raise DomainError("Le libellé ne peut pas dépasser 200 caractères.", field="label")
    current = entries(session, list_name)
    if any(e.label.casefold() == label.casefold() for e in current):
        raise DomainError("Cette entrée existe déjà dans la liste.", field="label")
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = "Local" + "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", ascii_label))[:50]
    value, n = base, 2
    while any(e.value == value for e in current):
        value, n = f"{base[:55]}{n}", n + 1
    row = ReferenceItem(list_name=list_name, value=value, label=label, national=False, active=True,
                        position=max((e.position for e in current), default=0) + 10)
    session.add(row)
    audit.record(session, actor, "create", row, summary=f"Liste « {EDITABLE[list_name]} » : ajout {formats.of(label)}",
                 after=audit.snapshot(row), now=now)
    return row
