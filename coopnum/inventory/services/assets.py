"""Assets and kits: create, edit, retire (final), mark a lost asset found, the optional photo; kits and their
members (an asset belongs to one kit at most); the list's search and its counts per status.

Services take plain values, the acting user and ``now``; they flush, never commit. A tag is unique: it is
normalised (upper case, no surrounding spaces) and checked before the insert; a concurrent insert of the same tag
loses on the unique index, which the views and the API turn into a French conflict."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlmodel import Session

from coopnum.core import audit
from coopnum.core.errors import Conflict, DomainError, NotFound
from coopnum.core.validation import domain_text
from coopnum.inventory.models import (
    Asset,
    AssetBooking,
    AssetCategory,
    AssetPhoto,
    AssetStatus,
    Kit,
    Loan,
    LoanStatus,
    Reservation,
    ReservationStatus,
)
from coopnum.inventory.services.status import refresh_status

TAG_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
TAG_MESSAGE = ("L'étiquette ne peut contenir que des lettres sans accent, des chiffres, des points et des tirets "
               "(40 caractères au plus), par exemple TAB-0012.")
KIT_CODE_PATTERN = TAG_PATTERN
CATEGORY_WORDS = {
    AssetCategory.LAPTOP: "ordinateur portable",
    AssetCategory.TABLET: "tablette",
    AssetCategory.SMARTPHONE: "smartphone",
    AssetCategory.HOTSPOT: "routeur 4G",
    AssetCategory.PROJECTOR: "vidéoprojecteur",
    AssetCategory.ACCESSORY: "accessoire",
}
MAX_PRICE_CENTS = 10_000_000  # 100 000 €: a typo beyond that
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def normalize_tag(tag: str | None) -> str:
    return (tag or "").strip().upper()


def _tag(session: Session, tag: str, asset: Asset | None = None) -> str:
    tag = normalize_tag(domain_text(tag, field="tag", label="L'étiquette", max_length=40, required=True))
    if not TAG_PATTERN.match(tag):
        raise DomainError(TAG_MESSAGE, field="tag")
    clash = session.execute(select(Asset.id).where(func.upper(Asset.tag) == tag)).scalar()
    if clash is not None and (asset is None or clash != asset.id):
        raise Conflict(f"L'étiquette {tag} est déjà utilisée par un autre matériel.", field="tag")
    return tag


def _category(category: str) -> str:
    if category not in set(AssetCategory):
        raise DomainError("Catégorie inconnue : " + ", ".join(c.value for c in AssetCategory) + ".",
                          field="category")
    return str(category)


def _place(session: Session, place_id: int | None) -> int | None:
    if not place_id:
        return None
    from coopnum.organisations.models import Place

    if session.get(Place, place_id) is None:
        raise DomainError("Lieu introuvable.", field="place_id")
    return place_id


def _kit(session: Session, kit_id: int | None) -> Kit | None:
    if not kit_id:
        return None
    kit = session.get(Kit, kit_id)
    if kit is None:
        raise DomainError("Kit introuvable.", field="kit_id")
    if not kit.active:
        raise DomainError(f"Le kit {kit.code} est désactivé.", field="kit_id")
    return kit


def _price(cents: int | None) -> int | None:
    if cents is None:
        return None
    if cents < 0:
        raise DomainError("Le prix ne peut pas être négatif.", field="purchase_price")
    if cents > MAX_PRICE_CENTS:
        raise DomainError("Prix trop élevé (100 000 € au plus).", field="purchase_price")
    return cents


def _purchase_date(day: date | None, now: datetime) -> date | None:
    from coopnum.core.clock import paris_today

    if day is not None and day > paris_today(now):
        raise DomainError("La date d'achat ne peut pas être dans le futur.", field="purchase_date")
    if day is not None and day.year < 1990:
        raise DomainError("Date d'achat trop ancienne.", field="purchase_date")
    return day


def _fields(session: Session, *, category, model, serial, purchase_date, purchase_price_cents, funding, place_id,
            notes, now) -> dict:
    return {
        "category": _category(category),
        "model": domain_text(model, field="model", label="Le modèle", max_length=200, required=True),
        "serial": domain_text(serial, field="serial", label="Le numéro de série", max_length=100),
        "purchase_date": _purchase_date(purchase_date, now),
        "purchase_price_cents": _price(purchase_price_cents),
        "funding": domain_text(funding, field="funding", label="Le financement", max_length=200),
        "place_id": _place(session, place_id),
        "notes": domain_text(notes, field="notes", label="Les notes", multiline=True, max_length=5000),
    }


def create_asset(session: Session, actor, *, tag: str, category: str, model: str, serial: str = "",
                 purchase_date: date | None = None, purchase_price_cents: int | None = None, funding: str = "",
                 place_id: int | None = None, kit_id: int | None = None, notes: str = "",
                 now: datetime) -> Asset:
    values = _fields(session, category=category, model=model, serial=serial, purchase_date=purchase_date,
                     purchase_price_cents=purchase_price_cents, funding=funding, place_id=place_id, notes=notes,
                     now=now)
    kit = _kit(session, kit_id)
    asset = Asset(tag=_tag(session, tag), status=AssetStatus.AVAILABLE, kit_id=kit.id if kit else None,
                  created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now, **values)
    session.add(asset)
    session.flush()
    audit.record(session, actor, "inventory.asset_create", asset,
                 summary=f"{asset.tag} créé ({CATEGORY_WORDS.get(asset.category, asset.category)}, {asset.model})",
                 after=audit.snapshot(asset), now=now)
    return asset


def update_asset(session: Session, actor, asset: Asset, *, tag: str, category: str, model: str, serial: str = "",
                 purchase_date: date | None = None, purchase_price_cents: int | None = None, funding: str = "",
                 place_id: int | None = None, kit_id: int | None = None, notes: str = "",
                 now: datetime) -> Asset:
    if asset.status == AssetStatus.RETIRED:
        raise DomainError(f"{asset.tag} est réformé : sa fiche n'est plus modifiable.")
    before = audit.snapshot(asset)
    values = _fields(session, category=category, model=model, serial=serial, purchase_date=purchase_date,
                     purchase_price_cents=purchase_price_cents, funding=funding, place_id=place_id, notes=notes,
                     now=now)
    new_tag = _tag(session, tag, asset)
    if kit_id != asset.kit_id:
        kit = _kit(session, kit_id)
        asset.kit_id = kit.id if kit else None
    asset.tag = new_tag
    for key, value in values.items():
        setattr(asset, key, value)
    asset.updated_at = now
    session.flush()
    changes = audit.diff(before, audit.snapshot(asset))
    if changes:
        audit.record(session, actor, "inventory.asset_update", asset,
                     summary=f"{asset.tag} modifié : " + ", ".join(sorted(changes)), before=before,
                     after=audit.snapshot(asset), now=now)
    return asset


def _active_bookings(session: Session, asset_ids: list[int], now: datetime) -> list[str]:
    """What still holds these assets (an open loan, an active reservation not yet ended), in words."""
    rows = session.execute(
        select(AssetBooking.asset_id, AssetBooking.reservation_id, AssetBooking.loan_id, AssetBooking.starts_at)
        .where(AssetBooking.asset_id.in_(asset_ids),
               or_(AssetBooking.open_loan, (AssetBooking.active & (AssetBooking.ends_at > now))))
        .order_by(AssetBooking.starts_at)).all()
    words = []
    for row in rows:
        if row.loan_id:
            words.append(f"le prêt n° {row.loan_id}")
        else:
            words.append(f"la réservation n° {row.reservation_id}")
    return list(dict.fromkeys(words))


def retire_asset(session: Session, actor, asset: Asset, *, on: date, reason: str, now: datetime) -> Asset:
    """Retire an asset (sold, given away, recycled): final; kept for the history, out of its kit."""
    if asset.status == AssetStatus.RETIRED:
        raise DomainError(f"{asset.tag} est déjà réformé.")
    reason = domain_text(reason, field="reason", label="Le motif", max_length=500, required=True)
    if on is None:
        raise DomainError("Indiquez la date de réforme.", field="on")
    from coopnum.core.clock import paris_today

    if on > paris_today(now):
        raise DomainError("La date de réforme ne peut pas être dans le futur.", field="on")
    if asset.purchase_date and on < asset.purchase_date:
        raise DomainError("La date de réforme précède la date d'achat.", field="on")
    holding = _active_bookings(session, [asset.id], now)
    if holding:
        raise DomainError(f"{asset.tag} est encore engagé ({', '.join(holding)}) : terminez ou annulez d'abord.")
    before = audit.snapshot(asset)
    kit = session.get(Kit, asset.kit_id) if asset.kit_id else None
    asset.status, asset.retired_on, asset.kit_id, asset.updated_at = AssetStatus.RETIRED, on, None, now
    line = f"Réformé le {on:%d/%m/%Y} : {reason}"
    asset.notes = f"{asset.notes}\n{line}".strip() if asset.notes else line
    session.flush()
    audit.record(session, actor, "inventory.asset_retire", asset,
                 summary=f"{asset.tag} réformé le {on:%d/%m/%Y} : {reason}"
                         + (f" (retiré du kit {kit.code})" if kit else ""),
                 before=before, after=audit.snapshot(asset), now=now)
    return asset


def mark_found(session: Session, actor, asset: Asset, *, now: datetime) -> Asset:
    """A lost asset is back: available again (or in maintenance while a case is open)."""
    if asset.status != AssetStatus.LOST:
        raise DomainError(f"{asset.tag} n'est pas déclaré perdu.")
    asset.status = AssetStatus.AVAILABLE
    refresh_status(session, asset)
    asset.updated_at = now
    audit.record(session, actor, "inventory.asset_found", asset,
                 summary=f"{asset.tag} retrouvé : perdu → {asset.status}",
                 before={"status": AssetStatus.LOST.value}, after={"status": str(asset.status)}, now=now)
    return asset


# --- photo ----------------------------------------------------------------------------------------------------------

def reencode_photo(data: bytes) -> tuple[bytes, str]:
    """The uploaded image checked (JPEG or PNG, 5 Mo at most) and re-encoded: turned upright, at most
    ``PHOTO_MAX_SIDE`` pixels a side, without its metadata (EXIF: the place and the device it was taken with)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise DomainError("Choisissez une photo (JPEG ou PNG).", field="photo")
    if len(data) > PHOTO_MAX_BYTES:
        raise DomainError("Photo trop lourde : 5 Mo au plus.", field="photo")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
        if kind not in PHOTO_FORMATS:
            raise DomainError("Format refusé : la photo doit être une image JPEG ou PNG.", field="photo")
        if width * height > PHOTO_MAX_PIXELS:  # a small file that would unpack to gigabytes
            raise DomainError("Image trop grande (40 millions de pixels au plus).", field="photo")
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            if kind == "PNG":
                if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA")
                image.save(out, format="PNG", optimize=True)
            else:
                if image.mode != "RGB":
                    image = image.convert("RGB")
                image.save(out, format="JPEG", quality=85, optimize=True)
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise DomainError("Ce fichier n'est pas une image JPEG ou PNG lisible.", field="photo") from exc
    return out.getvalue(), PHOTO_FORMATS[kind]


