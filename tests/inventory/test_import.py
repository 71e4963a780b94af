"""CSV import: every row checked with its errors (unknown category, duplicate tag in the file or in the database,
bad date or price, unknown place or kit), all or nothing, `;` or `,`, UTF-8 with or without BOM and Windows-1252;
the pages (preview, the import button only without errors, the signed content, the template)."""

import io
import re

import pytest
from sqlalchemy import func, select

from coopnum.core import clock
from coopnum.core.errors import DomainError
from coopnum.inventory.models import Asset, AssetCategory
from coopnum.inventory.services import imports
from tests import days, factories
from tests.conftest import login, text_of
from tests.inventory import factories_inventory as inv

HEADER = "etiquette;categorie;modele;numero_serie;date_achat;prix;financement;lieu;kit;notes"


def _count(session) -> int:
    return session.execute(select(func.count()).select_from(Asset)).scalar_one()


@pytest.fixture
def place(session):
    return factories.place(session, name="Médiathèque François-Mitterrand")


def test_a_good_file_imports_every_row(session, users, place):
    box = inv.kit(session, code="KIT-TAB-1")
    text = "\n".join([
        HEADER,
        "TAB-0101;Tablette;Samsung Galaxy Tab A9+;R9XW1;15/03/2024;229,00;Don;médiathèque françois-mitterrand;"
        "kit-tab-1;Housse",
        "pc-0001;laptop;Lenovo ThinkPad E14;;2023-09-01;749;;;;",
        "4G-0001;Routeur 4G;Huawei E5576;;;;;;;",
    ])
    checked = imports.preview(session, text, now=clock.now())
    assert checked.ok, [(r.line, r.errors) for r in checked.rows] + checked.errors
    created = imports.import_rows(session, users["coordinator"], text, now=clock.now())
    assert [a.tag for a in created] == ["TAB-0101", "PC-0001", "4G-0001"]
    tab = created[0]
    assert tab.category == AssetCategory.TABLET and tab.purchase_price_cents == 22900
    assert tab.place_id == place.id and tab.kit_id == box.id and tab.purchase_date.isoformat() == "2024-03-15"
    assert created[1].purchase_price_cents == 74900 and created[2].category == AssetCategory.HOTSPOT


def test_the_preview_lists_every_row_with_its_errors(session, users, place):
    inv.asset(session, tag="TAB-0001")
    text = "\n".join([
        HEADER,
        "TAB-0001;Tablette;Galaxy Tab;;;;;;;",  # 2: already in the database
        "TAB-0002;Grille-pain;Toaster;;;;;;;",  # 3: unknown category
        "TAB-0003;Tablette;Galaxy Tab;;31/02/2024;;;;;",  # 4: bad date
        "TAB-0004;Tablette;Galaxy Tab;;;douze euros;;;;",  # 5: bad price
        "TAB-0005;Tablette;Galaxy Tab;;;;;Salle inconnue;;",  # 6: unknown place
        "TAB-0006;Tablette;Galaxy Tab;;;;;;;",  # 7: fine
        "tab-0006;Tablette;Galaxy Tab;;;;;;;",  # 8: duplicate in the file
        "TAB 7;Tablette;;;;;;;KIT-NONE;",  # 9: bad tag, no model, unknown kit
        f"TAB-0008;Tablette;Galaxy Tab;;{days.days(5):%d/%m/%Y};;;;;",  # 10: purchase in the future
    ])
    checked = imports.preview(session, text, now=clock.now())
    assert not checked.ok and len(checked.rows) == 9
    errors = {r.line: " | ".join(r.errors) for r in checked.rows}
    assert "existe déjà" in errors[2]
    assert "catégorie inconnue « Grille-pain »" in errors[3]
    assert "date d'achat invalide" in errors[4]
    assert "prix invalide" in errors[5]
    assert "lieu inconnu « Salle inconnue »" in errors[6]
    assert errors[7] == ""
    assert "en double dans le fichier (ligne 7)" in errors[8]
    assert "étiquette « TAB 7 » invalide" in errors[9] and "modèle manquant" in errors[9]
    assert "kit inconnu" in errors[9]
    assert "futur" in errors[10]


def test_a_file_with_one_bad_row_imports_nothing(session, users):
    text = "\n".join([HEADER, "TAB-0001;Tablette;Galaxy Tab;;;;;;;", "TAB-0002;Tablette;Galaxy Tab;;;abc;;;;"])
    with pytest.raises(DomainError, match="rien n'a été importé"):
        imports.import_rows(session, users["coordinator"], text, now=clock.now())
    session.rollback()
    assert _count(session) == 0


