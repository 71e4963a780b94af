"""The data rows of large XLSX sheets serialised straight to XML (``coopnum.core.xlsx_stream``): every part of the
file is the one openpyxl's write-only worksheet writes for the same rows — texts of every kind, numbers, booleans,
empty cells, formulas kept as text, Excel's error texts, control characters, overlong texts — and the file opens
with its table."""

import math
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table, TableColumn

from coopnum.bench.export_snapshot import compare_files
from coopnum.core import spreadsheet, xlsx_stream

TRICKY = ["a&b<c>\"'", "é€😀 ligne\r\nsuite", " espace devant", "derrière ", "\x01contrôle\x0b", "#N/A",
          "#DIV/0!", "=", "=1+1", "=HYPERLINK(\"http://x\")", "-3", "+33 6", "@x", "\ttab", "\r", "\n", "\x0b",
          "x" * 40000, "\u00a0insécable", "\x85nel", "]]>", "&amp;", "", None, 0, 45, -7, 10**17, 1.5, -0.25,
          math.nan, math.inf, True, False, "Lieu d’activité", "ligne 1\nligne 2"]


def former_value(ws, value):
    """What the activity export gave openpyxl for a value before ``xlsx_stream``."""
    if isinstance(value, str):
        if not value:
            return None
        return spreadsheet.xlsx_cell(ws, ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def workbook(width: int):
    """A write-only workbook whose sheet starts with a bold title, a line and a header row."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Activités")
    title = WriteOnlyCell(ws, value="Informations export")
    title.font = Font(bold=True)
    ws.append([title])
    ws.append(["Nom", "=Durand"])
    ws.append([])
    ws.append([f"Colonne {i + 1}" for i in range(width)])
    return wb, ws


def add_table(ws, width: int, count: int) -> None:
    table = Table(displayName="Tableau", ref=f"A4:{xlsx_stream.get_column_letter(width)}{4 + max(count, 1)}")
    table.tableColumns = [TableColumn(id=i + 1, name=f"Colonne {i + 1}") for i in range(width)]
    with warnings.catch_warnings():  # about write-only tables, even with their columns
        warnings.simplefilter("ignore", UserWarning)
        ws.add_table(table)


def write_both(folder: Path, rows: list[list]) -> tuple[Path, Path]:
    """The same rows written cell by cell by openpyxl (``former.xlsx``) and through a ``RowSpool``."""
    width = max([len(r) for r in rows] + [1])
    wb, ws = workbook(width)
    for row in rows:
        ws.append([former_value(ws, v) for v in row])
    add_table(ws, width, len(rows))
    former = folder / "former.xlsx"
    wb.save(former)
    wb, ws = workbook(width)
    with xlsx_stream.RowSpool(first_row=5) as spool:
        spool.add(rows[: len(rows) // 2])  # two chunks
        spool.add(rows[len(rows) // 2:])
        assert spool.count == len(rows)
        add_table(ws, width, spool.count)
        streamed = folder / "streamed.xlsx"
        spool.save(wb, ws, streamed)
    return former, streamed


def test_every_part_is_what_openpyxl_writes(tmp_path):
    rows = [TRICKY, list(reversed(TRICKY)), [], [None, "", None], ["seule"]]
    former, streamed = write_both(tmp_path, rows)
    assert compare_files(former, streamed) == []
    ws = load_workbook(streamed)["Activités"]
    cells = {c.coordinate: c for row in ws.iter_rows(min_row=5) for c in row if c.value is not None}
    values = [c.value for c in cells.values()]
    assert "=1+1" in values and all(c.data_type != "f" for c in cells.values())  # a formula stays text
    assert "x" * 32767 in values  # cut at Excel's limit
    assert "contrôle" in values and 45 in values and 10**17 in values and True in values
    assert ws.tables["Tableau"].ref == "A4:AJ9"


def test_no_rows(tmp_path):
    former, streamed = write_both(tmp_path, [])
    assert compare_files(former, streamed) == []


TEXTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\ufffe\uffff"),
                max_size=30)
VALUES = st.one_of(TEXTS, st.sampled_from(TRICKY), st.integers(-(10**18), 10**18), st.floats(), st.booleans(),
                   st.none())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(VALUES, max_size=6), min_size=1, max_size=4))
def test_any_values_give_openpyxl_bytes(tmp_path, rows):
    former, streamed = write_both(tmp_path, rows)
    assert compare_files(former, streamed) == []


def test_other_types_are_refused():
    from datetime import date

    with pytest.raises(TypeError):
        xlsx_stream.cell("A1", date(2026, 1, 1))
    with xlsx_stream.RowSpool(first_row=1) as spool, pytest.raises(TypeError):
        spool.add([["texte", date(2026, 1, 1)]])