def set_photo(session: Session, actor, asset: Asset, data: bytes, *, now: datetime) -> AssetPhoto:
    content, content_type = reencode_photo(data)
    photo = session.execute(select(AssetPhoto).where(AssetPhoto.asset_id == asset.id)).scalar_one_or_none()
    if photo is None:
        photo = AssetPhoto(asset_id=asset.id, content_type=content_type, data=content, created_at=now)
        session.add(photo)
    else:
        photo.content_type, photo.data, photo.created_at = content_type, content, now
    session.flush()
    audit.record(session, actor, "inventory.asset_photo", asset, summary=f"Photo de {asset.tag} enregistrée",
                 now=now)
    return photo


def remove_photo(session: Session, actor, asset: Asset, *, now: datetime) -> None:
    photo = session.execute(select(AssetPhoto).where(AssetPhoto.asset_id == asset.id)).scalar_one_or_none()
    if photo is None:
        raise DomainError(f"{asset.tag} n'a pas de photo.")
    session.delete(photo)
    session.flush()
    audit.record(session, actor, "inventory.asset_photo_delete", asset, summary=f"Photo de {asset.tag} supprimée",
                 now=now)


def has_photo(session: Session, asset_id: int) -> bool:
    return session.execute(select(AssetPhoto.id).where(AssetPhoto.asset_id == asset_id)).scalar() is not None


