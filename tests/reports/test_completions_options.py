"""The completions export's formats and options (issue 13): CSV, CSV for Excel (a UTF-8 byte
order mark), XLSX (openpyxl write-only), JSON Lines; filters (org unit subtree, course,
status, completion dates); a manager's export is their own subtree without the quiz columns;
every export audited with what it covered. Through GET /api/v1/exports/completions and
``flask reports export-completions``."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.extensions import db
from learnhub.reports.completions import HEADER, MANAGER_HEADER
from tests.conftest import sign_in
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    ModuleFactory,
    ModuleProgressFactory,
    OrgUnitFactory,
)

PASSWORD = "a-test-password"
URL = "/api/v1/exports/completions"
BOM = "\ufeff"


@pytest.fixture
def world(app) -> dict:
    """Units R > S and O; boss (manager) > mid (unit S) > leaf (unit R); outsider (unit O);
    courses c1 and c2 of one module each. mid completed c1 on 2027-01-10 with 2/3; leaf is
    in progress in c1; outsider completed c2 on 2027-02-01; HR and a plain employee sign in."""
    with app.app_context():
        root = OrgUnitFactory(code="R", name="Root")
        sub = OrgUnitFactory(code="S", name="=Sub", parent_id=root.id)
        other = OrgUnitFactory(code="O", name="Other")
        boss = EmployeeFactory(employee_number="P0", password=PASSWORD, org_unit=root)
        mid = EmployeeFactory(employee_number="P1", manager=boss, org_unit=sub)
        leaf = EmployeeFactory(employee_number="P2", manager=mid, org_unit=root)
        outsider = EmployeeFactory(employee_number="P3", org_unit=other)
        c1 = ModuleFactory(course=CourseFactory(slug="c1", title="Course 1"), title="M1")
        c2 = ModuleFactory(course=CourseFactory(slug="c2", title="Course 2"), title="M2")
        for person in (mid, leaf):
            EnrolmentFactory(employee=person, course=c1.course)
        EnrolmentFactory(employee=outsider, course=c2.course)
        ModuleProgressFactory(
            employee=mid,
            module=c1,
            completed=True,
            grade_exact="2/3",
            grade_points=Decimal("6.6666667"),
            completed_at=datetime(2027, 1, 10, 12, 0, tzinfo=UTC),
        )
        ModuleProgressFactory(employee=leaf, module=c1)
        ModuleProgressFactory(
            employee=outsider,
            module=c2,
            completed=True,
            completed_at=datetime(2027, 2, 1, 8, 30, tzinfo=UTC),
        )
        hr = EmployeeFactory(employee_number="H1", password=PASSWORD, roles=["hr"])
        plain = EmployeeFactory(employee_number="E1", password=PASSWORD)
        db.session.commit()
        return {
            "hr": hr.email,
            "boss": boss.email,
            "boss_id": boss.id,
            "plain": plain.email,
            "hr_id": hr.id,
        }


def _read(response):
    """Read a streamed response at once: until it is read, its request context stays pushed
    (stream_with_context) and the test client's next request would share it."""
    response.get_data()
    return response


def _client(app, email: str):
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    return client


