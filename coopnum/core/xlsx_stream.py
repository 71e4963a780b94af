"""The data rows of a large XLSX sheet, serialised straight to XML: the same bytes as openpyxl's write-only
worksheet, about ten times faster (openpyxl builds a cell object and a few lxml elements for every cell).

openpyxl still writes the workbook (styles, the rows before the data, tables…); the data rows go to a temporary
file as they come, and ``RowSpool.save`` writes the workbook and splices them into its sheet::

    with RowSpool(first_row=header_row + 1) as spool:
        for rows in chunks:
            spool.add(rows)          # lists of str / int / float / bool / None, one per column
        ws.add_table(...)            # knowing spool.count
        spool.save(wb, ws, path)     # wb: a write-only workbook whose sheet ws holds the rows before the data

A cell is what openpyxl writes for the value: nothing for None or ""; a text as an inline string (``xml:space``
kept when it starts or ends with a space, the characters XML refuses removed as ``ILLEGAL_CHARACTERS_RE`` does,
at most 32,767 characters), never a formula (``coopnum.core.spreadsheet``); one of Excel's error texts
(``#N/A``…) as an error cell, as openpyxl does; a number or a boolean as such. Other types raise ``TypeError``."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter

MAX_TEXT = 32767  # openpyxl cuts longer texts (Excel's limit)
TEXT_CACHE = 20_000  # short texts whose cell is kept (emptied when full: free texts rarely repeat)
EXACT_INT = 10**15  # below it, openpyxl's "%.16g" writes an int as str() does
CACHED_TEXT = 120  # longest text kept there (labels, dates, names, communes…)
_SHEET_DATA_END = b"</sheetData>"
_ERRORS = frozenset(ERROR_CODES)


def _text_tail(value: str) -> str:
    """What follows ``<c r="A1"`` for a non-empty text, as openpyxl (lxml) writes it: an inline string, escaped;
    non-ASCII characters become character references when the chunk is encoded (``RowSpool.add``)."""
    if not value.isprintable():  # cheap test first: most texts have no control character
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = value[:MAX_TEXT]
    if not value:
        return ' t="inlineStr"></c>'
    if value in _ERRORS:
        return f' t="e"><v>{value}</v></c>'
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return f' t="inlineStr"><is><t{space}>{value}</t></is></c>'


def cell(ref: str, value: Any) -> str:
    """The XML of one cell (empty for None and "")."""
    if isinstance(value, str):
        return f'<c r="{ref}"{_text_tail(value)}' if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{safe_string(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}" t="n"><v>{safe_string(value)}</v></c>'
    raise TypeError(f"no XLSX cell for {type(value).__name__}")


class RowSpool:
    """Data rows serialised into a temporary file until ``save`` splices them into the workbook's sheet."""

    def __init__(self, first_row: int):
        self.first_row = first_row
        self.count = 0
        self.file = tempfile.TemporaryFile()
        self._letters: list[str] = []
        self._texts: dict[str, str] = {}  # text → its cell after the reference (``_text_tail``)

    def _refs(self, width: int) -> list[str]:
        while len(self._letters) < width:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters

    def add(self, rows: list[list[Any]]) -> None:
        """Serialise rows (lists of values, one per column from A) after the ones added before."""
        texts = self._texts
        parts = []
        for values in rows:
            number = self.first_row + self.count
            cells = []
            for letter, value in zip(self._refs(len(values)), values, strict=False):
                if type(value) is str:  # most cells: a text met before (a label, a date, a commune…)
                    if value:
                        tail = texts.get(value)
                        if tail is None:
                            tail = _text_tail(value)
                            if len(value) <= CACHED_TEXT:
                                if len(texts) >= TEXT_CACHE:
                                    texts.clear()
                                texts[value] = tail
                        cells.append(f'<c r="{letter}{number}"{tail}')
                elif type(value) is int and -EXACT_INT < value < EXACT_INT:  # an id, a duration: as safe_string
                    cells.append(f'<c r="{letter}{number}" t="n"><v>{value}</v></c>')
                elif value is not None:
                    cells.append(cell(f"{letter}{number}", value))
            parts.append(f'<row r="{number}">{"".join(cells)}</row>')
            self.count += 1
        self.file.write("".join(parts).encode("ascii", "xmlcharrefreplace"))

    def save(self, wb, ws, path: Path | str) -> None:
        """Write ``wb`` (write-only, its sheet ``ws`` holding the rows before the data) to ``path`` with the
        spooled rows at the end of ``ws``'s rows."""
        skeleton = io.BytesIO()
        wb.save(skeleton)
        sheet = ws.path.lstrip("/")
        with zipfile.ZipFile(skeleton) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                                   allowZip64=True) as target:
            for info in source.infolist():
                data = source.read(info)
                part = zipfile.ZipInfo(info.filename, info.date_time)
                part.compress_type, part.external_attr = info.compress_type, info.external_attr
                if info.filename != sheet:
                    target.writestr(part, data)
                    continue
                head, end, tail = data.partition(_SHEET_DATA_END)
                if not end:
                    raise ValueError(f"{sheet}: no </sheetData>")
                rows_size = self.file.seek(0, io.SEEK_END)
                part.file_size = len(head) + rows_size + len(end) + len(tail)  # zip64 if it must
                with target.open(part, "w") as out:
                    out.write(head)
                    self.file.seek(0)
                    shutil.copyfileobj(self.file, out, 1 << 20)
                    out.write(end + tail)

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> RowSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