# --- search ---------------------------------------------------------------------------------------------------------

def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(stmt, *, q: str = "", category: str | None = None, status: str | None = None,
           place_id: int | None = None, kit_id: int | None = None):
    q = (q or "").strip()
    if q:
        like = f"%{_escape_like(q.lower())}%"
        stmt = stmt.where(or_(func.lower(Asset.tag).like(like, escape="\\"),
                              func.lower(Asset.model).like(like, escape="\\"),
                              func.lower(Asset.serial).like(like, escape="\\")))
    if category:
        stmt = stmt.where(Asset.category == category)
    if status:
        stmt = stmt.where(Asset.status == status)
    if place_id:
        stmt = stmt.where(Asset.place_id == place_id)
    if kit_id:
        stmt = stmt.where(Asset.kit_id == kit_id)
    return stmt


def search_stmt(q: str = "", *, category: str | None = None, status: str | None = None,
                place_id: int | None = None, kit_id: int | None = None):
    """The assets matching the filters (free text on the tag, model and serial), ordered by tag."""
    return _where(select(Asset), q=q, category=category, status=status, place_id=place_id,
                  kit_id=kit_id).order_by(Asset.tag)


def status_counts(session: Session, q: str = "", *, category: str | None = None, place_id: int | None = None,
                  kit_id: int | None = None) -> dict[str, int]:
    """How many assets of each status match the other filters (one query)."""
    stmt = _where(select(Asset.status, func.count()), q=q, category=category, place_id=place_id,
                  kit_id=kit_id).group_by(Asset.status)
    counts = {str(s): 0 for s in AssetStatus}
    counts.update({status: n for status, n in session.execute(stmt).all()})
    return counts