def _csv(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def _numbers(rows: list[list[str]]) -> list[str]:
    return [row[0] for row in rows[1:]]


def test_hr_gets_csv_and_csv_for_excel_with_a_bom(app, world):
    client = _client(app, world["hr"])
    plain = _read(client.get(URL))
    excel = _read(client.get(URL, query_string={"excel": "true"}))
    assert plain.status_code == excel.status_code == 200
    assert plain.mimetype == "text/csv" and plain.headers["Cache-Control"] == "no-store"
    assert plain.data.startswith(b'"employee_id"')
    assert excel.data == BOM.encode() + plain.data
    rows = _csv(plain.get_data(as_text=True))
    assert rows[0] == HEADER and _numbers(rows) == ["P1", "P2", "P3"]
    assert rows[1][3] == "'=Sub" and rows[1][9] == "66.6"


def test_xlsx_and_json_lines_carry_typed_values(app, world):
    client = _client(app, world["hr"])
    response = client.get(URL, query_string={"format": "xlsx"})
    assert response.status_code == 200 and response.mimetype.endswith(".sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER and [r[0] for r in rows[1:]] == ["P1", "P2", "P3"]
    assert rows[1][3] == "'=Sub"  # neutralised in XLSX too
    # a date-time cell in UTC (tester report E14: it was ISO text, which Excel cannot sort)
    assert rows[1][9] == pytest.approx(66.6) and rows[1][13] == datetime(2027, 1, 10, 12, 0)
    lines = _read(client.get(URL, query_string={"format": "jsonl"}))
    assert lines.mimetype == "application/x-ndjson" and lines.data.startswith(b"{")
    records = [json.loads(line) for line in lines.get_data(as_text=True).splitlines()]
    assert [r["employee_id"] for r in records] == ["P1", "P2", "P3"]
    assert records[0]["department"] == "=Sub"  # exact: programs read JSON Lines
    assert records[0]["grade_percent"] == 66.6 and records[0]["points"] == 6.6666667
    assert records[0]["max_points"] == 10 and records[0]["attempts"] == 1
    assert records[1]["grade_percent"] is None and records[1]["completed_at"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"org_unit": "R"}, ["P0", "P1", "P2"]),  # R and its sub-unit S
        ({"org_unit": "R", "include_sub_units": "false"}, ["P0", "P2"]),
        ({"course": "c2"}, ["P3"]),
        ({"status": "completed"}, ["P1", "P3"]),
        ({"status": ["in_progress", "not_started"]}, ["P2"]),
        ({"completed_from": "2027-01-11"}, ["P3"]),
        ({"completed_from": "2027-01-10", "completed_to": "2027-01-10"}, ["P1"]),
        ({"completed_to": "2027-01-31", "org_unit": ""}, ["P1"]),  # a blank field: any
    ],
)
def test_filters(app, world, query, expected):
    response = _client(app, world["hr"]).get(URL, query_string=query)
    assert response.status_code == 200, response.get_json()
    # P0 is enrolled nowhere: no rows, whatever the unit filter
    assert _numbers(_csv(response.get_data(as_text=True))) == [p for p in expected if p != "P0"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"course": "nope"}, "course"),
        ({"org_unit": "nope"}, "org_unit"),
        ({"status": "done"}, "status"),
        ({"completed_from": "2027-02-01", "completed_to": "2027-01-01"}, "completed_to"),
        ({"completed_from": "yesterday"}, "completed_from"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(app, world, query, field):
    response = _client(app, world["hr"]).get(URL, query_string=query)
    assert response.status_code == 422
    assert field in json.dumps(response.get_json()["errors"])


def test_a_manager_exports_their_subtree_without_the_quiz_columns(app, world):
    client = _client(app, world["boss"])
    rows = _csv(client.get(URL).get_data(as_text=True))
    assert rows[0] == MANAGER_HEADER
    assert not {"grade_percent", "points", "max_points", "attempts"} & set(rows[0])
    assert _numbers(rows) == ["P1", "P2"]  # not the outsider
    # a filter cannot widen the scope: the outsider's course gives nothing
    assert _numbers(_csv(client.get(URL, query_string={"course": "c2"}).get_data(True))) == []
    jsonl = client.get(URL, query_string={"format": "jsonl"}).get_data(as_text=True)
    assert "grade_percent" not in jsonl and '"P3"' not in jsonl
    # the whole-organisation URL stays HR's
    assert _read(client.get("/api/v1/exports/completions.csv")).status_code == 403


def test_someone_with_no_reports_may_not_export(app, world):
    response = _client(app, world["plain"]).get(URL)
    assert response.status_code == 403
    assert app.test_client().get(URL).status_code == 401


def test_every_export_is_audited_with_what_it_covered(app, world):
    _read(_client(app, world["hr"]).get(URL, query_string={"format": "jsonl", "course": "c1"}))
    _read(_client(app, world["boss"]).get(URL, query_string={"excel": "1"}))
    _read(_client(app, world["plain"]).get(URL))  # refused: nothing exported, nothing audited
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.details)
            .where(AuditEvent.action == "export_completions")
            .order_by(AuditEvent.id)
        ).all()
        course_id = db.session.scalar(select(db.text("id FROM courses WHERE slug = 'c1'")))
    assert [
        (actor, d["format"], d["scope"], d["course_id"], d["excel"]) for actor, d in events
    ] == [
        (world["hr_id"], "jsonl", "everyone", course_id, False),
        (world["boss_id"], "csv", f"subtree:{world['boss_id']}", None, True),
    ]


