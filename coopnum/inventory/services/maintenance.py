"""Maintenance cases: an issue opened on an asset (by staff, by a mediator reporting a problem, or by a return in
a damaged condition), its repair, cost and supplier (changeable while the case is open), then its closing.

The asset's status follows ``services.status.refresh_status``: "in maintenance" while a case is open, back to
"available" at closing (or "deployed" when an open loan still holds it); lost and retired stay as they are."""

from datetime import datetime

from sqlalchemy import extract, func, select

from coopnum.core import audit, clock
from coopnum.core.errors import DomainError
from coopnum.inventory.models import Asset, AssetStatus, MaintenanceCase
from coopnum.inventory.services.status import refresh_status

MAX_COST_CENTS = 10_000_000  # 100 000 €: more is a typing error
ISSUE_MAX = 1000
REPAIR_MAX = 1000
SUPPLIER_MAX = 200


def _text(value: str | None, *, field: str, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("Décrivez le problème." if field == "issue" else f"{label} : champ obligatoire.",
                          field=field)
    if len(value) > limit:
        raise DomainError(f"{label} : {limit} caractères au plus.", field=field)
    return value


def _cost(cost_cents: int | None) -> int | None:
    if cost_cents is None:
        return None
    if cost_cents < 0:
        raise DomainError("Le coût ne peut pas être négatif.", field="cost")
    if cost_cents > MAX_COST_CENTS:
        raise DomainError("Coût trop élevé (100 000 € au plus) : vérifiez le montant.", field="cost")
    return cost_cents


def open_case(session, asset: Asset, *, actor, now: datetime, issue: str, loan_id: int | None = None,
              supplier: str = "") -> MaintenanceCase:
    issue = _text(issue, field="issue", label="Le problème", limit=ISSUE_MAX, required=True)
    supplier = _text(supplier, field="supplier", label="Le prestataire", limit=SUPPLIER_MAX)
    if asset.status == AssetStatus.RETIRED:
        raise DomainError(f"{asset.tag} est réformé : pas de maintenance possible.")
    case = MaintenanceCase(asset_id=asset.id, opened_on=clock.paris_today(now), issue=issue, loan_id=loan_id,
                           supplier=supplier, opened_by_id=getattr(actor, "id", None))
    session.add(case)
    session.flush()
    refresh_status(session, asset)
    audit.record(session, actor, "inventory.maintenance_open", asset, summary=f"{asset.tag} : {issue}"[:500], now=now)
    return case


def update_case(session, case: MaintenanceCase, *, actor, now: datetime, issue: str | None = None,
                repair: str | None = None, cost_cents: int | None = None, supplier: str | None = None,
                clear_cost: bool = False) -> MaintenanceCase:
    """Change an open case: its issue, the repair done so far, its cost (``clear_cost``: no cost known) and
    supplier. ``None`` keeps a value."""
    if case.closed_on is not None:
        raise DomainError("Ce dossier de maintenance est clos : il ne change plus.")
    if issue is not None:
        case.issue = _text(issue, field="issue", label="Le problème", limit=ISSUE_MAX, required=True)
    if repair is not None:
        case.repair = _text(repair, field="repair", label="La réparation", limit=REPAIR_MAX)
    if supplier is not None:
        case.supplier = _text(supplier, field="supplier", label="Le prestataire", limit=SUPPLIER_MAX)
    if clear_cost:
        case.cost_cents = None
    elif cost_cents is not None:
        case.cost_cents = _cost(cost_cents)
    session.flush()
    asset = session.get(Asset, case.asset_id)
    audit.record(session, actor, "inventory.maintenance_update", asset, summary=f"{asset.tag} : dossier modifié",
                 now=now)
    return case


def close_case(session, case: MaintenanceCase, *, actor, now: datetime, repair: str = "",
               cost_cents: int | None = None, supplier: str | None = None) -> MaintenanceCase:
    """Close a case with what was done: the asset is available again (deployed when an open loan holds it)."""
    if case.closed_on is not None:
        raise DomainError("Ce dossier de maintenance est déjà clos.")
    repair = _text(repair, field="repair", label="La réparation", limit=REPAIR_MAX)
    case.repair = repair or case.repair
    if cost_cents is not None:
        case.cost_cents = _cost(cost_cents)
    if supplier is not None:
        case.supplier = _text(supplier, field="supplier", label="Le prestataire", limit=SUPPLIER_MAX)
    case.closed_on = clock.paris_today(now)
    case.closed_by_id = getattr(actor, "id", None)
    session.flush()
    asset = session.get(Asset, case.asset_id)
    refresh_status(session, asset)
    audit.record(session, actor, "inventory.maintenance_close", asset, summary=f"{asset.tag} : {case.repair}"[:500],
                 now=now)
    return case


# --- queries --------------------------------------------------------------------------------------------------------

def cases_query(*, state: str | None = None, category: str | None = None, asset_id: int | None = None):
    """Cases, the open ones first then the newest; ``state``: "open", "closed" or None (all)."""
    stmt = select(MaintenanceCase).join(Asset, Asset.id == MaintenanceCase.asset_id)
    if state == "open":
        stmt = stmt.where(MaintenanceCase.closed_on.is_(None))
    elif state == "closed":
        stmt = stmt.where(MaintenanceCase.closed_on.is_not(None))
    if category:
        stmt = stmt.where(Asset.category == category)
    if asset_id is not None:
        stmt = stmt.where(MaintenanceCase.asset_id == asset_id)
    return stmt.order_by(MaintenanceCase.closed_on.is_not(None), MaintenanceCase.opened_on.desc(),
                         MaintenanceCase.id.desc())


def cost_totals(session, *, category: str | None = None) -> list[tuple[int, int, int]]:
    """(year, number of cases, total cost in cents) per year of opening, the latest year first."""
    year = extract("year", MaintenanceCase.opened_on)
    stmt = (select(year, func.count(MaintenanceCase.id), func.coalesce(func.sum(MaintenanceCase.cost_cents), 0))
            .join(Asset, Asset.id == MaintenanceCase.asset_id).group_by(year).order_by(year.desc()))
    if category:
        stmt = stmt.where(Asset.category == category)
    return [(int(y), int(n), int(total)) for y, n, total in session.execute(stmt)]
