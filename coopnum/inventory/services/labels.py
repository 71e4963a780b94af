"""QR labels: the payload of an asset's code (the absolute URL of the public route ``/q/<tag>``), the code as a
PNG data URI (WeasyPrint embeds it: the Content-Security-Policy applies to pages, not to the PDF renderer), and
the A4 sheet (3 × 8 labels a page) rendered by WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

LABELS_PER_ROW = 3
ROWS_PER_PAGE = 8
MAX_LABELS = 600  # 25 pages
QR_SCALE = 4  # pixels a module in the PNG
QR_BORDER = 2  # modules of quiet zone


def qr_payload(base_url: str, tag: str) -> str:
    """What the QR code of a label encodes: ``<base>/q/<TAG>`` (the tag percent-encoded)."""
    return f"{base_url.rstrip('/')}/q/{quote(tag, safe='')}"


def qr_code(payload: str):
    import segno

    return segno.make_qr(payload, error="m")


def qr_data_uri(payload: str) -> str:
    """The QR code as a PNG data URI (``QR_SCALE`` pixels a module, ``QR_BORDER`` modules of margin)."""
    return qr_code(payload).png_data_uri(scale=QR_SCALE, border=QR_BORDER)


@dataclass
class Label:
    tag: str
    model: str
    payload: str
    qr: str  # data URI


def labels_for(assets, base_url: str) -> list[Label]:
    result = []
    for asset in assets:
        payload = qr_payload(base_url, asset.tag)
        result.append(Label(tag=asset.tag, model=asset.model, payload=payload, qr=qr_data_uri(payload)))
    return result


def pages(labels: list[Label]) -> list[list[list[Label]]]:
    """The labels in pages of rows (for a table per page)."""
    rows = [labels[i:i + LABELS_PER_ROW] for i in range(0, len(labels), LABELS_PER_ROW)]
    return [rows[i:i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