def asset_by_tag(session: Session, tag: str) -> Asset | None:
    tag = normalize_tag(tag)
    if not tag or len(tag) > 40:
        return None
    return session.execute(select(Asset).where(func.upper(Asset.tag) == tag)).scalar_one_or_none()


# --- kits -----------------------------------------------------------------------------------------------------------

def _kit_code(session: Session, code: str, kit: Kit | None = None) -> str:
    code = normalize_tag(domain_text(code, field="code", label="Le code", max_length=40, required=True))
    if not KIT_CODE_PATTERN.match(code):
        raise DomainError("Le code ne peut contenir que des lettres sans accent, des chiffres, des points et des "
                          "tirets (40 caractères au plus), par exemple KIT-TAB-1.", field="code")
    clash = session.execute(select(Kit.id).where(func.upper(Kit.code) == code)).scalar()
    if clash is not None and (kit is None or clash != kit.id):
        raise Conflict(f"Le code {code} est déjà celui d'un autre kit.", field="code")
    return code


def _set_members(session: Session, kit: Kit, asset_ids: list[int]) -> tuple[list[str], list[str]]:
    """Make ``asset_ids`` the members of the kit (atomically: an asset claimed by another kit meanwhile is a
    conflict). Returns the tags added and removed."""
    wanted = sorted(set(asset_ids or ()))
    assets = list(session.execute(select(Asset).where(Asset.id.in_(wanted)))
                  .scalars()) if wanted else []
    if len(assets) != len(wanted):
        raise DomainError("Matériel introuvable.", field="asset_ids")
    for a in assets:
        if a.kit_id not in (None, kit.id):
            other = session.get(Kit, a.kit_id)
            raise Conflict(f"{a.tag} fait déjà partie du kit {other.code if other else a.kit_id} : retirez-le "
                           "d'abord de ce kit.", field="asset_ids")
        if a.status == AssetStatus.RETIRED and a.kit_id != kit.id:
            raise DomainError(f"{a.tag} est réformé : il ne peut pas entrer dans un kit.", field="asset_ids")
    current = list(session.execute(select(Asset).where(Asset.kit_id == kit.id)).scalars())
    removed = [a for a in current if a.id not in wanted]
    added = [a for a in assets if a.kit_id != kit.id]
    if removed:
        session.execute(update(Asset).where(Asset.id.in_([a.id for a in removed]), Asset.kit_id == kit.id)
                        .values(kit_id=None).execution_options(synchronize_session="fetch"))
    if added:
        # A conditional update: an asset that another kit took meanwhile is not taken from it.
        result = session.execute(update(Asset).where(Asset.id.in_([a.id for a in added]), Asset.kit_id.is_(None))
                                 .values(kit_id=kit.id).execution_options(synchronize_session="fetch"))
        if result.rowcount != len(added):
            raise Conflict("Un autre kit vient de prendre une partie de ce matériel : rechargez la page.",
                           field="asset_ids")
    session.flush()
    return [a.tag for a in added], [a.tag for a in removed]


