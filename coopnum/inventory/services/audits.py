"""Audits: the check of what a place holds. Staff start an audit of a place (or of the assets without a home
place); while it is open, staff and mediators tick each asset "vu aujourd'hui" or scan/type its tag (a scanner types
the tag or the label's URL ``…/q/<tag>``); closing it freezes the number of missing assets.

- expected: the assets whose home place is the audited place, neither retired nor lost;
- lent: those an open loan holds (at closing: held by a loan at that instant) are "en prêt", not missing;
- missing: expected, not seen, not lent.
Closing freezes the result: one ``AuditResult`` per expected asset (seen, lent or missing) and ``missing_count``; a
closed audit's page reads them, so later moves, loans or losses never change what the audit found."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select

from coopnum.core import audit as audit_log
from coopnum.core import formats
from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.inventory.models import (
    Asset,
    AssetBooking,
    AssetStatus,
    Audit,
    AuditOutcome,
    AuditResult,
    AuditSighting,
)

TAG_URL = re.compile(r"/q/([^/?#\s]+)")
NOTES_MAX = 1000


@dataclass
class AuditLine:
    asset: Asset
    seen: AuditSighting | None
    lent: bool

    @property
    def missing(self) -> bool:
        return self.seen is None and not self.lent


def _place_filter(audit: Audit):
    return Asset.place_id.is_(None) if audit.place_id is None else Asset.place_id == audit.place_id


def _lent_now():
    """An open loan holds the asset."""
    return exists().where(AssetBooking.asset_id == Asset.id, AssetBooking.open_loan)


def open_audit_of(session, place_id: int | None) -> Audit | None:
    place = Audit.place_id.is_(None) if place_id is None else Audit.place_id == place_id
    return session.execute(select(Audit).where(place, Audit.closed_at.is_(None))
                           .order_by(Audit.id.desc()).limit(1)).scalar_one_or_none()


def open_audits(session) -> list[Audit]:
    return list(session.execute(select(Audit).where(Audit.closed_at.is_(None)).order_by(Audit.started_at)).scalars())


def start_audit(session, *, actor, now: datetime, place_id: int | None, notes: str = "") -> Audit:
    from coopnum.organisations.models import Place

    if place_id is not None and session.get(Place, place_id) is None:
        raise NotFound("Lieu inconnu.", field="place_id")
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise DomainError(f"Notes : {NOTES_MAX} caractères au plus.", field="notes")
    current = open_audit_of(session, place_id)
    if current is not None:
        raise Conflict(f"Un audit de ce lieu est déjà en cours (commencé le {current.started_at:%d/%m/%Y}) : "
                       "terminez-le d'abord.", field="place_id")
    row = Audit(place_id=place_id, started_at=now, notes=notes, started_by_id=getattr(actor, "id", None))
    session.add(row)
    session.flush()
    audit_log.record(session, actor, "inventory.audit_start", row, summary=f"Audit n° {row.id} commencé", now=now)
    return row


def lines(session, audit: Audit) -> list[AuditLine]:
    """The assets expected at the audited place, with their sighting and whether a loan holds them (one query): live
    while the audit is open, as frozen at its closing once closed."""
    sighting = and_(AuditSighting.asset_id == Asset.id, AuditSighting.audit_id == audit.id)
    if audit.closed_at is not None:
        stmt = (select(Asset, AuditSighting, AuditResult.outcome)
                .join(AuditResult, and_(AuditResult.asset_id == Asset.id, AuditResult.audit_id == audit.id))
                .outerjoin(AuditSighting, sighting).order_by(Asset.category, Asset.tag))
        return [AuditLine(asset, seen, outcome == AuditOutcome.LENT) for asset, seen, outcome in session.execute(stmt)]
    lent = _lent_now().label("lent")
    expected = Asset.status.not_in((AssetStatus.RETIRED, AssetStatus.LOST))
    stmt = (select(Asset, AuditSighting, lent).outerjoin(AuditSighting, sighting)
            .where(_place_filter(audit), expected).order_by(Asset.category, Asset.tag))
    return [AuditLine(asset, seen, bool(is_lent)) for asset, seen, is_lent in session.execute(stmt)]


def extra_sightings(session, audit: Audit) -> list[AuditSighting]:
    """Assets seen during the audit that are not expected there (another home place, retired, lost)."""
    expected_ids = {line.asset.id for line in lines(session, audit)}
    rows = session.execute(select(AuditSighting).where(AuditSighting.audit_id == audit.id)
                           .order_by(AuditSighting.seen_at)).scalars()
    return [s for s in rows if s.asset_id not in expected_ids]


def parse_tag(text: str) -> str:
    """The tag typed or scanned: ``TAB-0012``, or the label's URL (``https://…/q/TAB-0012``)."""
    text = (text or "").strip()
    match = TAG_URL.search(text)
    if match:
        text = match.group(1)
    return text.strip()