@pytest.mark.parametrize("separator", [";", ","])
def test_cp1252_and_both_separators(session, users, separator):
    factories.place(session, name="Espace Évasion")
    header = separator.join(["Étiquette", "Catégorie", "Modèle", "Lieu", "Notes"])
    row = separator.join(["VP-0001", "Vidéoprojecteur", "Epson EB-W06", "Espace Évasion", "Câble HDMI fourni"])
    data = f"{header}\r\n{row}\r\n".encode("cp1252")
    text = imports.decode(data)
    checked = imports.preview(session, text, now=clock.now())
    assert checked.ok, [(r.line, r.errors) for r in checked.rows] + checked.errors
    assert checked.rows[0].values["notes"] == "Câble HDMI fourni"
    assert checked.rows[0].values["category"] == AssetCategory.PROJECTOR


def test_utf8_with_a_bom_and_the_exports_header(session):
    data = ("\ufeffÉtiquette;Catégorie;Modèle;N° de série;Date d'achat;Prix (€);Financement;Lieu;Kit;Statut;Notes\n"
            "TEL-0001;Smartphone;Fairphone 5;FP5;01/02/2025;699,00;Plan France Relance 2021;;;Disponible;\n"
            ).encode("utf-8")
    checked = imports.preview(session, imports.decode(data), now=clock.now())
    assert checked.ok, [(r.line, r.errors) for r in checked.rows] + checked.errors
    assert checked.rows[0].values["purchase_price_cents"] == 69900


def test_file_level_problems(session):
    assert imports.preview(session, "", now=clock.now()).errors == ["Le fichier est vide."]
    checked = imports.preview(session, "etiquette;couleur\nX;rouge\n", now=clock.now())
    assert "Colonne inconnue : « couleur »." in checked.errors
    assert any("obligatoires absentes" in e and "categorie" in e for e in checked.errors)
    assert not checked.ok
    assert not imports.preview(session, HEADER + "\n\n", now=clock.now()).ok


# --- pages ----------------------------------------------------------------------------------------------------------

def _upload(client, data: bytes):
    return client.post("/inventory/assets/import", data={"file": (io.BytesIO(data), "materiel.csv")},
                       content_type="multipart/form-data")


def test_the_import_pages_preview_then_import_all(client, session, users):
    login(client, users["coordinator"])
    bad = _upload(client, "\n".join([HEADER, "TAB-1;Tablette;Galaxy;;;;;;;", "TAB-2;Fusée;X;;;;;;;"]).encode())
    page = text_of(bad)
    assert bad.status_code == 200 and "catégorie inconnue « Fusée »" in page
    assert "Importer ces" not in page and 'name="content"' not in page
    good = _upload(client, "\n".join([HEADER, "TAB-1;Tablette;Galaxy;;;;;;;", "TAB-2;Tablette;Galaxy;;;;;;;"])
                   .encode("cp1252"))
    page = good.get_data(as_text=True)
    assert "Importer ces 2 matériels" in text_of(good)
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', page).group(1)
    assert _count(session) == 0  # the preview writes nothing
    tampered = client.post("/inventory/assets/import/confirm", data={"content": content[:-3] + "AAA"})
    assert tampered.status_code == 400 and "modifié" in text_of(tampered) and _count(session) == 0
    done = client.post("/inventory/assets/import/confirm", data={"content": content})
    assert done.status_code == 302 and _count(session) == 2
    # the same file again: every row is now a duplicate, nothing more is imported
    again = client.post("/inventory/assets/import/confirm", data={"content": content})
    assert again.status_code == 409 and "existe déjà" in text_of(again) and _count(session) == 2


def test_the_template_and_the_documentation(client, users):
    login(client, users["coordinator"])
    page = text_of(client.get("/inventory/assets/import"))
    assert "date_achat" in page and "JJ/MM/AAAA" in page
    template = client.get("/inventory/assets/import/modele.csv")
    assert template.mimetype == "text/csv"
    text = template.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "etiquette;categorie;modele;numero_serie;date_achat;prix;financement;lieu;kit;notes"


def test_the_template_imports_as_it_is(session):
    checked = imports.preview(session, imports.decode(imports.template_csv()), now=clock.now())
    assert checked.ok, [(r.line, r.errors) for r in checked.rows] + checked.errors


@pytest.mark.parametrize("content", ["", "\x00", "abc", "x" * 10_000, "eyJhIjoxfQ.AAAA.BBBB"])
def test_a_forged_or_garbled_confirmation_is_refused(client, session, users, content):
    login(client, users["coordinator"])
    response = client.post("/inventory/assets/import/confirm", data={"content": content})
    assert response.status_code == 400 and _count(session) == 0
    assert "recommencez l'import" in text_of(response) or "caractères" in text_of(response)
