"""The completions export (learnhub.reports.completions): one row per employee x active module
of each course they are enrolled in, formula cells neutralised, audited, the same file from the
API and the CLI. The journey (HR downloads it) is in tests/journeys/test_hr_exports.py."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from learnhub.core.audit import AuditEvent
from learnhub.core.spreadsheet import FORMULA_STARTS, csv_chunks, neutralise
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.reports.completion_filters import CompletionFilters
from learnhub.reports.completions import (
    HEADER,
    MANAGER_HEADER,
    SCORE_COLUMNS,
    completion_rows,
    stream_csv,
)
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


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_starting_like_a_formula_gets_a_quote(start):
    assert neutralise(f"{start}1+2") == f"'{start}1+2"


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), (0, "0"), ("plain", "plain"), ("a=b", "a=b"), (" =1", " =1"), ("'=1", "'=1")],
)
def test_other_cells_are_kept_as_text(value, cell):
    assert neutralise(value) == cell


def test_csv_chunks_are_whole_rows_with_crlf_and_every_field_quoted():
    rows = [[str(n), "x"] for n in range(5)]
    chunks = list(csv_chunks(rows, chunk_rows=2))
    assert chunks == ['"0","x"\r\n"1","x"\r\n', '"2","x"\r\n"3","x"\r\n', '"4","x"\r\n']
    assert list(csv_chunks([], chunk_rows=2)) == []


def _world() -> dict[str, object]:
    """Two people enrolled in one course of two active modules and one inactive; one of them
    completed the first module with 2/3 of the points; a third person enrolled nowhere."""
    unit = OrgUnitFactory(name="=Benefits")
    boss = EmployeeFactory(employee_number="B1")
    ada = EmployeeFactory(
        employee_number="A1",
        first_name="Ada",
        last_name="@Lovelace",
        email="ada@example.test",
        manager=boss,
        org_unit=unit,
    )
    bob = EmployeeFactory(employee_number="A2", first_name="Bob", last_name="Brown")
    EmployeeFactory(employee_number="A3")
    course = CourseFactory(title="-Course")
    first, second = ModuleFactory(course=course, title="+One"), ModuleFactory(course=course)
    ModuleFactory(course=course, active=False)
    for person in (ada, bob):
        EnrolmentFactory(employee=person, course=course)
    ModuleProgressFactory(
        employee=ada,
        module=first,
        completed=True,
        grade_exact="2/3",
        grade_points=Decimal("6.6666666"),
        max_points=Decimal("10.0000000"),
        attempts=2,
    )
    db.session.flush()
    return {"ada": ada, "bob": bob, "second": second}


def test_rows_per_enrolled_person_and_active_module_neutralised(app_ctx):
    world = _world()
    rows = list(completion_rows())
    assert rows[0] == HEADER
    data = [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]
    # A1 and A2 x 2 active modules; nothing for A3 (not enrolled) or the inactive module
    assert [(r["employee_id"], r["module"]) for r in data] == [
        ("A1", "'+One"),
        ("A1", world["second"].title),
        ("A2", "'+One"),
        ("A2", world["second"].title),
    ]
    ada = data[0]
    assert ada["name"] == "Ada @Lovelace" and ada["department"] == "'=Benefits"
    assert ada["course"] == "'-Course" and ada["manager_employee_id"] == "B1"
    assert (ada["status"], ada["grade_percent"], ada["points"], ada["max_points"]) == (
        "completed",
        "66.6",  # rounded down, never up
        "6.6666666",
        "10",
    )
    assert ada["attempts"] == "2" and ada["completed_at"].endswith("Z")
    not_started = data[1]
    assert (not_started["status"], not_started["grade_percent"], not_started["attempts"]) == (
        "not_started",
        "",
        "0",
    )


def test_a_managers_export_is_their_subtree_without_the_quiz_columns(app_ctx):
    world = _world()
    boss = db.session.scalar(select(Employee).where(Employee.employee_number == "B1"))
    rows = list(completion_rows(CompletionFilters(manager_id=boss.id)))
    assert rows[0] == MANAGER_HEADER
    assert not set(SCORE_COLUMNS) & set(rows[0]) and "completed_at" in rows[0]
    # Ada reports to B1; Bob reports to nobody
    assert [(r[0], r[7]) for r in rows[1:]] == [("A1", "'+One"), ("A1", world["second"].title)]
    assert rows[1][8:] == ["completed", rows[1][-1]] and rows[1][-1].endswith("Z")


def test_api_export_is_audited_and_cli_writes_the_same_bytes(app, tmp_path):
    with app.app_context():
        _world()
        hr = EmployeeFactory(password=PASSWORD, roles=["hr"])
        db.session.commit()
        hr_email, hr_id = hr.email, hr.id
        expected = "".join(stream_csv())
    client = app.test_client()
    sign_in(client, hr_email, PASSWORD)
    response = client.get("/api/v1/exports/completions.csv")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="learnhub-completions-'
    )
    body = response.get_data(as_text=True)
    assert body == expected
    assert len(list(csv.reader(io.StringIO(body)))) == 5
    out = tmp_path / "completions.csv"
    result = app.test_cli_runner().invoke(args=["reports", "export-completions", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{out}: 4 rows"
    assert out.read_bytes() == body.encode()
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.target, AuditEvent.details)
            .where(AuditEvent.action == "export_completions")
            .order_by(AuditEvent.id)
        ).all()
    everyone = {
        "format": "csv",
        "excel": False,
        "scope": "everyone",
        "org_unit_ids": None,
        "course_id": None,
        "statuses": [],
        "completed_from": None,
        "completed_before": None,
        "assigned_only": False,
    }
    assert [tuple(e) for e in events] == [
        ("export_completions", hr_id, "completions.csv", everyone),
        ("export_completions", None, str(out), {**everyone, "via": "cli"}),
    ]
