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


def completions_query(employee_ids: Select | None = None) -> Select:
    """The export's SELECT, ordered by employee number, course and module position;
    ``employee_ids`` limits it (a manager's subtree), None means everyone."""
    manager = aliased(Employee)
    query = (
        select(
            Employee.employee_number,
            Employee.first_name,
            Employee.last_name,
            Employee.email,
            OrgUnit.name,
            manager.employee_number,
            Employee.job_title,
            Course.title,
            Module.title,
            ModuleProgress.status,
            ModuleProgress.grade_exact,
            ModuleProgress.grade_points,
            ModuleProgress.max_points,
            ModuleProgress.attempts,
            ModuleProgress.completed_at,
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
        .order_by(Employee.employee_number, Course.title, Module.position)
    )
    if employee_ids is not None:
        query = query.where(Employee.id.in_(employee_ids))
    return query


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
    """The CSV text in chunks of about CHUNK_ROWS rows (UTF-8, CRLF line ends as RFC 4180)."""
    return csv_chunks(completion_rows(employee_ids), CHUNK_ROWS)
