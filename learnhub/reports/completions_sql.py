"""The completions CSV's lines built by PostgreSQL (learnhub.reports.sql_export), each cell
computed as few times as the data allows: a person's six cells once per person, a course's
and module's two once per module, only the progress cells once per row.

Why (issue 13, goal 0.5x COPY's rows/s at 1M rows): building every cell of every line cost
the server twice the CPU of the plain COPY of the raw rows (EXPLAIN ANALYZE at 1M rows:
about 150 function calls a line; 10 lines a person repeat the person's cells). The person's
and the module's cells are made in subqueries that the planner may not flatten (``OFFSET 0``:
flattened, their expressions would be computed again for every joined row), and each carries
its rank in the export's order, so the one sort compares two integers, not two texts in byte
order. Same bytes as :func:`learnhub.reports.completions.completion_rows` written by
:func:`learnhub.core.spreadsheet.csv_chunks` (tests/reports/test_sql_export.py).
PostgreSQL only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Text, and_, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.elements import ColumnElement

from learnhub.assignments.models import Requirement
from learnhub.catalog.models import Course, Module
from learnhub.org.models import Employee, OrgUnit
from learnhub.progress.models import Enrolment, ModuleProgress, ProgressStatus
from learnhub.reports.completion_filters import CompletionFilters
from learnhub.reports.sql_cells import (
    int_cell,
    name_cell,
    number_cell,
    percent_floor_cell,
    text_cell,
    utc_cell,
)
from learnhub.reports.sql_export import csv_fields, csv_line

_NOT_STARTED = ProgressStatus.NOT_STARTED.value


def _people(filters: CompletionFilters) -> Select:
    """One row per person in scope: ``id``, ``rank`` (1, 2, … in employee number's byte
    order) and ``head``: the line's first six fields, up to the ``","`` before the course."""
    manager = aliased(Employee)
    query = (
        select(
            Employee.id.label("id"),
            func.row_number().over(order_by=Employee.employee_number.collate("C")).label("rank"),
            csv_fields(
                [
                    text_cell(Employee.employee_number.expression),
                    name_cell(Employee.first_name.expression, Employee.last_name.expression),
                    text_cell(Employee.email.expression),
                    text_cell(OrgUnit.name.expression),
                    text_cell(manager.employee_number.expression),
                    text_cell(Employee.job_title.expression),
                ],
                last=False,
            ).label("head"),
        )
        .outerjoin(OrgUnit, OrgUnit.id == Employee.org_unit_id)
        .outerjoin(manager, manager.id == Employee.manager_id)
    )
    employee_ids = filters.employee_ids()
    if employee_ids is not None:
        query = query.where(Employee.id.in_(employee_ids))
    if filters.org_unit_ids is not None:
        query = query.where(Employee.org_unit_id.in_(filters.org_unit_ids))
    # a fence: the planner pushes no condition in and computes ``head`` here, once a person
    return query.offset(0)


def _modules() -> Select:
    """One row per active module: ``module_id``, ``rank`` (in course title's byte order,
    course, module position, module) and ``middle``: the course and module fields, up to the
    ``","`` before the status."""
    return (
        select(
            Module.id.label("module_id"),
            func.row_number()
            .over(order_by=(Course.title.collate("C"), Course.id, Module.position, Module.id))
            .label("rank"),
            csv_fields(
                [text_cell(Course.title.expression), text_cell(Module.title.expression)],
                first=False,
                last=False,
            ).label("middle"),
        )
        .join(Module, and_(Module.course_id == Course.id, Module.active.is_(True)))
        .offset(0)  # a fence, as in _people: ``middle`` once a module
    )


def _tail(filters: CompletionFilters) -> ColumnElement[str]:
    """The line's last fields, from the status to the CRLF: the progress row's cells, or the
    fixed text of a module without progress."""
    cells: list[ColumnElement[Any]] = [ModuleProgress.status.expression]
    if filters.include_scores:
        cells += [
            percent_floor_cell(ModuleProgress.grade_exact.expression),
            number_cell(ModuleProgress.grade_points.expression),
            number_cell(ModuleProgress.max_points.expression),
            int_cell(ModuleProgress.attempts.expression),
        ]
    cells.append(utc_cell(ModuleProgress.completed_at.expression))
    # the status is one of a closed set of words (a CHECK constraint), the others numbers
    # and times: none holds a '"' to double
    written = csv_fields(cells, quote_free=range(len(cells)), first=False)
    scores = ["", "", "", "0"] if filters.include_scores else []
    # the Python writer's cells for no progress, less the line's opening quote
    nothing = csv_line([_NOT_STARTED, *scores, ""]).decode()[1:]
    return case(
        (ModuleProgress.employee_id.is_(None), literal(nothing, Text)),
        else_=written,
    )


def completions_lines_query(filters: CompletionFilters) -> Select:
    """The completions export as a SELECT of one text column: each row's whole CSV line
    (UTF-8 text, CRLF), in the export's order (employee number and course title in byte
    order, course, module position, module), limited by ``filters``: the same rows and
    bytes as :func:`learnhub.reports.completions.completion_rows` written as CSV. For
    :func:`learnhub.reports.sql_export.stream_lines`. PostgreSQL only."""
    people = _people(filters).subquery("people")
    modules = _modules().subquery("export_modules")
    query = (
        select((people.c.head + modules.c.middle + _tail(filters)).label("line"))
        .select_from(Enrolment)
        .join(people, people.c.id == Enrolment.employee_id)
        # the modules table itself, not only the fenced subquery: the planner then knows how
        # many rows the join makes (without statistics for the subquery's course_id it took
        # 10 modules of 2 courses for 10 courses, expected a fifth of the rows and hashed the
        # 1M joined rows in 32 batches instead of the progress rows: 9% more server CPU)
        .join(Module, and_(Module.course_id == Enrolment.course_id, Module.active.is_(True)))
        .join(modules, modules.c.module_id == Module.id)
        .outerjoin(
            ModuleProgress,
            and_(ModuleProgress.employee_id == people.c.id, ModuleProgress.module_id == Module.id),
        )
        .order_by(people.c.rank, modules.c.rank)
    )
    return progress_filtered(query, filters, people.c.id, Enrolment.course_id)


def progress_filtered(
    query: Select,
    filters: CompletionFilters,
    employee_id: ColumnElement[Any] | InstrumentedAttribute[Any],
    course_id: ColumnElement[Any] | InstrumentedAttribute[Any],
) -> Select:
    """``query`` (a SELECT of enrolments by active modules, left-joined to ModuleProgress) kept
    to ``filters``' course, statuses (no progress counts as not started), completion dates
    and "assigned only" (a requirement of that person for that course); ``employee_id`` and
    ``course_id`` are the query's columns for them. Both export paths filter with it, so
    the SQL path and the Python writer keep the same rows."""
    if filters.course_id is not None:
        query = query.where(course_id == filters.course_id)
    if filters.statuses:
        status = func.coalesce(ModuleProgress.status, literal(_NOT_STARTED, Text))
        query = query.where(status.in_(sorted(filters.statuses)))
    if filters.completed_from is not None:
        query = query.where(ModuleProgress.completed_at >= filters.completed_from)
    if filters.completed_before is not None:
        query = query.where(ModuleProgress.completed_at < filters.completed_before)
    if filters.assigned_only:
        required = select(Requirement.id).where(
            Requirement.employee_id == employee_id, Requirement.course_id == course_id
        )
        query = query.where(required.exists())
    return query
