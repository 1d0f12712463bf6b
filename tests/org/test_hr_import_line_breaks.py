"""A line break inside a text cell of an HR file (a quoted CSV cell over two lines, an XLSX
cell holding "\\n", or a Unicode line or paragraph separator or NEL) is refused with its row
and field; one at a cell's edge is whitespace and stripped (a fresh tester's finding,
issue 13)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import plan_import
from learnhub.org.models import Employee

MAPPING = {
    "employee_number": "Staff No",
    "first_name": "Given Name",
    "last_name": "Family Name",
    "email": "Work Email",
    "department": "Unit",
    "job_code": "Role Code",
}
HEADER = "Staff No,Given Name,Family Name,Work Email,Unit,Role Code\n"
ANN = "1,Ann,Top,ann@x.org,Office,DIR\n"


def _issues(data: bytes, filename: str = "people.csv") -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        plan_import(data, mapping=MAPPING, filename=filename)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Employee.id))) == 0
    return [str(issue) for issue in caught.value.errors]


@pytest.mark.parametrize(
    "cell",
    [
        '"Eve\nMarie"',
        '"Eve\r\nMarie"',
        '"Eve\rMarie"',
        "Eve\u2028Marie",
        "Eve\u2029Marie",
        "Eve\x85Marie",
    ],
    ids=["LF", "CRLF", "CR", "U+2028", "U+2029", "NEL"],
)
def test_a_line_break_in_a_name_is_refused_with_its_row_and_field(app_ctx, cell):
    data = HEADER + ANN + f"2,{cell},Low,eve@x.org,Office,DIR\n"
    assert _issues(data.encode()) == [
        "row 3: First name (column “Given Name”) contains a line break"
    ]


def test_every_text_field_is_checked_not_only_names(app_ctx):
    data = (
        HEADER + ANN + '"2\n",Eve,Low,eve@x.org,"North\nSide","CASE\u2028OFF"\n'
        '3,Cy,"Mid\ndle","cy@x.org\n",Office,DIR\n'
    )
    issues = _issues(data.encode())
    assert "row 3: Org unit (column “Unit”) contains a line break" in issues
    assert "row 3: Job code (column “Role Code”) contains a line break" in issues
    assert "row 4: Last name (column “Family Name”) contains a line break" in issues
    # a break at a cell's edge is stripped like a space: "2\n" is employee 2, "cy@x.org\n" fine
    assert not any("Employee number" in i or "Work Email" in i for i in issues)


def test_a_line_break_at_a_cells_edge_is_stripped(app_ctx):
    data = HEADER + ANN + '2,"Eve\n",\u2028Low,eve@x.org,Office,DIR\n'
    plan = plan_import(data.encode(), mapping=MAPPING)
    assert plan.summary()["added"] == 2


def test_an_xlsx_cell_with_a_line_feed_is_refused(app_ctx):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(ANN.strip().split(","))
    sheet.append(["2", "Eve", "Low", "eve@x.org", "Office", "DIR"])
    sheet.append(["3", "Cy", "Mid", "cy@x.org", "Legal\nand Audit", "DIR"])
    out = io.BytesIO()
    book.save(out)
    assert _issues(out.getvalue(), "people.xlsx") == [
        "row 4: Org unit (column “Unit”) contains a line break"
    ]
