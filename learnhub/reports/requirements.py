"""The HR export of required learning: one row per requirement of every assigned person,
started or not (issue 10: "HR export includes every assigned person, started or not").

A row: the person (employee number, name, email, org unit, job role and title, manager), the
item (course, and module; the module is blank when the whole course is required), its status
(:func:`learnhub.assignments.status.status_expression`, the rule the pages use), when it was
assigned (the local day in the person's time zone), when it is due (the local day in the
person's zone and the UTC instant: the expiry once a completion that expires exists, as on
the pages), completed at, expires at, and which live assignments apply (ids and a short
description each; a person reached by two rules has one row naming both).

**People nobody assigned anything** stay out unless ``include_unassigned`` is asked for. They
then get one row each with status ``not_assigned`` and no item: per *person*, not per person
and course, because HR asks "who has nothing required of them" and a row per course for
everyone would bury the answer (100,000 people x every course). With a course filter the
question is about that course, so the rows name it: every active person of the scope without a
requirement of that course. The status filter picks requirement rows only; the not-assigned
rows come with ``include_unassigned`` whatever the statuses asked for.

Set-based: one SELECT (requirement rows, each joined to the live assignments behind it, and
the not-assigned people in a UNION ALL) read in chunks; consecutive rows of one requirement are
folded in Python. Memory stays flat whatever the number of rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, literal, null, select, union_all
from sqlalchemy.orm import aliased

from learnhub.assignments.describe import descriptions
from learnhub.assignments.materialise import unit_and_sub_units
from learnhub.assignments.models import Assignment, AssignmentModule, AssignmentTarget, Requirement
from learnhub.assignments.status import (
    RequirementStatus,
    effective_due_expression,
    status_expression,
)
from learnhub.catalog.models import Course, Module
from learnhub.core.errors import Issue, ValidationFailed
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit
from learnhub.org.services import subtree_ids_query
from learnhub.org.time_zones import local_date, zone_named

#: the status of the rows ``include_unassigned`` adds
NOT_ASSIGNED = "not_assigned"
#: the statuses a filter may ask for (the requirement statuses)
STATUSES = tuple(s.value for s in RequirementStatus)

HEADER = [
    "employee_number",
    "name",
    "email",
    "org_unit",
    "job_role",
    "job_title",
    "manager_employee_number",
    "manager_name",
    "course",
    "module",
    "status",
    "assigned_on",
    "due_date",
    "due_at",
    "time_zone",
    "completed_at",
    "expires_at",
    "assignment_ids",
    "assignments",
]
#: rows fetched from the cursor at a time
CHUNK_ROWS = 2000


@dataclass(frozen=True)
class RequirementFilters:
    """What to export. ``course_id`` None: every course; ``org_unit_ids`` None: everyone,
    else the people of these units; ``statuses`` empty: every status; ``include_unassigned``:
    add the people without a requirement (see the module's docstring); ``manager_id``: only
    that manager's subtree (the Exports page of a manager; None: everyone, HR's)."""

    course_id: int | None = None
    org_unit_ids: tuple[int, ...] | None = None
    statuses: frozenset[str] = field(default_factory=frozenset)
    include_unassigned: bool = False
    manager_id: int | None = None

    def as_audit(self) -> dict:
        """The filters as the audit event records them."""
        return {
            "course_id": self.course_id,
            "org_unit_ids": list(self.org_unit_ids) if self.org_unit_ids is not None else None,
            "statuses": sorted(self.statuses),
            "include_unassigned": self.include_unassigned,
            "scope": "everyone" if self.manager_id is None else f"subtree:{self.manager_id}",
        }


def resolve_filters(
    *,
    course: str | None = None,
    org_unit: str | None = None,
    include_sub_units: bool = True,
    statuses: Sequence[str] = (),
    include_unassigned: bool = False,
) -> RequirementFilters:
    """The filters from what HR typed: ``course`` a course slug, ``org_unit`` an org unit
    code (with its sub-units unless ``include_sub_units`` is False), ``statuses`` values of
    :data:`STATUSES`. ValidationFailed (422) naming each field that names nothing known."""
    issues: list[Issue] = []
    course_id, unit_ids = resolve_course_and_units(course, org_unit, include_sub_units, issues)
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        issues.append(
            Issue("status", f"unknown status {', '.join(unknown)}; known: {', '.join(STATUSES)}")
        )
    if issues:
        raise ValidationFailed("the export's filters are not valid", issues)
    return RequirementFilters(course_id, unit_ids, frozenset(statuses), include_unassigned)


def resolve_course_and_units(
    course: str | None, org_unit: str | None, include_sub_units: bool, issues: list[Issue]
) -> tuple[int | None, tuple[int, ...] | None]:
    """The scope filters every export shares: ``course`` (a slug) as its id, ``org_unit`` (a
    code) as the ids of the unit and, unless ``include_sub_units`` is False, its sub-units.
    None where not asked; a name that matches nothing is appended to ``issues`` (field
    ``course`` / ``org_unit``) and gives None. Two small queries at most."""
    course_id = None
    if course:
        course_id = db.session.scalar(select(Course.id).where(Course.slug == course))
        if course_id is None:
            issues.append(Issue("course", f"no course has the slug {course!r}"))
    unit_ids = None
    if org_unit:
        unit_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == org_unit))
        if unit_id is None:
            issues.append(Issue("org_unit", f"no org unit has the code {org_unit!r}"))
        else:
            unit_ids = tuple(unit_and_sub_units(unit_id) if include_sub_units else [unit_id])
    return course_id, unit_ids


def _people_columns(manager) -> list:
    return [
        Employee.id.label("employee_id"),
        Employee.employee_number.label("employee_number"),
        Employee.first_name.label("first_name"),
        Employee.last_name.label("last_name"),
        Employee.email.label("email"),
        OrgUnit.name.label("org_unit"),
        JobRole.code.label("job_role"),
        Employee.job_title.label("job_title"),
        manager.employee_number.label("manager_number"),
        manager.first_name.label("manager_first"),
        manager.last_name.label("manager_last"),
        Employee.timezone.label("timezone"),
    ]


def _with_people(query: Select, manager) -> Select:
    return (
        query.outerjoin(OrgUnit, OrgUnit.id == Employee.org_unit_id)
        .outerjoin(JobRole, JobRole.id == Employee.job_role_id)
        .outerjoin(manager, manager.id == Employee.manager_id)
    )


def assignment_sources() -> Select:
    """The live assignments behind each (person, course, module key): a row per assignment
    target and assignment module (``employee_id``, ``course_id``, ``module_key``: 0 for a whole
    course, ``assignment_id``)."""
    return (
        select(
            AssignmentTarget.employee_id,
            Assignment.course_id,
            func.coalesce(AssignmentModule.module_id, 0).label("module_key"),
            Assignment.id.label("assignment_id"),
        )
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .outerjoin(AssignmentModule, AssignmentModule.assignment_id == Assignment.id)
        .where(Assignment.removed_at.is_(None))
    )


def rows_query(
    filters: RequirementFilters,
    now: datetime,
    sources: Subquery,
    source_columns: Sequence[ColumnElement],
) -> Subquery:
    """The export's rows before ordering: a row per requirement (with the people's and the
    item's columns, status, assigned, due, completed, expiry) outer-joined to ``sources`` (a
    subquery with ``employee_id``, ``course_id``, ``module_key``) whose ``source_columns`` it
    adds, plus the not-assigned people when asked (``source_columns`` NULL there), as one
    (UNION ALL) subquery named ``rows``. Shared by the Python path (:func:`requirements_query`: a
    source row per assignment) and the SQL path (learnhub.reports.requirements_sql: the
    assignments of a requirement already folded)."""
    manager = aliased(Employee)
    rows = _with_people(
        select(
            *_people_columns(manager),
            Requirement.id.label("row_key"),
            Course.title.label("course"),
            Module.title.label("module"),
            func.coalesce(Module.position, 0).label("module_order"),
            status_expression(now).label("status"),
            Requirement.assigned_at.label("assigned_at"),
            effective_due_expression().label("due_at"),
            Requirement.completed_at.label("completed_at"),
            Requirement.expires_at.label("expires_at"),
            *source_columns,
        )
        .select_from(Requirement)
        .join(Employee, Employee.id == Requirement.employee_id)
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(Module, Module.id == Requirement.module_id),
        manager,
    ).outerjoin(
        sources,
        and_(
            sources.c.employee_id == Requirement.employee_id,
            sources.c.course_id == Requirement.course_id,
            sources.c.module_key == Requirement.module_key,
        ),
    )
    if filters.course_id is not None:
        rows = rows.where(Requirement.course_id == filters.course_id)
    if filters.org_unit_ids is not None:
        rows = rows.where(Employee.org_unit_id.in_(filters.org_unit_ids))
    if filters.manager_id is not None:
        rows = rows.where(Employee.id.in_(subtree_ids_query(filters.manager_id)))
    if filters.statuses:
        rows = rows.where(status_expression(now).in_(sorted(filters.statuses)))
    if not filters.include_unassigned:
        return rows.subquery("rows")
    nulls = [null().label(column.name) for column in source_columns]
    return union_all(rows, _unassigned_query(filters, manager, nulls)).subquery("rows")


def order_keys(rows: Subquery) -> list[ColumnElement]:
    """The export's order over :func:`rows_query`'s subquery: employee number, course title,
    module position, requirement (the database's collation, both paths alike)."""
    return [
        rows.c.employee_number,
        func.coalesce(rows.c.course, ""),
        rows.c.module_order,
        rows.c.row_key,
    ]


def requirements_query(filters: RequirementFilters, now: datetime) -> Select:
    """The export's one SELECT: a row per requirement and live assignment behind it (a
    requirement two rules reach comes twice, consecutively), plus the not-assigned people when
    asked, ordered by employee number, course title, module position, requirement."""
    sources = assignment_sources().subquery()
    rows = rows_query(filters, now, sources, [sources.c.assignment_id.label("assignment_id")])
    return select(rows).order_by(*order_keys(rows), rows.c.assignment_id)


def _unassigned_query(filters: RequirementFilters, manager, source_nulls: list) -> Select:
    """Active people of the scope without a requirement (of the filtered course, if any)."""
    has_one = select(Requirement.id).where(Requirement.employee_id == Employee.id)
    course: ColumnElement = null()
    if filters.course_id is not None:
        has_one = has_one.where(Requirement.course_id == filters.course_id)
        course = select(Course.title).where(Course.id == filters.course_id).scalar_subquery()
    query = _with_people(
        select(
            *_people_columns(manager),
            literal(0).label("row_key"),
            course.label("course"),
            null().label("module"),
            literal(0).label("module_order"),
            literal(NOT_ASSIGNED).label("status"),
            null().label("assigned_at"),
            null().label("due_at"),
            null().label("completed_at"),
            null().label("expires_at"),
            *source_nulls,
        ).select_from(Employee),
        manager,
    ).where(Employee.active.is_(True), ~has_one.exists())
    if filters.org_unit_ids is not None:
        query = query.where(Employee.org_unit_id.in_(filters.org_unit_ids))
    if filters.manager_id is not None:
        query = query.where(Employee.id.in_(subtree_ids_query(filters.manager_id)))
    return query


def _due_day(due_at: datetime | None, where) -> date | None:
    # the local calendar day that due_at ends (due_at is the midnight after it)
    return local_date(due_at - timedelta(seconds=1), where) if due_at else None


def requirement_records(filters: RequirementFilters, now: datetime) -> Iterator[list]:
    """Yield :data:`HEADER`, then each row as typed values in its order: text (None for
    blank), ``date`` for assigned_on and due_date, aware UTC ``datetime`` for due_at,
    completed_at and expires_at, a list of ints for assignment_ids. Neutralising cells is the
    writer's job (:mod:`learnhub.reports.formats`)."""
    yield HEADER
    described = descriptions()
    result = db.session.execute(
        requirements_query(filters, now).execution_options(yield_per=CHUNK_ROWS)
    )
    for _key, group in itertools.groupby(result, key=lambda r: (r.employee_id, r.row_key)):
        rows = list(group)
        row = rows[0]
        ids = [r.assignment_id for r in rows if r.assignment_id is not None]
        where = zone_named(row.timezone)
        yield [
            row.employee_number,
            f"{row.first_name} {row.last_name}".strip(),
            row.email,
            row.org_unit,
            row.job_role,
            row.job_title,
            row.manager_number,
            f"{row.manager_first} {row.manager_last}".strip() if row.manager_number else None,
            row.course,
            row.module,
            row.status,
            local_date(row.assigned_at, where) if row.assigned_at else None,
            _due_day(row.due_at, where),
            row.due_at,
            str(where),
            row.completed_at,
            row.expires_at,
            ids,
            "; ".join(described.get(i, f"#{i}") for i in ids) or None,
        ]


#: the words the Exports page shows for each status a filter may ask for
STATUS_LABELS = {
    RequirementStatus.NOT_STARTED.value: "Not started",
    RequirementStatus.IN_PROGRESS.value: "In progress",
    RequirementStatus.COMPLETED.value: "Completed",
    RequirementStatus.OVERDUE.value: "Overdue",
    RequirementStatus.RENEWAL_DUE.value: "Renewal due",
    RequirementStatus.EXPIRED.value: "Expired",
    RequirementStatus.WAIVED.value: "Waived",
}
