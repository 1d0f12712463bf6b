"""The export writers (learnhub.reports.formats): CSV and XLSX cells neutralised, an XLSX
past Excel's row limit continues on a new worksheet."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from learnhub.reports import formats
from learnhub.reports.formats import csv_text


def test_csv_writer_neutralises_every_formula_start():
    rows = [["a", "b"], ["=1+2", "-3"], [None, [1, 2]]]
    assert "".join(csv_text(rows)) == '"a","b"\r\n"\'=1+2","\'-3"\r\n"","1;2"\r\n'


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(formats, "SHEET_ROWS", 2)
    handle = io.BytesIO()
    count = formats.write_xlsx([["n"], [1], [2], [3], ["=x"]], handle, title="T")
    book = load_workbook(handle)
    assert count == 4 and book.sheetnames == ["T", "T (2)"]
    assert [list(s.values) for s in book] == [[("n",), (1,), (2,)], [("n",), (3,), ("'=x",)]]