def test_cli_writes_each_format_with_filters_and_audits(app, world, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "c.csv"
    result = runner.invoke(args=["reports", "export-completions", "--out", str(out), "--excel"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{out}: 3 rows"
    assert out.read_bytes().startswith(BOM.encode() + b'"employee_id"')
    jsonl = tmp_path / "c.jsonl"
    result = runner.invoke(
        args=["reports", "export-completions", "--out", str(jsonl), "--status", "completed"]
    )
    assert result.output.strip() == f"{jsonl}: 2 rows"
    assert [json.loads(line)["employee_id"] for line in jsonl.read_text().splitlines()] == [
        "P1",
        "P3",
    ]
    xlsx = tmp_path / "c.xlsx"
    result = runner.invoke(
        args=["reports", "export-completions", "--out", str(xlsx), "--org-unit", "O"]
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(xlsx, read_only=True).worksheets[0]
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == ["employee_id", "P3"]
    refused = runner.invoke(
        args=["reports", "export-completions", "--out", str(out), "--course", "nope"]
    )
    assert refused.exit_code != 0 and "nope" in refused.output
    with app.app_context():
        formats = db.session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action == "export_completions")
            .order_by(AuditEvent.id)
        ).all()
    assert [(d["format"], d["via"]) for d in formats] == [
        ("csv", "cli"),
        ("jsonl", "cli"),
        ("xlsx", "cli"),
    ]


def test_requirements_export_for_excel_starts_with_a_bom(app, world):
    client = _client(app, world["hr"])
    plain = _read(client.get("/api/v1/exports/requirements"))
    excel = _read(client.get("/api/v1/exports/requirements", query_string={"excel": "true"}))
    assert excel.status_code == 200 and excel.data == BOM.encode() + plain.data


@pytest.mark.parametrize("path", [URL, "/api/v1/exports/requirements"])
@pytest.mark.parametrize("fmt", ["jsonl", "xlsx"])
def test_csv_for_excel_with_another_format_is_refused_naming_the_field(app, world, path, fmt):
    """As the /exports page and the jobs API refuse it (this endpoint gave the file without
    its byte order mark); CSV for Excel stays."""
    client = _client(app, world["hr"])
    refused = client.get(path, query_string={"excel": "true", "format": fmt})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["issues"] == [
        {
            "where": "excel",
            "message": "CSV for Excel is for CSV files only: untick it, or choose CSV "
            f"instead of {fmt.upper()}",
        }
    ]
    # with another bad filter both are named
    both = client.get(path, query_string={"excel": "true", "format": fmt, "course": "nope"})
    assert both.status_code == 422
    assert [i["where"] for i in both.get_json()["errors"]["issues"]] == ["course", "excel"]
    assert (
        _read(client.get(path, query_string={"excel": "true", "format": "csv"})).status_code == 200
    )


def test_data_dictionaries_describe_each_column_of_the_file_in_order():
    from learnhub.reports.dictionary import DICTIONARIES, HEADERS

    for export, columns in DICTIONARIES.items():
        assert [c.column for c in columns] == HEADERS[export]
        assert all(c.meaning and c.type and c.source for c in columns)


def test_data_dictionary_downloads_match_what_the_caller_exports(app, world):
    hr = _client(app, world["hr"])
    rows = _csv(_read(hr.get(f"{URL}/dictionary.csv")).get_data(as_text=True))
    assert rows[0] == ["column", "meaning", "type", "source"]
    assert [r[0] for r in rows[1:]] == HEADER
    assert rows[10][0] == "grade_percent" and "rounded DOWN" in rows[10][1]
    manager = _client(app, world["boss"])
    rows = _csv(_read(manager.get(f"{URL}/dictionary.csv")).get_data(as_text=True))
    assert [r[0] for r in rows[1:]] == MANAGER_HEADER
    assert _read(manager.get("/api/v1/exports/requirements/dictionary.csv")).status_code == 403
    assert _read(_client(app, world["plain"]).get(f"{URL}/dictionary.csv")).status_code == 403
    required = _read(hr.get("/api/v1/exports/requirements/dictionary.csv"))
    assert _csv(required.get_data(as_text=True))[1][0] == "employee_number"
