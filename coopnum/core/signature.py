"""On-screen signatures (a PNG drawn on a canvas, ``coopnum/static/js/signature.js``), shared by the loans of the
inventory and the attendance of trainings: ``read_signature`` accepts the PNG bytes or a
``data:image/png;base64,…`` URL and refuses anything else with a French message."""

import base64
import binascii

from coopnum.core.errors import DomainError

SIGNATURE_MAX_BYTES = 300_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"


def read_signature(data: str | bytes | None) -> bytes | None:
    """The PNG of an on-screen signature, from its bytes or a ``data:image/png;base64,…`` URL; None when empty.
    Anything else, or a picture larger than ``SIGNATURE_MAX_BYTES``, is refused."""
    if data is None or data == "" or data == b"":
        return None
    if isinstance(data, str):
        text = data.strip()
        if not text.startswith(DATA_URL_PREFIX):
            raise DomainError("La signature doit être une image PNG.", field="signature")
        if len(text) > SIGNATURE_MAX_BYTES * 4 // 3 + len(DATA_URL_PREFIX) + 8:
            raise DomainError("La signature est trop lourde.", field="signature")
        try:
            data = base64.b64decode(text[len(DATA_URL_PREFIX):], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DomainError("La signature n'est pas une image PNG lisible.", field="signature") from exc
    if not isinstance(data, bytes | bytearray):
        raise DomainError("La signature doit être une image PNG.", field="signature")
    if len(data) > SIGNATURE_MAX_BYTES:
        raise DomainError("La signature est trop lourde.", field="signature")
    if not data.startswith(PNG_MAGIC) or len(data) < 67:
        raise DomainError("La signature doit être une image PNG.", field="signature")
    return bytes(data)


def data_url(png: bytes | None) -> str:
    """A PNG as a ``data:`` URL (to embed it in an HTML page or a PDF)."""
    return DATA_URL_PREFIX + base64.b64encode(png).decode("ascii") if png else ""
