"""The completions CSV is the same bytes whichever path writes it: PostgreSQL with the
CSV lines built in SQL (learnhub.reports.sql_export, sql_cells) or the Python writer (the SQLite
path), on data chosen to catch every difference: formula-leading cells (= + - @ tab CR),
quotes, commas, newlines, unicode and Python-only whitespace, NULLs, grades that need rounding
down (and a long and a negative one), numbers with trailing zeros, UTC timestamps with and
without microseconds. The expected file is pinned below, so SQLite and PostgreSQL runs of this
test check each other as well."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Text, literal, select, text

from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Course
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.reports import sql_export
from learnhub.reports.completion_filters import CompletionFilters
from learnhub.reports.completions import csv_bytes
from learnhub.reports.sql_cells import PY_WHITESPACE
from learnhub.reports.sql_export import Tally, sql_export_available
from tests.factories import (
    CourseFactory,
    EmployeeFactory,
    EnrolmentFactory,
    ModuleFactory,
    ModuleProgressFactory,
    OrgUnitFactory,
)

EXPECTED = (
    '"employee_id","name","email","department","manager_employee_id","job_title","course",'
    '"module","status","grade_percent","points","max_points","attempts","completed_at"\r\n'
    # 2/3 rounds down; 10.0000000 loses its zeros; a time on the second has no fraction
    '"\'=X1","\'=cmd Lovelace","ada,""q""@example.test","\'+Unit\r\nsplit","","\'-Lead",'
    '"\'@Course, ""A""","\'=1+2","completed","66.6","6.6666666","10","2","2026-03-01T09:05:00Z"\r\n'
    '"\'=X1","\'=cmd Lovelace","ada,""q""@example.test","\'+Unit\r\nsplit","","\'-Lead",'
    '"\'@Course, ""A""","line\nbreak ""two""","in_progress","89.6","0","10","0",'
    '"2026-03-01T09:05:00.500000Z"\r\n'
    '"\'=X1","\'=cmd Lovelace","ada,""q""@example.test","\'+Unit\r\nsplit","","\'-Lead",'
    '"\'@Course, ""A""","\'\tTabbed","completed","99.9","\'-1.5","2.25","3",'
    '"0999-12-31T23:59:59.000001Z"\r\n'
    # names stripped of Python's whitespace (tab, ideographic and no-break spaces) first
    '"X2","\'@x","x2@example.test","","\'=X1","Żółkiewski 日本","\'@Course, ""A""","\'=1+2",'
    '"completed","\'-33.4","","","0",""\r\n'
    '"X2","\'@x","x2@example.test","","\'=X1","Żółkiewski 日本","\'@Course, ""A""",'
    '"line\nbreak ""two""","completed","99.9","","","0",""\r\n'
    '"X2","\'@x","x2@example.test","","\'=X1","Żółkiewski 日本","\'@Course, ""A""","\'\tTabbed",'
    '"not_started","","","","0",""\r\n'
    '"X3","\'-neg","x3@example.test","a\rb","","","\'@Course, ""A""","\'=1+2","completed",'
    '"100.0","10","10","1","2026-03-01T09:05:00.000123Z"\r\n'
    '"X3","\'-neg","x3@example.test","a\rb","","","\'@Course, ""A""","line\nbreak ""two""",'
    '"completed","0.0","0","10","1",""\r\n'
    '"X3","\'-neg","x3@example.test","a\rb","","","\'@Course, ""A""","\'\tTabbed",'
    '"not_started","","","","0",""\r\n'
)


def _tricky_world() -> None:
    """Three people in one course of three active modules (and an inactive one)."""
    unit = OrgUnitFactory(name="+Unit\r\nsplit")
    other = OrgUnitFactory(name="a\rb")
    ada = EmployeeFactory(
        employee_number="=X1",
        first_name="\t=cmd",
        last_name="Lovelace\u3000",
        email='ada,"q"@example.test',
        job_title="-Lead",
        org_unit=unit,
    )
    x2 = EmployeeFactory(
        employee_number="X2",
        first_name="",
        last_name="@x\u00a0",
        email="x2@example.test",
        job_title="Żółkiewski 日本",
        manager=ada,
    )
    x3 = EmployeeFactory(
        employee_number="X3", first_name="-neg", last_name="", email="x3@example.test"
    )
    x3.org_unit = other
    course = CourseFactory(title='@Course, "A"')
    formula = ModuleFactory(course=course, title="=1+2", position=1)
    newline = ModuleFactory(course=course, title='line\nbreak "two"', position=2)
    tab = ModuleFactory(course=course, title="\tTabbed", position=3)
    ModuleFactory(course=course, title="=hidden", position=4, active=False)
    for person in (ada, x2, x3):
        EnrolmentFactory(employee=person, course=course)

    def at(*parts: int) -> datetime:
        return datetime(*parts, tzinfo=UTC)

    rows = [
        (ada, formula, "completed", "2/3", "6.6666666", "10.0000000", 2, at(2026, 3, 1, 9, 5)),
        (
            ada,
            newline,
            "in_progress",
            "8966/10000",
            "0E-7",
            "10",
            0,
            at(2026, 3, 1, 9, 5, 0, 500000),
        ),
        (
            ada,
            tab,
            "completed",
            "999/1000",
            "-1.5000000",
            "2.2500000",
            3,
            at(999, 12, 31, 23, 59, 59, 1),
        ),
        (x2, formula, "completed", "-1/3", None, None, 0, None),
        (x2, newline, "completed", "999999999999999/1000000000000000", None, None, None, None),
        (x3, formula, "completed", "1", "10", "10", 1, at(2026, 3, 1, 9, 5, 0, 123)),
        (x3, newline, "completed", "0", "0", "10", 1, None),
    ]
    for person, module, status, grade, points, max_points, attempts, completed_at in rows:
        ModuleProgressFactory(
            employee=person,
            module=module,
            status=status,
            grade_exact=grade,
            grade_points=None if points is None else Decimal(points),
            max_points=None if max_points is None else Decimal(max_points),
            attempts=attempts,
            completed_at=completed_at,
        )
    db.session.flush()


