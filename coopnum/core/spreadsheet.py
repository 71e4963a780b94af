"""Cells that a spreadsheet never runs (CSV/formula injection, OWASP "CSV Injection").

A spreadsheet opening a CSV file treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
a tab or a carriage return) as a formula: a name such as ``=HYPERLINK("http://x";"clic")`` typed into a form would
run on the computer of whoever opens the export. Every CSV, text or XLSX file the application writes goes through
this module:

* ``csv_cell(value)`` — for CSV and other text files: a text starting with one of those signs gets a leading
  apostrophe (what spreadsheets themselves show for "text that looks like a formula"). Plain numbers are kept as
  they are (``-12,50``, ``+33123456789``, ``-0.57``) so that amounts stay amounts: a number runs nothing.
* ``xlsx_cell(ws, value)`` / ``defuse_workbook(wb)`` — for XLSX: a text is written as a text cell, never as a
  formula (openpyxl writes any string starting with ``=`` as a formula otherwise); the text itself is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet could take the text for a formula (plain numbers excepted)."""
    return (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and _NUMBER.fullmatch(value) is None)


def csv_cell(value: Any) -> Any:
    """The value as a CSV (or text file) cell that no spreadsheet runs: ``'=…`` for ``=…``; other values
    unchanged."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values) -> list[Any]:
    """``csv_cell`` of every value (inlined: large exports call it for every row)."""
    return ["'" + value if (isinstance(value, str) and value.startswith(FORMULA_STARTS)
                            and _NUMBER.fullmatch(value) is None) else value
            for value in values]


def xlsx_cell(ws, value: Any):
    """For a write-only worksheet's ``append``: a text that openpyxl would write as a formula becomes a text cell
    (same text); other values unchanged."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell
    return value


def defuse_workbook(wb) -> int:
    """Turn every formula cell of a (normal, not write-only) workbook into a text cell holding the same text; for
    workbooks whose code writes no formula of its own. Returns the number of cells changed."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed
