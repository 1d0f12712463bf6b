"""Reading quirks a fresh tester found in HR files: a header naming a column twice, an
unclosed quote, cells past the header, row numbers after a multi-line cell (records, as a
spreadsheet counts them), an XLSX date stored with a time, an empty first sheet."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from learnhub.core.errors import ValidationFailed
from learnhub.org.hr_import import plan_import
from learnhub.org.hr_import.tables import read_table

HEADER = (
    "employee_number,first_name,last_name,email,job_code,job_title,org_unit,"
    "org_unit_parent,manager_employee_number,hire_date\r\n"
)


def _refusal(data: bytes, name: str = "p.csv") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        table = read_table(data, name)
        list(table.rows)
    return refused.value


def test_a_header_naming_a_column_twice_is_refused_with_both_columns():
    error = _refusal(b"employee_number,first_name,last_name,email,Email \nD1,A,B,a@x.org,b@x.org\n")
    assert "names a column twice" in error.message
    assert [(i.where, i.message) for i in error.errors] == [
        ("row 1", "the column 'Email' is named twice: columns 4 and 5")
    ]


def test_an_unclosed_quote_is_said_with_its_row_and_line():
    data = (
        HEADER + 'Q1,A,B,q1@x.org,,,Finance,,,\r\nQ2,"open,B,q2@x.org,,,Finance,,,\r\n'
        "Q3,A,B,q3@x.org,,,Finance,,,\r\n"
    ).encode()
    error = _refusal(data)
    assert 'a quote (") that is never closed' in error.message
    assert [(i.where, i.message) for i in error.errors] == [
        ("row 3 (line 3)", "a cell opened with a quote is not closed")
    ]


def test_rows_are_counted_as_records_and_cells_past_the_header_warned(app):
    data = (
        HEADER + 'M1,"Multi\nline",Name,m1@x.org,,,Finance,,,\r\n'
        "M2,A,B,m2@x.org,,,Finance,,,2022-02-30\r\n"
        "M3,A,B,m3@x.org,,,Finance,,,,extra\r\n"
    ).encode()
    table = read_table(data, "p.csv")
    assert [n for n, _cells in table.rows] == [2, 3, 4]  # M2 is the spreadsheet's row 3
    assert table.notes == ["row 4 has cells past the header's 10 columns: they are ignored"]
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        plan_import(data, source="t")
    assert any(i.where.startswith("row 3") for i in refused.value.errors)


def _xlsx(rows: list[list], empty_first: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    if empty_first:
        sheet.title = "Cover"
        sheet = book.create_sheet("People")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_timestamp_reads_as_its_date_with_a_warning_when_it_has_a_time():
    data = _xlsx(
        [
            ["employee_number", "first_name", "last_name", "email", "hire_date"],
            ["X1", "A", "B", "x1@x.org", datetime(2023, 4, 5, 13, 0)],
            ["X2", "A", "B", "x2@x.org", datetime(2023, 4, 6)],
        ]
    )
    table = read_table(data, "p.xlsx")
    assert [cells[4] for _n, cells in table.rows] == ["2023-04-05", "2023-04-06"]
    assert table.notes == ["row 2: the date 2023-04-05 has a time (13:00); only the date is read"]


def test_an_empty_first_sheet_says_only_the_first_sheet_is_read():
    data = _xlsx([["employee_number", "email"], ["X1", "x1@x.org"]], empty_first=True)
    error = _refusal(data, "p.xlsx")
    assert "only the first sheet is read" in error.message and "(Cover)" in error.message
