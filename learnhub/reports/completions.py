"""The completions export: one row per employee x module of every course they are enrolled in.

Streamed in chunks from one query (no per-employee work), memory flat whatever the size.
Every cell a spreadsheet could read as a formula is neutralised (DESIGN.md rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import aliased

from learnhub.catalog.models import Course, Module
from learnhub.core.spreadsheet import csv_chunks, neutralise
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.progress.models import Enrolment, ModuleProgress, ProgressStatus
from learnhub.quizzes.scoring import percent_floor
from learnhub.reports.completion_filters import CompletionFilters
from learnhub.reports.completions_sql import completions_lines_query, progress_filtered
from learnhub.reports.sql_export import BOM, Tally, sql_export_available, stream_lines

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
#: the quiz columns, HR's only (learnhub.reports.completion_filters)
SCORE_COLUMNS = ("grade_percent", "points", "max_points", "attempts")
#: the columns of a manager's export (no quiz columns)
MANAGER_HEADER = [c for c in HEADER if c not in SCORE_COLUMNS]
CHUNK_ROWS = 2000
_EVERYONE = CompletionFilters()


def header_for(filters: CompletionFilters) -> list[str]:
    """The export's columns for these filters: :data:`HEADER`, or :data:`MANAGER_HEADER` for
    a manager's subtree."""
    return HEADER if filters.include_scores else MANAGER_HEADER


def _number(value) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def _utc(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


def _ordered(column):
    # byte order on PostgreSQL whatever the database's collation, as SQLite's BINARY sorts:
    # the same file from both, and from the SQL and the Python paths
    return column.collate("C") if db.engine.dialect.name == "postgresql" else column


def completions_query(filters: CompletionFilters = _EVERYONE) -> Select:
    """The export's SELECT of raw values (the 15 named columns :func:`completion_rows` reads,
    then ``course_id``, ``module_position``, ``module_id``), ordered by employee number and
    course title (byte order), course, module position and module, limited by ``filters``
    (scope, org units, course, statuses, completion dates)."""
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
    return _filtered(query, filters)


def _filtered(query: Select, filters: CompletionFilters) -> Select:
    employee_ids = filters.employee_ids()
    if employee_ids is not None:
        query = query.where(Employee.id.in_(employee_ids))
    if filters.org_unit_ids is not None:
        query = query.where(Employee.org_unit_id.in_(filters.org_unit_ids))
    return progress_filtered(query, filters, Employee.id, Course.id)


def completion_rows(filters: CompletionFilters = _EVERYONE) -> Iterator[list[str]]:
    """Yield the header (:func:`header_for`), then each row as neutralised strings."""
    yield header_for(filters)
    scores = filters.include_scores
    result = db.session.execute(completions_query(filters).execution_options(yield_per=CHUNK_ROWS))
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
        cells = [
            number,
            f"{first} {last}".strip(),
            email,
            unit,
            manager,
            title,
            course,
            module,
            status or ProgressStatus.NOT_STARTED,
        ]
        if scores:
            cells += (
                "" if grade is None else str(percent_floor(Fraction(grade))),
                _number(points),
                _number(max_points),
                attempts or 0,
            )
        cells.append(_utc(completed_at))
        yield [neutralise(v) for v in cells]


def stream_csv(filters: CompletionFilters = _EVERYONE) -> Iterator[str]:
    """The CSV text in chunks of about CHUNK_ROWS rows (CRLF line ends as RFC 4180), written
    in Python from :func:`completion_rows` (the SQLite path; the SQL path matches it)."""
    return csv_chunks(completion_rows(filters), CHUNK_ROWS)


def csv_bytes(
    filters: CompletionFilters = _EVERYONE, tally: Tally | None = None, *, excel: bool = False
) -> Iterator[bytes]:
    """The completions CSV as UTF-8 bytes in chunks of whole rows: streamed by PostgreSQL's
    lines built in SQL (learnhub.reports.completions_sql) when it can
    (:func:`learnhub.reports.sql_export.sql_export_available`), else written in Python; the
    bytes are the same either way. ``excel``: a UTF-8 byte order mark first, which Excel
    needs to read UTF-8 rather than the system code page. ``tally`` counts the data rows."""
    if excel:
        yield BOM
    if sql_export_available():
        yield from stream_lines(completions_lines_query(filters), header_for(filters), tally)
    else:
        yield from _python_bytes(filters, tally or Tally())


def _python_bytes(filters: CompletionFilters, tally: Tally) -> Iterator[bytes]:
    def counted() -> Iterator[list[str]]:
        for n, row in enumerate(completion_rows(filters)):
            tally.rows = n  # the header is row 0
            yield row

    for chunk in csv_chunks(counted(), CHUNK_ROWS):
        yield chunk.encode()


def completion_records(filters: CompletionFilters = _EVERYONE) -> Iterator[list]:
    """Yield the header (:func:`header_for`), then each row as typed values for XLSX and JSON
    Lines (learnhub.reports.formats): text (None: blank), the grade as a ``Decimal``
    percentage rounded down to one decimal, points as ``Decimal``, attempts ``int``,
    completed_at an aware UTC ``datetime`` (None: not completed). Neutralising is the
    writer's job."""
    yield header_for(filters)
    scores = filters.include_scores
    result = db.session.execute(completions_query(filters).execution_options(yield_per=CHUNK_ROWS))
    for row in result:
        record = [
            row.employee_number,
            f"{row.first_name} {row.last_name}".strip(),
            row.email,
            row.org_unit,
            row.manager_number,
            row.job_title,
            row.course,
            row.module,
            str(row.status or ProgressStatus.NOT_STARTED),
        ]
        if scores:
            record += (
                None if row.grade_exact is None else percent_floor(Fraction(row.grade_exact)),
                None if row.grade_points is None else row.grade_points.normalize(),
                None if row.max_points is None else row.max_points.normalize(),
                row.attempts or 0,
            )
        record.append(row.completed_at)
        yield record
