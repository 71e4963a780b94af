"""The settings page of the cooperative's legal identity and the billing settings: a valid save (normalised,
audited, one entry per changed key), each invalid field with its French message and a 400, the banner of what is
missing before invoices can be issued, and the coordination only."""

import pytest
from sqlalchemy import func, select

from coopnum.core import settings
from coopnum.core.models import AuditLog, Setting
from tests import factories
from tests.billing.test_documents import vat_number_of
from tests.conftest import login, text_of

SIRET = factories.siret(424242)
SIREN = SIRET[:9]

VALID = {
    "name": "Coop'Num Vienne",
    "legal_form": "SCIC SAS à capital variable",
    "capital": "12 400 €",
    "address": "12 rue des Carmes",
    "postal_code": "86000",
    "city": "Poitiers",
    "siret": f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}",
    "rcs": f"RCS Poitiers {SIREN}",
    "rna": "",
    "vat_number": vat_number_of(SIREN).lower(),
    "iban": "fr76 3000 6000 0112 3456 7890 189",
    "bic": "agrifrpp",
    "training_declaration": "75 86 01234 86",
    "email": "Facturation@Coopnum.example.org",
    "phone": "05 49 00 00 00",
    "website": "https://coopnum.example.org",
    "invoice_prefix": "fa",
    "credit_note_prefix": "AV",
    "quote_prefix": "D",
    "payment_terms_days": "30",
    "quote_validity_days": "45",
    "vat_on_debits": "y",
    "early_payment_text": "Pas d'escompte pour paiement anticipé.",
    "dunning_days": "10, 25,60",
    "aptic_organisation_id": "0",
    "aptic_face_value_cents": "10,00",
}


@pytest.fixture
def coordinator(client, users):
    login(client, users["coordinator"])
    return users["coordinator"]


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _stored(session, key):
    session.expire_all()
    return settings.get(session, key)


def test_page_shows_the_current_settings_and_what_is_missing(client, coordinator, session):
    response = client.get("/billing/settings")
    assert response.status_code == 200
    page = text_of(response)
    assert "Les factures ne peuvent pas encore être émises." in page
    for missing in ("l'adresse", "le code postal", "la commune", "le SIRET", "l'immatriculation au RCS ou le numéro RNA"):
        assert f"<li>{missing}</li>" in page
    assert 'value="Coopérative numérique"' in page  # the default name
    assert 'value="7, 21, 45"' in page  # dunning days
    assert "Aucun taux de la BCE n'est encore renseigné." in page  # the ECB rates: none yet, never a default


def test_valid_save_normalises_audits_and_redirects(client, coordinator, session, users):
    org = factories.organisation(session, name="Association APTIC régionale")
    session.commit()
    response = client.post("/billing/settings", data={**VALID, "aptic_organisation_id": str(org.id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/billing/settings")
    expected = {
        "company.name": "Coop'Num Vienne",
        "company.siret": SIRET,
        "company.vat_number": vat_number_of(SIREN),
        "company.iban": "FR7630006000011234567890189",
        "company.bic": "AGRIFRPP",
        "company.training_declaration": "75860123486",
        "company.email": "facturation@coopnum.example.org",
        "company.postal_code": "86000",
        "billing.invoice_prefix": "FA",
        "billing.credit_note_prefix": "AV",
        "billing.payment_terms_days": 30,
        "billing.quote_validity_days": 45,
        "billing.vat_on_debits": True,
        "billing.dunning_days": [10, 25, 60],
        "billing.aptic_organisation_id": org.id,
        "billing.aptic_face_value_cents": 1000,
    }
    for key, value in expected.items():
        assert _stored(session, key) == value, key
    # Audited: one entry per changed key, by the coordinator; unchanged keys (quote prefix D, 30 days) untouched.
    entries = session.execute(select(AuditLog).where(AuditLog.object_type == "Setting")).scalars().all()
    summaries = {e.summary.split(" : ")[0] for e in entries}
    assert "Paramètre « SIRET »" in summaries and "Paramètre « Jours des relances »" in summaries
    assert "Paramètre « Préfixe des devis »" not in summaries
    assert "Paramètre « Délai de paiement (jours) »" not in summaries
    assert all(e.actor_id == users["coordinator"].id for e in entries)
    siret_entry = next(e for e in entries if e.summary.startswith("Paramètre « SIRET »"))
    assert siret_entry.changes == {"before": {"value": ""}, "after": {"value": SIRET}}
    # The page now shows no banner, the IBAN formatted; saving the same values again changes nothing.
    page = text_of(client.get("/billing/settings"))
    assert "Les factures ne peuvent pas encore être émises." not in page
    assert 'value="FR76 3000 6000 0112 3456 7890 189"' in page
    count = len(entries)
    response = client.post("/billing/settings", data={**VALID, "aptic_organisation_id": str(org.id)},
                           follow_redirects=True)
    assert "Aucune modification." in text_of(response)
    session.expire_all()
    assert _count(session, AuditLog, AuditLog.object_type == "Setting") == count


INVALID = [
    ("name", "", "Ce champ est requis"),
    ("siret", "123 456 789 00012", "SIRET invalide"),
    ("vat_number", "FR00123", "Numéro de TVA intracommunautaire invalide"),
    ("vat_number", vat_number_of("732829320"), f"ne correspond pas au SIREN {SIREN}"),
    ("iban", "FR76 3000 6000 0112 3456 7890 188", "IBAN invalide"),
    ("bic", "ZZZZZZZZ", "BIC invalide"),
    ("rna", "X12345", "Numéro RNA invalide"),
    ("rcs", "RCS Poitiers 732 829 320", f"reprend le SIREN {SIREN}"),
    ("postal_code", "8600", "Code postal invalide"),
    ("training_declaration", "12 34", "11 chiffres"),
    ("email", "pas-une-adresse", "Adresse électronique invalide"),
    ("website", "coopnum.example.org", "site web invalide"),
    ("invoice_prefix", "F1", "Préfixe invalide"),
    ("credit_note_prefix", "FA", "choisissez des préfixes différents"),
    ("payment_terms_days", "90", "60 jours au plus"),
    ("quote_validity_days", "0", "Entre 1 et 365 jours"),
    ("dunning_days", "21, 7, 45", "strictement croissants"),
    ("dunning_days", "7, x", "séparés par des virgules"),
    ("aptic_face_value_cents", "0", "Le montant doit être positif"),
    ("early_payment_text", "", "Ce champ est requis"),
]


@pytest.mark.parametrize(("name", "value", "message"), INVALID, ids=[f"{n}-{v}" for n, v, _m in INVALID])
def test_invalid_field_is_refused_with_its_message(client, coordinator, session, name, value, message):
    response = client.post("/billing/settings", data={**VALID, name: value})
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert 'role="alert">' in page  # the error sits next to its field
    session.expire_all()
    assert _count(session, Setting) == 0  # nothing saved
    assert _count(session, AuditLog, AuditLog.object_type == "Setting") == 0


def test_empty_post_is_a_400_for_staff(client, users):
    for role in ("coordinator", "admin"):
        login(client, users[role])
        assert client.post("/billing/settings", data={}).status_code == 400
        client.post("/logout")


@pytest.mark.parametrize("role", ["mediator", "member", "authority"])
def test_others_are_refused(client, users, session, role):
    login(client, users[role])
    assert client.get("/billing/settings").status_code == 403
    assert client.post("/billing/settings", data=VALID).status_code == 403
    session.expire_all()
    assert _count(session, Setting) == 0


def test_anonymous_goes_to_login(client):
    response = client.get("/billing/settings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
