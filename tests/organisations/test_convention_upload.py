"""The signed convention upload checks that the file is a real PDF (pypdf opens it, it has pages, it is not
encrypted), not merely a file starting with ``%PDF``; the size limit stays."""

import io

import pytest
from pypdf import PdfWriter

from coopnum.core.errors import DomainError
from coopnum.organisations.models import Convention
from coopnum.organisations.services import conventions as services
from tests import factories
from tests.conftest import login, text_of


def blank_pdf(*, pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


FAKE = b"%PDF-1.7\nCeci est un simple fichier texte renomme en .pdf.\n"


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "uploads"


@pytest.fixture
def conv(session):
    return factories.convention(session, organisation=factories.organisation(session, name="Ville de Lusignan"))


def attach(session, users, conv, data: bytes, now):
    return services.attach_signed_pdf(session, users["coordinator"], conv, filename="c.pdf", data=data, now=now)


@pytest.mark.parametrize(("data", "message"), [
    (FAKE, services.BROKEN_PDF),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", None),
    (blank_pdf()[:200], services.BROKEN_PDF),  # truncated
    (blank_pdf(pages=0), services.EMPTY_PDF),
    (blank_pdf(password="secret"), services.ENCRYPTED_PDF),
    (b"GIF89a", services.NOT_A_PDF),
], ids=["text-file", "no-pages-tree", "truncated", "no-page", "encrypted", "gif"])
def test_files_that_are_not_readable_pdfs_are_refused(session, users, conv, now, data, message):
    with pytest.raises(DomainError) as exc:
        attach(session, users, conv, data, now)
    assert exc.value.field == "file"
    if message:
        assert exc.value.message == message
    assert conv.signed_file_path is None


def test_a_real_pdf_is_accepted(session, users, conv, now):
    data = blank_pdf(pages=2)
    assert attach(session, users, conv, data, now).startswith(f"conventions/{conv.id}/")
    assert conv.signed_file_sha256


def test_the_size_limit_stays(session, users, conv, now, monkeypatch):
    monkeypatch.setattr(services, "MAX_PDF_BYTES", 100)
    with pytest.raises(DomainError) as exc:
        attach(session, users, conv, blank_pdf(), now)
    assert exc.value.message == "Le fichier dépasse 10 Mo."


def test_upload_page_shows_the_error_next_to_the_field(client, users, session, conv, uploads):
    login(client, users["coordinator"])
    response = client.post(f"/missions/conventions/{conv.id}/file",
                           data={"file": (io.BytesIO(FAKE), "convention.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert services.BROKEN_PDF in text_of(response)
    html = response.get_data(as_text=True)
    field = html.index('name="file"')
    error = html.index("Le fichier PDF est illisible")
    assert abs(error - field) < 1500  # the message sits with the file field, not only in a banner
    assert session.get(Convention, conv.id).signed_file_path is None and not uploads.exists()

    data = blank_pdf()
    response = client.post(f"/missions/conventions/{conv.id}/file",
                           data={"file": (io.BytesIO(data), "convention.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    stored = session.get(Convention, conv.id).signed_file_path
    assert stored and (uploads / stored).read_bytes() == data
