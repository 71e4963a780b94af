"""The text of a PDF, read with pypdf (a dependency of the app): no poppler (``pdftotext``) needed."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

_SPACES = re.compile(r"[ \t\u00a0\u202f\u2009\u2007]+")


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    """The text of every page of a PDF, one line of text a line: no-break, narrow no-break and thin spaces as plain
    spaces, every run of spaces one space, lines stripped (pypdf spaces words as it likes, so compare phrases, not
    spacing; ``" ".join(pdf_text(data).split())`` is the text on one line).

    ``layout=True`` uses pypdf's layout mode: one line a printed row, the columns side by side (what stands on one
    row of a table: a label and its amount); the default reads the text in the document's order."""
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text(extraction_mode="layout") if layout else page.extract_text() for page in reader.pages]
    lines = (_SPACES.sub(" ", line).strip() for page in pages for line in page.splitlines())
    return "\n".join(line for line in lines if line)
