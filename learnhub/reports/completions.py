"""The completions export: one row per employee x module of every course they are enrolled in.

Streamed in chunks from one query (no per-employee work), memory flat whatever the size.
Every cell a spreadsheet could read as a formula is neutralised (DESIGN.md rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction

from sqlalchemy import Select, Text, and_, func, literal, select
from sqlalchemy.orm import aliased

from learnhub.catalog.models import Course, Module
from learnhub.core.spreadsheet import csv_chunks, neutralise
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.progress.models import Enrolment, ModuleProgress, ProgressStatus
from learnhub.quizzes.scoring import percent_floor
from learnhub.reports.copy_sql import Tally, copy_available, copy_csv
from learnhub.reports.sql_cells import (
    int_cell,
    name_cell,
    number_cell,
    percent_floor_cell,
    text_cell,
    utc_cell,
)

HEADER = [
    "employee_id",
    "name",
    "email",
    "department",
    "manager_employee_id",
    "job_title",
    "course",
    "module",
    "status",
    "grade_percent",
    "points",
    "max_points",
    "attempts",
    "completed_at",
]
CHUNK_ROWS = 2000


def _number(value) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def _utc(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


def _ordered(column):
    # byte order on PostgreSQL whatever the database's collation, as SQLite's BINARY sorts:
    # the same file from both, and from the COPY and the Python paths
    return column.collate("C") if db.engine.dialect.name == "postgresql" else column


def completions_query(employee_ids: Select | None = None) -> Select:
    """The export's SELECT of raw values (the 15 named columns :func:`completion_rows` reads,
    then ``course_id``, ``module_position``, ``module_id``), ordered by employee number and
    course title (byte order), course, module position and module; ``employee_ids`` limits
    it (a manager's subtree), None means everyone."""
    manager = aliased(Employee)
    number = _ordered(Employee.employee_number).label("employee_number")
    course = _ordered(Course.title).label("course")
    query = (
        select(
            number,
            Employee.first_name.label("first_name"),
            Employee.last_name.label("last_name"),
            Employee.email.label("email"),
            OrgUnit.name.label("org_unit"),
            manager.employee_number.label("manager_number"),
            Employee.job_title.label("job_title"),
            course,
            Module.title.label("module"),
            ModuleProgress.status.label("status"),
            ModuleProgress.grade_exact.label("grade_exact"),
            ModuleProgress.grade_points.label("grade_points"),
            ModuleProgress.max_points.label("max_points"),
            ModuleProgress.attempts.label("attempts"),
            ModuleProgress.completed_at.label("completed_at"),
            Course.id.label("course_id"),
            Module.position.label("module_position"),
            Module.id.label("module_id"),
        )
        .select_from(Enrolment)
        .join(Employee, Employee.id == Enrolment.employee_id)
        .join(Course, Course.id == Enrolment.course_id)
        .join(Module, and_(Module.course_id == Course.id, Module.active.is_(True)))
        .outerjoin(
            ModuleProgress,
            and_(ModuleProgress.employee_id == Employee.id, ModuleProgress.module_id == Module.id),
        )
        .outerjoin(OrgUnit, OrgUnit.id == Employee.org_unit_id)
        .outerjoin(manager, manager.id == Employee.manager_id)
        .order_by(number, course, Course.id, Module.position, Module.id)
    )
    if employee_ids is not None:
        query = query.where(Employee.id.in_(employee_ids))
    return query


def completions_cells_query(employee_ids: Select | None = None) -> Select:
    """The rows of :func:`completions_query` with each cell finished in SQL (text,
    neutralised, grades rounded down, UTC times, as :func:`completion_rows` writes them):
    what COPY writes. The cells are computed over the sorted raw rows (a subquery whose order
    the outer ORDER BY reuses, no second sort), so the sort handles narrow rows, as a plain
    COPY of the raw rows does. PostgreSQL only."""
    raw = completions_query(employee_ids).subquery("completions")
    return select(
        text_cell(raw.c.employee_number),
        name_cell(raw.c.first_name, raw.c.last_name),
        text_cell(raw.c.email),
        text_cell(raw.c.org_unit),
        text_cell(raw.c.manager_number),
        text_cell(raw.c.job_title),
        text_cell(raw.c.course),
        text_cell(raw.c.module),
        # a closed set of words (a CHECK constraint): never formula-like
        func.coalesce(raw.c.status, literal(ProgressStatus.NOT_STARTED.value, Text)),
        percent_floor_cell(raw.c.grade_exact),
        number_cell(raw.c.grade_points),
        number_cell(raw.c.max_points),
        int_cell(raw.c.attempts),
        utc_cell(raw.c.completed_at),
    ).order_by(
        raw.c.employee_number,
        raw.c.course,
        raw.c.course_id,
        raw.c.module_position,
        raw.c.module_id,
    )


def completion_rows(employee_ids: Select | None = None) -> Iterator[list[str]]:
    """Yield the header, then each row as neutralised strings."""
    yield HEADER
    result = db.session.execute(
        completions_query(employee_ids).execution_options(yield_per=CHUNK_ROWS)
    )
    for (
        number,
        first,
        last,
        email,
        unit,
        manager,
        title,
        course,
        module,
        status,
        grade,
        points,
        max_points,
        attempts,
        completed_at,
        *_order,
    ) in result:
        yield [
            neutralise(v)
            for v in (
                number,
                f"{first} {last}".strip(),
                email,
                unit,
                manager,
                title,
                course,
                module,
                status or ProgressStatus.NOT_STARTED,
                "" if grade is None else str(percent_floor(Fraction(grade))),
                _number(points),
                _number(max_points),
                attempts or 0,
                _utc(completed_at),
            )
        ]


def stream_csv(employee_ids: Select | None = None) -> Iterator[str]:
    """The CSV text in chunks of about CHUNK_ROWS rows (CRLF line ends as RFC 4180), written
    in Python from :func:`completion_rows` (the SQLite path, and the reference COPY matches)."""
    return csv_chunks(completion_rows(employee_ids), CHUNK_ROWS)


def csv_bytes(employee_ids: Select | None = None, tally: Tally | None = None) -> Iterator[bytes]:
    """The completions CSV as UTF-8 bytes in chunks of whole rows: streamed by PostgreSQL's
    ``COPY … TO STDOUT`` when it can (:func:`learnhub.reports.copy_sql.copy_available`), else
    written in Python; the bytes are the same either way. ``tally`` counts the data rows."""
    if copy_available():
        return copy_csv(completions_cells_query(employee_ids), HEADER, tally)
    return _python_bytes(employee_ids, tally or Tally())


def _python_bytes(employee_ids: Select | None, tally: Tally) -> Iterator[bytes]:
    def counted() -> Iterator[list[str]]:
        for n, row in enumerate(completion_rows(employee_ids)):
            tally.rows = n  # the header is row 0
            yield row

    for chunk in csv_chunks(counted(), CHUNK_ROWS):
        yield chunk.encode()
