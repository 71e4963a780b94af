"""Demo: ~80 assets in the 6 categories (French models, serials, purchases over four years with their funding),
homed at the cooperative's places, and 5 kits. Deterministic (``ctx.rng``), through the services.

Leaves on ``ctx`` for the demos that follow: ``ctx.assets`` (list[Asset], all available; a retired laptop is left
out) and ``ctx.kits`` (list[Kit])."""

from datetime import date, datetime, time, timedelta

from coopnum.core.clock import paris_datetime, paris_today
from coopnum.inventory.models import AssetCategory
from coopnum.inventory.services import assets as services

# (category, tag prefix, count, [(model, price in cents, serial prefix)])
CATALOGUE = [
    (AssetCategory.TABLET, "TAB", 28, [("Samsung Galaxy Tab A9+", 22900, "R9XW"), ("Lenovo Tab M10 (3e gén.)", 17900,
                                       "HA1K"), ("Apple iPad 10,2\" (9e gén.)", 38900, "DMPX")]),
    (AssetCategory.LAPTOP, "PC", 18, [("Lenovo ThinkPad E14 Gen 5", 74900, "PF4A"), ("HP ProBook 440 G10", 69900,
                                      "5CD3"), ("Dell Latitude 3540", 64900, "DL35"),
                                     ("Reconditionné — Dell Latitude 5490", 27900, "RC54")]),
    (AssetCategory.SMARTPHONE, "TEL", 12, [("Samsung Galaxy A15", 19900, "R58W"), ("Fairphone 5", 69900, "FP5X"),
                                          ("Crosscall Core-X5", 44900, "CCX5")]),
    (AssetCategory.HOTSPOT, "4G", 8, [("Huawei E5576-320", 6900, "E557"), ("TP-Link M7350", 7900, "TPM7"),
                                     ("Netgear Nighthawk M1", 29900, "NGM1")]),
    (AssetCategory.PROJECTOR, "VP", 5, [("Epson EB-W06", 49900, "X4Z2"), ("BenQ MW560", 54900, "BQ56")]),
    (AssetCategory.ACCESSORY, "ACC", 10, [("Casque USB Jabra Evolve2 30", 5900, ""),
                                          ("Webcam Logitech C920", 7900, ""),
                                          ("Clavier-souris sans fil Logitech MK270", 2900, ""),
                                          ("Multiprise parafoudre 6 prises", 2500, ""),
                                          ("Chargeur multiple USB-C 10 ports", 8900, "")]),
]
FUNDINGS = ["Plan France Relance 2021", "Conseil départemental de la Vienne", "Don", "Fonds propres",
            "Appel à projets Conseiller numérique", "Don Emmaüs Connect"]
KITS = [
    ("KIT-TAB-1", "Kit atelier tablettes 1", "8 tablettes et un routeur 4G, dans une valise à roulettes.",
     [(AssetCategory.TABLET, 8), (AssetCategory.HOTSPOT, 1)]),
    ("KIT-TAB-2", "Kit atelier tablettes 2", "8 tablettes et un routeur 4G.",
     [(AssetCategory.TABLET, 8), (AssetCategory.HOTSPOT, 1)]),
    ("KIT-PC-1", "Kit atelier ordinateurs", "6 ordinateurs portables, un routeur 4G et une multiprise.",
     [(AssetCategory.LAPTOP, 6), (AssetCategory.HOTSPOT, 1), (AssetCategory.ACCESSORY, 1)]),
    ("KIT-PROJ-1", "Kit présentation", "Un vidéoprojecteur et un ordinateur portable pour les réunions publiques.",
     [(AssetCategory.PROJECTOR, 1), (AssetCategory.LAPTOP, 1)]),
    ("KIT-TEL-1", "Kit smartphones", "4 smartphones pour les ateliers « premiers pas sur mobile ».",
     [(AssetCategory.SMARTPHONE, 4)]),
]


def seed(session, ctx, now: datetime) -> None:
    rng = ctx.rng
    actor = ctx.coordinator
    today = paris_today(now)
    first = date(today.year - 4, 1, 15)
    span = (today - timedelta(days=30) - first).days
    places = list(ctx.places)
    created = []
    for category, prefix, count, models in CATALOGUE:
        for n in range(1, count + 1):
            model, price, serial_prefix = models[(n - 1) % len(models)]
            bought = first + timedelta(days=rng.randrange(max(span, 1)))
            serial = f"{serial_prefix}{rng.randrange(10**7):07d}" if serial_prefix else ""
            funding = FUNDINGS[0] if bought.year == 2021 else rng.choice(FUNDINGS)
            created.append(services.create_asset(
                session, actor, tag=f"{prefix}-{n:04d}", category=category, model=model, serial=serial,
                purchase_date=bought, purchase_price_cents=price - rng.choice((0, 0, 500, 1000)), funding=funding,
                place_id=rng.choice(places).id if places else None,
                notes="Reconditionné, garantie 1 an." if model.startswith("Reconditionné") else "",
                now=min(now, paris_datetime(bought + timedelta(days=3), time(10)))))  # recorded on its arrival
    kits = []
    free = {category: [a for a in created if a.category == category] for category, *_rest in CATALOGUE}
    for i, (code, name, description, parts) in enumerate(KITS):
        members = []
        for category, count in parts:
            members += free[category][:count]
            free[category] = free[category][count:]
        place = places[i % len(places)] if places else None
        kits.append(services.create_kit(session, actor, code=code, name=name, description=description,
                                        place_id=place.id if place else None, asset_ids=[a.id for a in members],
                                        now=now))
        for a in members:  # a kit's assets live where the kit lives
            a.place_id = place.id if place else a.place_id
    # an old laptop, retired last year: in the inventory for its history, not among ``ctx.assets`` (not reservable)
    old = services.create_asset(session, actor, tag="PC-0099", category=AssetCategory.LAPTOP,
                                model="Reconditionné — Lenovo ThinkPad T440", serial="RCT4400001",
                                purchase_date=first, purchase_price_cents=19900, funding="Don Emmaüs Connect",
                                place_id=places[0].id if places else None,
                                now=paris_datetime(first + timedelta(days=3), time(10)))
    services.retire_asset(session, actor, old, on=today - timedelta(days=200),
                          reason="Carte mère hors service, donné à la recyclerie", now=now)
    session.flush()
    ctx.assets = created  # every asset above is available, 35 of them in the kits
    ctx.kits = kits
