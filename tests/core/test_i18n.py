from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from coopnum import ROOT
from tests.conftest import login

KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def test_french_is_the_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr"' in page and "Se connecter" in page


def test_english_is_available(client):
    client.post("/lang/en", data={"next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en"' in page and "Log in" in page and "Se connecter" not in page


def test_a_user_language_choice_is_kept(client, users, session):
    login(client, users["member"])
    client.post("/account", data={"full_name": "Membre", "locale": "en"})
    client.post("/logout")
    login(client, users["member"])
    assert "Dashboard" in client.get("/").get_data(as_text=True)


def test_every_message_has_an_english_translation():
    with open(ROOT / "coopnum/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="en")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    method_map = [("coopnum/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        if filename.startswith(("coopnum", "templates")):
            found.add(message if isinstance(message, str) else message[0])
    assert "Se connecter" in found and "Tableau de bord" in found  # templates and Python both read
    missing = sorted(found - translated)
    assert missing == [], "run `make i18n` and translate: " + "; ".join(missing[:20])


def test_compiled_catalog_exists():
    assert Path(ROOT / "coopnum/translations/en/LC_MESSAGES/messages.mo").exists()


def test_the_sign_in_request_speaks_the_readers_language(client):
    client.get("/members/me")  # not signed in: sent to the login page with a message
    assert "Connectez-vous pour accéder à cette page." in client.get("/login").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/login"})
    client.get("/members/me")
    page = client.get("/login").get_data(as_text=True)
    assert "Please sign in to open this page." in page and "Connectez-vous pour" not in page