def _export(*, use_copy: bool, app) -> bytes:
    app.config["LEARNHUB_EXPORT_IN_SQL"] = use_copy
    try:
        return b"".join(csv_bytes())
    finally:
        app.config["LEARNHUB_EXPORT_IN_SQL"] = True


def test_python_whitespace_list_is_what_str_strip_removes():
    every = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert every == PY_WHITESPACE


def test_python_writer_gives_the_pinned_bytes(app_ctx):
    _tricky_world()
    assert _export(use_copy=False, app=app_ctx) == EXPECTED.encode()


@pytest.fixture
def postgresql(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the SQL path is PostgreSQL's")
    return app_ctx


def test_sql_path_gives_the_same_bytes_as_the_python_writer(postgresql):
    _tricky_world()
    assert sql_export_available()
    # the session's time zone must not matter: every time is written in UTC
    db.session.execute(text("SET LOCAL TIME ZONE 'Pacific/Chatham'"))
    by_copy = _export(use_copy=True, app=postgresql)
    by_python = _export(use_copy=False, app=postgresql)
    assert by_copy == by_python
    assert by_copy == EXPECTED.encode()


def _rows(written: bytes) -> int:
    return len(list(csv.reader(io.StringIO(written.decode(), newline="")))) - 1


def _by_number(number: str) -> int:
    return db.session.scalar(select(Employee.id).where(Employee.employee_number == number))


def _filtered_world() -> dict[str, CompletionFilters]:
    """The tricky world, plus a second course (X2 and X3 enrolled, X3 required to take the
    first): each filter, and the scope, keeps some rows and drops others."""
    _tricky_world()
    first = db.session.scalar(select(Course.id).where(Course.title == '@Course, "A"'))
    second = CourseFactory(title="-Second")
    ModuleFactory(course=second, title="only", position=1)
    for number in ("X2", "X3"):
        EnrolmentFactory(employee=db.session.get(Employee, _by_number(number)), course=second)
    now = utcnow()
    db.session.add(
        Requirement(
            employee_id=_by_number("X3"),
            course_id=first,
            assigned_at=now,
            due_at=now + timedelta(days=30),
        )
    )
    unit = db.session.scalar(select(OrgUnit.id).where(OrgUnit.name == "a\rb"))
    march = datetime(2026, 3, 1, tzinfo=UTC)
    return {
        # X2 reports to =X1
        "manager's subtree": CompletionFilters(manager_id=_by_number("=X1")),
        "org unit": CompletionFilters(org_unit_ids=(unit,)),
        "course": CompletionFilters(course_id=second.id),
        "statuses": CompletionFilters(statuses=frozenset({"not_started", "in_progress"})),
        "completed in March": CompletionFilters(
            completed_from=march, completed_before=march + timedelta(days=31)
        ),
        "assigned only": CompletionFilters(assigned_only=True),
    }


def test_sql_path_gives_the_python_writers_bytes_under_each_filter(postgresql):
    # the SQL path applies the scope, units and course before it builds a person's and a
    # module's cells (learnhub.reports.completions_sql), the rest after: same rows either way
    every = _filtered_world()
    whole = _rows(b"".join(csv_bytes()))
    for name, filters in every.items():
        postgresql.config["LEARNHUB_EXPORT_IN_SQL"] = False
        try:
            by_python = b"".join(csv_bytes(filters))
        finally:
            postgresql.config["LEARNHUB_EXPORT_IN_SQL"] = True
        by_sql = b"".join(csv_bytes(filters))
        assert by_sql == by_python, name
        assert 0 < _rows(by_python) < whole, name


def test_sql_path_chunks_are_whole_rows_with_or_without_newlines_in_cells(postgresql, monkeypatch):
    _tricky_world()
    monkeypatch.setattr(sql_export, "BATCH_ROWS", 1)  # a FETCH and a chunk per row
    tally = Tally()
    chunks = list(csv_bytes(tally=tally))
    assert b"".join(chunks) == EXPECTED.encode()
    assert len(chunks) == 1 + 9 and tally.rows == 9
    assert all(chunk.endswith(b'"\r\n') for chunk in chunks)


def test_sql_path_off_by_setting_or_on_sqlite_uses_the_python_writer(app_ctx):
    app_ctx.config["LEARNHUB_EXPORT_IN_SQL"] = False
    try:
        assert sql_export_available() is False
    finally:
        app_ctx.config["LEARNHUB_EXPORT_IN_SQL"] = True
    assert sql_export_available() is (db.engine.dialect.name == "postgresql")


def test_a_line_built_in_parts_is_the_python_writers_line(postgresql):
    # requirements_sql builds a line's head before its sort and the last field after it;
    # quote-free cells skip the doubling of quotes
    cells = ['a"b', "2027-01-31", "x,\r\ny", 'last "one"']
    values = [literal(c, Text) for c in cells]
    head = sql_export.csv_fields(values[:3], quote_free={1}, last=False)
    tail = sql_export.csv_fields(values[3:], first=False)
    whole = sql_export.csv_fields(values)
    line, same = db.session.execute(select(head + tail, whole)).one()
    assert line.encode() == sql_export.csv_line(cells) == same.encode()
