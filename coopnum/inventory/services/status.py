"""The status of an asset follows its loans and maintenance cases: one rule, used by every operation.

- lost and retired are final (set by their own operations: declare lost, retire; a found asset is set back);
- otherwise: ``deployed`` while an open loan holds it, else ``maintenance`` while a case is open, else ``available``."""

from sqlalchemy import exists, select

from coopnum.inventory.models import Asset, AssetBooking, AssetStatus, MaintenanceCase


def refresh_status(session, asset: Asset) -> str:
    """Set ``asset.status`` from its open loan and open maintenance cases (lost and retired are kept)."""
    if asset.status in (AssetStatus.LOST, AssetStatus.RETIRED):
        return asset.status
    session.flush()
    lent = session.scalar(select(exists().where(AssetBooking.asset_id == asset.id, AssetBooking.open_loan)))
    repairing = session.scalar(select(exists().where(MaintenanceCase.asset_id == asset.id,
                                                     MaintenanceCase.closed_on.is_(None))))
    asset.status = (AssetStatus.DEPLOYED if lent else AssetStatus.MAINTENANCE if repairing
                    else AssetStatus.AVAILABLE)
    return asset.status
