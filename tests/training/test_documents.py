"""The émargement sheet (names, drawn signatures embedded as images, "signé sur papier", blank) and the certificat
de réalisation (only for a held training and a trainee who signed; the duration is the half-days it signed)."""

import io

import pytest
from pypdf import PdfReader

from coopnum.core import settings
from coopnum.core.errors import DomainError
from coopnum.training.models import TrainingStatus
from coopnum.training.services import attendance, documents
from tests import days
from tests.conftest import login
from tests.pdftext import pdf_text
from tests.training import factories_training as ft

DAY = days.TODAY


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def held(session, users):
    for key, value in (("company.name", "Coop des Possibles"), ("company.siret", "12345678900011"),
                       ("company.training_declaration", "75860123486")):
        settings.set_value(session, users["admin"], key, value, now=days.NOW)
    trainer = ft.person(session, user=users["mediator"])
    alice = ft.person(session, user=users["member"])
    karim = ft.person(session, full_name="Karim Extérieur")
    training = ft.training(session, title="Sécuriser ses comptes", day=DAY, trainers=[trainer],
                           trainees=[alice, karim])
    am, pm = training.half_days
    for hd, at in ((am, days.at(DAY, 9, 5)), (pm, days.at(DAY, 13, 35))):
        attendance.sign(session, hd, trainer, actor=users["mediator"], now=at, png=ft.signature_png(1))
        attendance.sign(session, hd, alice, actor=users["member"], now=at, png=ft.signature_png(2))
    scan = attendance.upload_scan(session, am, filename="feuille.pdf", data=b"%PDF-1.4 x", actor=users["mediator"],
                                  now=days.at(DAY, 12, 40))
    attendance.record_paper(session, am, scan, [karim.id], actor=users["mediator"], now=days.at(DAY, 12, 40))
    training.status = TrainingStatus.HELD
    session.flush()
    return {"training": training, "trainer": trainer, "alice": alice, "karim": karim, "scan": scan}


def test_sheet_shows_names_signatures_and_paper(session, held):
    pdf = documents.sheet_pdf(session, held["training"])
    text = " ".join(pdf_text(pdf).split())
    for name in (held["trainer"].full_name, held["alice"].full_name, "Karim Extérieur"):
        assert text.count(name) == 2, name  # a row per half-day
    assert "Feuille d'émargement" in text and "Sécuriser ses comptes" in text
    assert f"signé sur papier (scan n° {held['scan'].id})" in text
    assert "absent·e" in text  # Karim did not sign the afternoon
    assert text.count("signé le ") == 5
    assert "Déclaration d'activité n° 75860123486" in text
    assert _images(pdf) == 4  # two drawn signatures per half-day
    blank = documents.sheet_pdf(session, held["training"], blank=True)
    blank_text = " ".join(pdf_text(blank).split())
    assert _images(blank) == 0 and "signé sur papier" not in blank_text and "signé le" not in blank_text
    assert "absent·e" not in blank_text and blank_text.count("Karim Extérieur") == 2


def test_certificate_duration_is_the_signed_half_days(session, held, now):
    alice_pdf = documents.certificate_pdf(session, held["training"], held["alice"], signer_name="Claire Coord",
                                          now=now)
    text = " ".join(pdf_text(alice_pdf).split())
    assert "Certificat de réalisation" in text and held["alice"].full_name in text
    assert "Coop des Possibles" in text and "SIRET 12345678900011" in text and "75860123486" in text
    assert "Durée réalisée 7 h" in text and "Action de formation" in text and "Claire Coord" in text
    karim = " ".join(pdf_text(documents.certificate_pdf(session, held["training"], held["karim"],
                                                        signer_name="Claire Coord", now=now)).split())
    assert "Durée réalisée 3 h 30" in karim
    with pytest.raises(DomainError, match="pas stagiaire"):
        documents.certificate_pdf(session, held["training"], held["trainer"], signer_name="x", now=now)
    zipped = documents.certificates_zip(session, held["training"], signer_name="x", now=now)
    assert zipped[:2] == b"PK"


def test_no_certificate_before_held_nor_without_signature(session, users, now):
    trainer = ft.person(session, user=users["mediator"])
    alice = ft.person(session, user=users["member"])
    training = ft.training(session, day=DAY, trainers=[trainer], trainees=[alice])
    with pytest.raises(DomainError, match="formation réalisée"):
        documents.certificate_pdf(session, training, alice, signer_name="x", now=now)
    training.status = TrainingStatus.HELD
    with pytest.raises(DomainError, match="aucune demi-journée"):
        documents.certificate_pdf(session, training, alice, signer_name="x", now=now)


def test_pdf_views(client, session, users, held):
    session.commit()
    login(client, users["member"])
    own = client.get(f"/training/sessions/{held['training'].id}/certificates/{held['alice'].id}.pdf")
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    other = client.get(f"/training/sessions/{held['training'].id}/certificates/{held['karim'].id}.pdf")
    assert other.status_code == 403
    assert client.get(f"/training/sessions/{held['training'].id}/emargement.pdf").status_code == 403
    client.post("/logout")
    login(client, users["mediator"])
    sheet = client.get(f"/training/sessions/{held['training'].id}/emargement.pdf")
    assert sheet.status_code == 200 and _images(sheet.data) == 4


def test_the_training_page_lists_only_the_documents_one_may_open(client, session, users, held):
    """The trainee sees its own certificate and no sheet; a mediator who neither trains nor attends sees no
    « Documents » section at all (it had an empty heading)."""
    from tests import factories
    from tests.conftest import text_of

    onlooker = factories.user(session, roles=["mediator"], email="autre@coop.example.org", full_name="Autre Médiatrice")
    session.commit()
    url = f"/training/sessions/{held['training'].id}"
    login(client, users["member"])
    page = text_of(client.get(url))
    assert f"Certificat de réalisation de {held['alice'].full_name}" in page
    assert "Karim Extérieur (PDF)" not in page and "Feuille d'émargement (PDF)" not in page
    client.post("/logout")
    login(client, onlooker)
    page = text_of(client.get(url))
    assert 'id="tr-docs"' not in page and "Certificat de réalisation" not in page
