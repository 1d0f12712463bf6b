"""Import messages an HR person understands (a fresh tester's findings): a profile that gives
one file header for several fields is refused naming the header and the fields; an XML file
refused for safety says why in words, never defusedxml's class name ("DTDForbidden"); an
unreadable workbook says what is wrong without "see the exception"."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import plan_import
from learnhub.org.models import ImportProfile
from learnhub.org.profiles import save_profile
from learnhub.questionbank.moodle_xml import parse_moodle_xml

SHARED = {
    "employee_number": "No",
    "first_name": "Name",
    "last_name": "Name",
    "email": "Mail",
    "job_title": "Mail",
}


def test_one_header_for_several_fields_is_refused_naming_both(app_ctx):
    with pytest.raises(ValidationFailed) as caught:
        save_profile("shared", mapping=SHARED, mode="delta")
    assert caught.value.message == "The column mapping of profile shared is not usable."
    assert [str(i) for i in caught.value.errors] == [
        "of profile shared: the column “Name” is given for First name and Last name: each "
        "field needs its own column",
        "of profile shared: the column “Mail” is given for Work email and Job title: each "
        "field needs its own column",
    ]
    assert db.session.scalar(select(func.count(ImportProfile.id))) == 0
    # a mapping given to the planner directly is refused the same way
    with pytest.raises(ValidationFailed):
        plan_import(b"No,Name,Mail\n1,Ann,a@x.org\n", mapping=SHARED)


def _workbook_with(prefix: bytes, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    book = Workbook()
    book.active.append(["Employee ID", "First Name", "Last Name", "Work Email"])
    book.active.append(["1", "Ann", "Top", "ann@x.org"])
    plain = io.BytesIO()
    book.save(plain)
    source, out = zipfile.ZipFile(plain), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = prefix + data
            target.writestr(info, data)
    return out.getvalue()


def test_a_workbook_declaring_entities_is_refused_in_words(app_ctx):
    with pytest.raises(ValidationFailed) as caught:
        plan_import(_workbook_with(b'<!DOCTYPE x [<!ENTITY a "b">]>'), filename="staff.xlsx")
    assert [str(i) for i in caught.value.errors] == [
        "file: the file declares entities (<!ENTITY …>), which are refused for safety"
    ]
    broken = _workbook_with(b"<not xml")
    with pytest.raises(ValidationFailed) as caught:
        plan_import(broken, filename="staff.xlsx")
    [issue] = caught.value.errors
    # was a traceback (ParseError while reading the rows)
    assert issue.message.startswith("a sheet is not well-formed XML (")


def test_openpyxl_s_advice_to_see_the_exception_is_left_out(app_ctx):
    with pytest.raises(ValidationFailed) as caught:
        plan_import(_workbook_with(b"<not xml", "xl/workbook.xml"), filename="staff.xlsx")
    [issue] = caught.value.errors
    assert "exception" not in issue.message and "from None" not in issue.message


def test_a_bank_file_with_a_dtd_says_so_in_words():
    refused = parse_moodle_xml(b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "x.dtd"><quiz/>')
    [error] = refused.errors
    assert error.message == "the file declares a DTD (<!DOCTYPE …>), which is refused for safety"
    assert "Forbidden" not in str(error)


ORACLE = "Employee ID,First Name,Last Name,Work Email,Hire Date\n"


def _refused(data: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        plan_import(data.encode())
    return caught.value


def test_a_missing_column_is_named_in_words_without_command_line_flags(app_ctx):
    """Tester report item 8: the file's header comes closest to the Oracle HR export's, so the
    message names the one field it has no column for, and speaks to the upload page."""
    error = _refused("Employee ID,First Name,Work Email\n1,Ann,ann@x.org\n")
    assert error.message == (
        "The file has no column for Last name. Nothing was imported: if its columns have other "
        "names, choose an import profile that names them."
    )
    assert [str(i) for i in error.errors] == [
        "row 1: no column “Last Name” for Last name",
        "row 1: columns found: Employee ID, First Name, Work Email",
    ]


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("2020-02-30", "'2020-02-30' is not a real date"),
        ("2021-13-01", "'2021-13-01' is not a real date"),
        ("30/02/2020", "'30/02/2020' is not a date written YYYY-MM-DD"),
        ("2020-2-3", "'2020-2-3' is not a date written YYYY-MM-DD"),
    ],
)
def test_a_day_that_does_not_exist_is_not_a_real_date(app_ctx, written, said):
    error = _refused(ORACLE + f"1,Ann,Top,ann@x.org,{written}\n")
    assert [str(i) for i in error.errors] == [f"row 2: Hire date (column “Hire Date”) {said}"]


def test_a_bad_email_is_quoted_as_the_file_writes_it(app_ctx):
    error = _refused(ORACLE + "1,Ann,Top, @SUM(A1)@x ,\n2,Bob,Low,Bob@X,\n")
    assert [str(i) for i in error.errors] == [
        "row 2: Work email (column “Work Email”) '@SUM(A1)@x' is not an email address",
        "row 3: Work email (column “Work Email”) 'Bob@X' is not an email address",
    ]
