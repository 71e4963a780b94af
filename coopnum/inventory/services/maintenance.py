"""Maintenance cases: an issue opened on an asset (by staff, by a mediator reporting a problem, or by a return in
a damaged condition), its repair, cost and supplier, then its closing."""

from datetime import datetime

from coopnum.core import audit, clock
from coopnum.core.errors import DomainError
from coopnum.inventory.models import Asset, AssetStatus, MaintenanceCase
from coopnum.inventory.services.status import refresh_status


def open_case(session, asset: Asset, *, actor, now: datetime, issue: str, loan_id: int | None = None,
              supplier: str = "") -> MaintenanceCase:
    issue = (issue or "").strip()
    if not issue:
        raise DomainError("Décrivez le problème.", field="issue")
    if asset.status == AssetStatus.RETIRED:
        raise DomainError(f"{asset.tag} est réformé : pas de maintenance possible.")
    case = MaintenanceCase(asset_id=asset.id, opened_on=clock.paris_today(now), issue=issue, loan_id=loan_id,
                           supplier=supplier, opened_by_id=getattr(actor, "id", None))
    session.add(case)
    session.flush()
    refresh_status(session, asset)
    audit.record(session, actor, "inventory.maintenance_open", asset, summary=f"{asset.tag} : {issue}"[:500], now=now)
    return case


def close_case(session, case: MaintenanceCase, *, actor, now: datetime, repair: str = "",
               cost_cents: int | None = None, supplier: str | None = None) -> MaintenanceCase:
    if case.closed_on is not None:
        raise DomainError("Ce dossier de maintenance est déjà clos.")
    if cost_cents is not None and cost_cents < 0:
        raise DomainError("Le coût ne peut pas être négatif.", field="cost")
    case.repair = (repair or case.repair).strip()
    case.cost_cents = cost_cents if cost_cents is not None else case.cost_cents
    if supplier is not None:
        case.supplier = supplier.strip()
    case.closed_on = clock.paris_today(now)
    case.closed_by_id = getattr(actor, "id", None)
    session.flush()
    asset = session.get(Asset, case.asset_id)
    refresh_status(session, asset)
    audit.record(session, actor, "inventory.maintenance_close", asset, summary=f"{asset.tag} : {case.repair}"[:500],
                 now=now)
    return case