def find_by_tag(session, text: str) -> Asset:
    tag = parse_tag(text)
    if not tag:
        raise DomainError("Saisissez ou scannez l'étiquette du matériel.", field="tag")
    if len(tag) > 40:
        raise NotFound("Aucun matériel ne porte cette étiquette.", field="tag")
    asset = session.execute(select(Asset).where(Asset.tag == tag)).scalar_one_or_none()
    if asset is None:
        asset = session.execute(select(Asset).where(func.upper(Asset.tag) == tag.upper())).scalars().first()
    if asset is None:
        raise NotFound(f"Aucun matériel ne porte l'étiquette « {tag} ».", field="tag")
    return asset


def tick(session, audit: Audit, *, actor, now: datetime, asset_id: int | None = None, tag: str | None = None,
         scanned: bool = False) -> tuple[Asset, bool]:
    """Mark an asset seen during an open audit, by id (the tick button) or by its tag or label URL (typed or
    scanned). Returns (the asset, whether this sighting is new): ticking twice is harmless."""
    if audit.closed_at is not None:
        raise DomainError("Cet audit est terminé : il n'est plus possible de cocher du matériel.")
    if asset_id is not None:
        asset = session.get(Asset, asset_id)
        if asset is None:
            raise NotFound("Matériel inconnu.", field="asset_id")
    else:
        asset = find_by_tag(session, tag or "")
        scanned = True
    already = session.execute(select(AuditSighting).where(
        AuditSighting.audit_id == audit.id, AuditSighting.asset_id == asset.id)).scalar_one_or_none()
    if already is not None:
        return asset, False
    session.add(AuditSighting(audit_id=audit.id, asset_id=asset.id, seen_at=now, seen_by_id=getattr(actor, "id", None),
                              scanned=scanned))
    session.flush()
    return asset, True


def is_expected(audit: Audit, asset: Asset) -> bool:
    return asset.place_id == audit.place_id and asset.status not in (AssetStatus.RETIRED, AssetStatus.LOST)


def close_audit(session, audit: Audit, *, actor, now: datetime) -> list[Asset]:
    """End the audit: the missing assets (expected, not seen, not lent) are counted and returned."""
    if audit.closed_at is not None:
        raise DomainError("Cet audit est déjà terminé.")
    found = lines(session, audit)  # the open audit's view, at ``now``
    missing = [line.asset for line in found if line.missing]
    for line in found:
        outcome = (AuditOutcome.SEEN if line.seen is not None else AuditOutcome.LENT if line.lent
                   else AuditOutcome.MISSING)
        session.add(AuditResult(audit_id=audit.id, asset_id=line.asset.id, outcome=outcome))
    audit.closed_at = now
    audit.missing_count = len(missing)
    session.flush()
    audit_log.record(session, actor, "inventory.audit_close", audit,
                     summary=f"Audit n° {audit.id} terminé : {formats.count(len(missing), 'manquant', 'manquants')}"
                             + (" — " + ", ".join(a.tag for a in missing[:30]) if missing else ""), now=now)
    return missing


def mark_missing_lost(session, audit: Audit, asset_ids, *, actor, now: datetime) -> list[Asset]:
    """Declare lost some missing assets of a closed audit (an asset out on loan or in an open case is refused by
    the rule: only the missing ones of this audit)."""
    if audit.closed_at is None:
        raise DomainError("Terminez l'audit avant de déclarer du matériel perdu.")
    missing = {line.asset.id: line.asset for line in lines(session, audit) if line.missing}
    chosen = [missing[i] for i in dict.fromkeys(asset_ids) if i in missing]
    if not chosen:
        raise DomainError("Choisissez du matériel manquant de cet audit.", field="asset_ids")
    for asset in chosen:
        if asset.status == AssetStatus.LOST:
            continue
        asset.status = AssetStatus.LOST
        asset.updated_at = now
        audit_log.record(session, actor, "inventory.asset_lost", asset,
                         summary=f"{asset.tag} déclaré perdu (audit n° {audit.id})", now=now)
    session.flush()
    return chosen


def audits_query(*, place_id: int | None = None, no_place: bool = False):
    """Audits, the newest first (of one place, or of the assets without home place)."""
    stmt = select(Audit)
    if no_place:
        stmt = stmt.where(Audit.place_id.is_(None))
    elif place_id is not None:
        stmt = stmt.where(Audit.place_id == place_id)
    return stmt.order_by(Audit.closed_at.is_not(None), Audit.started_at.desc(), Audit.id.desc())


def asset_sightings(session, asset_id: int, limit: int = 20) -> list[tuple[AuditSighting, Audit]]:
    """The audits an asset was seen in, the latest first (its history)."""
    return [(s, a) for s, a in session.execute(
        select(AuditSighting, Audit).join(Audit, Audit.id == AuditSighting.audit_id)
        .where(AuditSighting.asset_id == asset_id).order_by(AuditSighting.seen_at.desc()).limit(limit)).all()]
