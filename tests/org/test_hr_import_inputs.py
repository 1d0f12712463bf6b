"""HR files that used to end in a traceback, mojibake or a silently cleared field: each is now
a clear error naming its row or cell, and nothing changes (issue 13)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import apply_import, plan_import
from learnhub.org.models import Employee, ImportProfile

HEADER = "employee_number,first_name,last_name,email,org_unit,manager_employee_number\n"


def _people() -> int:
    return db.session.scalar(select(func.count(Employee.id)))


def _refused(data: bytes, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        plan_import(data, **kwargs)
    db.session.rollback()
    assert _people() == 0
    return caught.value


def _issues(error: ValidationFailed) -> list[str]:
    return [str(issue) for issue in error.errors]


def test_a_cell_over_131072_characters_is_refused_with_its_row(app_ctx):
    data = HEADER + "1,Ann,Top,ann@x.org,Office,\n2,Bob," + "x" * 131_073 + ",b@x.org,,1\n"
    error = _refused(data.encode())
    assert error.message == "The HR file has a row no import can read; nothing was imported."
    assert _issues(error) == [
        "row 3: a cell is longer than 131,072 characters (no field holds that much)"
    ]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_formula_without_a_cached_value_is_refused_with_its_cell(app_ctx):
    data = _xlsx(
        [
            HEADER.strip().split(","),
            ["1", "Ann", "Top", "ann@x.org", "Office", ""],
            ["2", "Bob", '=UPPER("low")', "bob@x.org", "Office", "1"],
        ]
    )
    error = _refused(data, filename="people.xlsx")
    assert "formula without a calculated value" in error.message
    assert _issues(error) == ['Sheet!C3: formula =UPPER("low") has no cached value']


def test_a_workbook_without_formulas_still_imports(app_ctx):
    data = _xlsx([HEADER.strip().split(","), [1, "Ann", "Top", "ann@x.org", "Office", None]])
    assert apply_import(plan_import(data))["added"] == 1


SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _with_shared_strings(data: bytes, extra: int) -> bytes:
    """The workbook (openpyxl writes inline strings) with its strings moved into a
    shared-strings table as Excel writes it, plus ``extra`` unused entries: a few kilobytes
    zipped, megabytes unzipped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    strings: list[str] = []

    def shared(match: re.Match) -> str:
        strings.append(match.group(1))
        return f't="s"><v>{len(strings) - 1}</v>'

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info).decode()
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(r't="inlineStr"><is><t[^>]*>(.*?)</t></is>', shared, body)
            elif info.filename == "[Content_Types].xml":
                body = body.replace(
                    "</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    "</Relationships>",
                    f'<Relationship Id="rIdSS" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                    "</Relationships>",
                )
            target.writestr(info, body)
        table = "".join(f"<si><t>{s}</t></si>" for s in strings) + "<si><t>x</t></si>" * extra
        target.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
            '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + table + "</sst>",
        )
    return out.getvalue()


def test_a_workbook_with_shared_strings_imports(app_ctx):
    row = ["1", "Ann", "Top", "ann@x.org", "Office", ""]
    data = _with_shared_strings(_xlsx([HEADER.strip().split(","), row]), 10)
    apply_import(plan_import(data))
    assert db.session.scalar(select(Employee.email)) == "ann@x.org"


def test_a_huge_shared_strings_table_is_refused_before_it_is_loaded(app_ctx):
    data = _with_shared_strings(
        _xlsx([HEADER.strip().split(","), ["1", "Ann", "Top", "ann@x.org", "Office", ""]]),
        1_000_001,
    )
    assert len(data) < 200_000  # a small upload asking for a million strings
    error = _refused(data, filename="people.xlsx")
    assert "shared-strings table has more than 1,000,000 entries" in error.message
    assert _issues(error) == ["file: xl/sharedStrings.xml"]