def create_kit(session: Session, actor, *, code: str, name: str, description: str = "", place_id: int | None = None,
               asset_ids: list[int] = (), now: datetime) -> Kit:
    kit = Kit(code=_kit_code(session, code),
              name=domain_text(name, field="name", label="Le nom", max_length=200, required=True),
              description=domain_text(description, field="description", label="La description", multiline=True,
                                      max_length=5000),
              place_id=_place(session, place_id), created_at=now, updated_at=now)
    session.add(kit)
    session.flush()
    added, _removed = _set_members(session, kit, list(asset_ids))
    audit.record(session, actor, "inventory.kit_create", kit,
                 summary=f"Kit {kit.code} créé" + (f" : {', '.join(added)}" if added else ""), now=now)
    return kit


def update_kit(session: Session, actor, kit: Kit, *, code: str, name: str, description: str = "",
               place_id: int | None = None, asset_ids: list[int] = (), now: datetime) -> Kit:
    if not kit.active:
        raise DomainError(f"Le kit {kit.code} est désactivé : il n'est plus modifiable.")
    kit.code = _kit_code(session, code, kit)
    kit.name = domain_text(name, field="name", label="Le nom", max_length=200, required=True)
    kit.description = domain_text(description, field="description", label="La description", multiline=True,
                                  max_length=5000)
    kit.place_id = _place(session, place_id)
    kit.updated_at = now
    added, removed = _set_members(session, kit, list(asset_ids))
    session.expire(kit, ["assets"])
    words = [f"ajout de {', '.join(added)}"] if added else []
    words += [f"retrait de {', '.join(removed)}"] if removed else []
    audit.record(session, actor, "inventory.kit_update", kit,
                 summary=f"Kit {kit.code} modifié" + (f" : {' ; '.join(words)}" if words else ""), now=now)
    return kit


def deactivate_kit(session: Session, actor, kit: Kit, *, now: datetime) -> Kit:
    """A kit no longer lent as such: its assets are released (each may join another kit)."""
    if not kit.active:
        raise DomainError(f"Le kit {kit.code} est déjà désactivé.")
    reserved = session.execute(select(Reservation.id).where(
        Reservation.kit_id == kit.id, Reservation.status == ReservationStatus.ACTIVE,
        Reservation.ends_at > now)).scalars().first()
    lent = session.execute(select(Loan.id).where(Loan.kit_id == kit.id, Loan.status == LoanStatus.OPEN)
                           ).scalars().first()
    if lent is not None:
        raise DomainError(f"Le kit {kit.code} est en prêt (prêt n° {lent}) : attendez son retour.")
    if reserved is not None:
        raise DomainError(f"Le kit {kit.code} est réservé (réservation n° {reserved}) : annulez d'abord la "
                          "réservation.")
    tags = [a.tag for a in session.execute(select(Asset).where(Asset.kit_id == kit.id)).scalars()]
    session.execute(update(Asset).where(Asset.kit_id == kit.id).values(kit_id=None)
                    .execution_options(synchronize_session="fetch"))
    kit.active, kit.updated_at = False, now
    session.flush()
    session.expire(kit, ["assets"])
    audit.record(session, actor, "inventory.kit_deactivate", kit,
                 summary=f"Kit {kit.code} désactivé" + (f" ; matériel libéré : {', '.join(tags)}" if tags else ""),
                 now=now)
    return kit


def kit_or_404(session: Session, kit_id: int) -> Kit:
    kit = session.get(Kit, kit_id)
    if kit is None:
        raise NotFound("Kit introuvable.")
    return kit