def test_a_workbook_unpacking_past_the_limit_is_refused(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_MAX_UNZIPPED_BYTES", 50_000)
    data = _with_shared_strings(
        _xlsx([HEADER.strip().split(","), ["1", "Ann", "Top", "ann@x.org", "Office", ""]]), 5_000
    )
    error = _refused(data, filename="people.xlsx")
    assert error.message == (
        "The HR workbook unpacks to more than 50,000 bytes of sheets and shared strings, the "
        "most one import reads; nothing was imported."
    )


def test_rows_and_columns_over_the_limits_are_refused(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_MAX_ROWS", 3)
    monkeypatch.setitem(app.config, "LEARNHUB_HR_IMPORT_MAX_COLUMNS", 8)
    rows = "".join(f"{n},P{n},L{n},p{n}@x.org,Office,\n" for n in range(1, 5))
    error = _refused((HEADER + rows).encode())
    assert error.message.startswith("The HR file has more than 3 person rows")
    assert _issues(error) == ["row 5: person row 4"]
    wide = HEADER.strip() + ",a,b,c\n1,Ann,Top,ann@x.org,Office,,1,2,3\n"
    error = _refused(wide.encode())
    assert _issues(error) == ["row 1: 9 cells"]
    assert plan_import((HEADER + rows.split("\n", 1)[1]).encode()).summary()["rows"] == 3


POLISH = HEADER + "1,Łukasz,Żółkiewski,lz@x.org,Księgowość,\n2,Paweł,Wójcik,pw@x.org,Księgowość,1\n"


def test_an_iso_8859_2_file_is_read_as_such_and_says_so(app_ctx):
    plan = plan_import(POLISH.encode("iso-8859-2"))
    assert plan.encoding == "iso8859-2"
    assert any("read as iso8859-2" in warning for warning in plan.warnings)
    apply_import(plan)
    names = set(db.session.execute(select(Employee.first_name, Employee.last_name)))
    assert names == {("Łukasz", "Żółkiewski"), ("Paweł", "Wójcik")}


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_utf_16_and_other_unicode_files_are_read(app_ctx, codec):
    plan = plan_import(POLISH.encode(codec))
    assert plan.warnings == [] and plan.summary()["added"] == 2
    apply_import(plan)
    assert db.session.scalar(select(Employee.last_name).where(Employee.first_name == "Łukasz"))


def test_a_file_that_reads_differently_in_two_code_pages_asks_for_its_encoding(app_ctx):
    data = (HEADER + "1,José,Núñez,jn@x.org,Office,\n").encode("cp1252")
    error = _refused(data)
    assert "encoding cannot be told from its bytes" in error.message
    (issue,) = _issues(error)
    assert issue.startswith("row 2: reads differently as cp1252: '1,José,Núñez")
    assert "iso8859-2: '1,José,Núńez" in issue
    plan = plan_import(data, encoding="windows-1252")
    assert plan.warnings == []
    apply_import(plan)
    assert db.session.scalar(select(Employee.last_name)) == "Núñez"


@pytest.mark.parametrize("codec", ["koi8-r", "cp1251"])
def test_russian_names_in_a_legacy_code_page_ask_for_its_encoding(app_ctx, codec):
    """Tester's finding F1 (issue 13): a KOI8-R file of Russian names was read as Hebrew
    (cp1255, charset-normalizer's guess and its only plausible reading) and importable."""
    rows = "".join(
        f"{i},{first},{last},p{i}@x.org,Отдел кадров,\n"
        for i, (first, last) in enumerate(
            [("Иван", "Петров"), ("Мария", "Смирнова"), ("Алексей", "Кузнецов")], start=1
        )
    )
    data = (HEADER + rows).encode(codec)
    error = _refused(data)
    assert "encoding cannot be told from its bytes" in error.message
    (issue,) = _issues(error)
    assert "koi8-r: " in issue and "cp1251: " in issue, issue
    plan = plan_import(data, encoding=codec)
    apply_import(plan)
    assert db.session.scalar(select(Employee.last_name).where(Employee.first_name == "Иван"))


def test_a_named_encoding_that_does_not_fit_is_refused_with_the_row(app_ctx):
    data = POLISH.encode("utf-8") + "3,Zoë,Müller,zm@x.org,Office,1\n".encode("cp1252")
    error = _refused(data)  # UTF-8 with one row of Windows-1252
    assert _issues(error) == ["row 4: bytes eb 2c 4d fc (at byte 170) are not utf-8"]
    error = _refused(POLISH.encode("utf-8"), encoding="ascii")
    assert _issues(error) == ["row 2: bytes c5 81 75 6b (at byte 78) are not ascii"]
    with pytest.raises(ValidationFailed, match="Unknown encoding 'klingon'"):
        plan_import(POLISH.encode(), encoding="klingon")


def test_the_profile_or_the_command_line_names_the_encoding(app, tmp_path):
    data = (HEADER + "1,José,Núñez,jn@x.org,Office,\n").encode("cp1252")
    hr_file = tmp_path / "people.csv"
    hr_file.write_bytes(data)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["org", "import", str(hr_file)])
    assert refused.exit_code == 1
    assert "encoding cannot be told from its bytes" in refused.output
    assert "row 2: reads differently as cp1252" in refused.output
    bad = runner.invoke(
        args=["org", "profile", "save", "spain", "--preset", "learnhub", "--encoding", "klingon"]
    )
    assert bad.exit_code == 1 and "Unknown encoding 'klingon'" in bad.output
    saved = runner.invoke(
        args=["org", "profile", "save", "spain", "--preset", "learnhub", "--encoding", "latin-1"]
    )
    assert saved.exit_code == 0, saved.output
    result = runner.invoke(args=["org", "import", str(hr_file), "--profile", "spain"])
    assert result.exit_code == 0, result.output
    dry = runner.invoke(
        args=["org", "import", str(hr_file), "--encoding", "iso-8859-2", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    with app.app_context():
        assert db.session.scalar(select(Employee.last_name)) == "Núñez"
        assert db.session.scalar(select(ImportProfile.encoding)) == "iso8859-1"
