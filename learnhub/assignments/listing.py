"""What pages and the API show of required learning: one person's requirements (status, due
date in their own time zone, where to continue) and each assignment in words, with how many
people it reaches and how many of them still have something to do. Set-based: a fixed number
of statements whatever the number of people or assignments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import aliased, defaultload

from learnhub.assignments.models import (
    Assignment,
    AssignmentModule,
    AssignmentPerson,
    AssignmentTarget,
    AudienceKind,
    DueKind,
    Requirement,
)
from learnhub.assignments.status import (
    OPEN_STATUSES,
    RequirementStatus,
    effective_due_expression,
    started_expression,
    status_expression,
)
from learnhub.catalog.models import Course, Module
from learnhub.core.dates import day_words
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit
from learnhub.org.time_zones import local_date
from learnhub.progress.models import ModuleProgress, ProgressStatus

#: statuses that mean "late": the due date or the completion's expiry has passed
LATE_STATUSES = frozenset({RequirementStatus.OVERDUE, RequirementStatus.EXPIRED})


@dataclass(frozen=True)
class RequirementRow:
    """One requirement of a person as pages and the API show it.

    ``due_at``: when it is (next) due, UTC (the completion's expiry once completed with a
    validity, else the assigned due instant); ``due_date``: the calendar day that instant ends,
    in the person's own time zone. ``continue_module_id``: the module to open next (the first
    active module of the item neither completed nor waived by a test-out, else its first
    module; None when the course has no active module)."""

    id: int
    course_id: int
    course_slug: str
    course_title: str
    module_id: int | None
    module_title: str | None
    status: RequirementStatus
    assigned_at: datetime
    due_at: datetime
    due_date: date
    completed_at: datetime | None
    expires_at: datetime | None
    renewal_opens_at: datetime | None
    continue_module_id: int | None
    #: HR's reason when HR exempted the person (learnhub.assignments.exemptions); None when not
    #: waived, or waived by a test-out
    waiver_reason: str | None = None
    #: the person has progress past "not started" in the item (an overdue one may not)
    started: bool = False

    @property
    def title(self) -> str:
        """The item: "Course" or "Course: Module"."""
        if self.module_title:
            return f"{self.course_title}: {self.module_title}"
        return self.course_title

    @property
    def is_open(self) -> bool:
        """Asks something of the person (their "To do")."""
        return self.status in OPEN_STATUSES

    @property
    def is_late(self) -> bool:
        return self.status in LATE_STATUSES


def _continue_module():
    """SQL: the module to continue a requirement's item with (see :class:`RequirementRow`)."""
    first_open = (
        select(Module.id)
        .where(
            Module.course_id == Requirement.course_id,
            Module.active.is_(True),
            ~exists()
            .where(
                ModuleProgress.employee_id == Requirement.employee_id,
                ModuleProgress.module_id == Module.id,
                # a module tested out of is not the next one to do
                ModuleProgress.status.in_([ProgressStatus.COMPLETED, ProgressStatus.WAIVED]),
            )
            # tied to the requirement's own person (auto-correlation would not reach through
            # the enclosing subquery and would add a second FROM requirements: anyone's
            # completion would then count)
            .correlate(Requirement, Module),
        )
        .order_by(Module.position, Module.id)
        .limit(1)
        .correlate(Requirement)
        .scalar_subquery()
    )
    first = (
        select(Module.id)
        .where(Module.course_id == Requirement.course_id, Module.active.is_(True))
        .order_by(Module.position, Module.id)
        .limit(1)
        .correlate(Requirement)
        .scalar_subquery()
    )
    return case(
        (Requirement.module_key != 0, Requirement.module_id),
        else_=func.coalesce(first_open, first),
    )


def requirement_rows(
    employee_id: int, where: tzinfo, *, now: datetime | None = None
) -> list[RequirementRow]:
    """Every requirement of ``employee_id`` (waived ones too), open ones first, then by when
    they are due (soonest first); due dates as calendar days in ``where`` (the person's zone:
    :func:`learnhub.org.time_zones.time_zone_of`). One statement."""
    now = now or utcnow()
    status = status_expression(now).label("status")
    due = effective_due_expression().label("due")
    item_module = aliased(Module)
    is_open = case((status_expression(now).in_([s.value for s in OPEN_STATUSES]), 0), else_=1)
    rows = db.session.execute(
        select(
            Requirement,
            Course.slug,
            Course.title,
            item_module.title,
            status,
            due,
            _continue_module().label("continue_module_id"),
            started_expression().label("started"),
        )
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(item_module, item_module.id == Requirement.module_id)
        .where(Requirement.employee_id == employee_id)
        .order_by(is_open, due, Requirement.id)
    ).all()
    return [
        RequirementRow(
            id=r.id,
            course_id=r.course_id,
            course_slug=slug,
            course_title=course_title,
            module_id=r.module_id,
            module_title=module_title,
            status=RequirementStatus(state),
            assigned_at=r.assigned_at,
            due_at=due_at,
            due_date=due_day(due_at, where),
            completed_at=r.completed_at,
            expires_at=r.expires_at,
            renewal_opens_at=r.renewal_opens_at,
            continue_module_id=continue_id,
            waiver_reason=r.waiver_reason,
            started=bool(started),
        )
        for r, slug, course_title, module_title, state, due_at, continue_id, started in rows
    ]


def due_day(due_at: datetime, where: tzinfo) -> date:
    """The calendar day in ``where`` that the due instant ``due_at`` ends (a due instant is
    midnight at the end of the due day, so the day is the one just before it)."""
    return local_date(due_at - timedelta(seconds=1), where)


# --- assignments in words ------------------------------------------------------------------

#: load option for lists of assignments: their course's title, not its modules (with their
#: outcomes and competences, selectin on Course and Module)
WITHOUT_COURSE_MODULES = defaultload(Assignment.course).lazyload(Course.modules)


def assignments_query(*, include_removed: bool = False):
    """SELECT of assignments, newest first (live ones only unless ``include_removed``), loading
    what :func:`describe` reads."""
    query = select(Assignment).options(WITHOUT_COURSE_MODULES)
    if not include_removed:
        query = query.where(Assignment.removed_at.is_(None))
    return query.order_by(Assignment.created_at.desc(), Assignment.id.desc())


@dataclass(frozen=True)
class AssignmentInfo:
    """An assignment as pages and the API describe it. ``people``: whom it reaches now;
    ``open``: of them, people with an item of it still to do (not started, in progress,
    overdue, renewal due or expired); ``late``: people with an item overdue or expired."""

    assignment: Assignment
    course_title: str
    module_titles: list[str]
    org_unit: OrgUnit | None
    job_role: JobRole | None
    employee_numbers: list[str]
    created_by: str | None
    people: int
    open: int
    late: int

    @property
    def audience_words(self) -> str:
        a = self.assignment
        if a.audience == AudienceKind.EVERYONE:
            return "Everyone"
        if a.audience == AudienceKind.ORG_UNIT:
            name = self.org_unit.name if self.org_unit else "an org unit that no longer exists"
            return f"{name} and its sub-units" if a.include_sub_units else f"{name} only"
        if a.audience == AudienceKind.JOB_ROLE:
            role = self.job_role
            return f"Job role {role.title} ({role.code})" if role else "a job role"
        if a.audience == AudienceKind.NEW_JOINERS:
            since = a.joiners_since
            return f"New joiners hired on or after {day_words(since)}" if since else "New joiners"
        count = len(self.employee_numbers)
        return f"{count} named {'person' if count == 1 else 'people'}"

    @property
    def due_words(self) -> str:
        a = self.assignment
        if a.due_kind == DueKind.FIXED:
            return f"By {day_words(a.due_date)}" if a.due_date else "By a fixed date"
        days = f"{a.due_days} day{'' if a.due_days == 1 else 's'}"
        if a.due_kind == DueKind.AFTER_HIRE:
            return f"{days} after each person's hire date"
        return f"{days} after it reaches each person"

    @property
    def item_words(self) -> str:
        if not self.module_titles:
            return f"{self.course_title} (whole course)"
        return f"{self.course_title}: {'; '.join(self.module_titles)}"


def describe(
    assignments: Sequence[Assignment], *, now: datetime | None = None
) -> list[AssignmentInfo]:
    """``assignments`` in words with their counts (:class:`AssignmentInfo`), in the order
    given. At most six statements whatever their number: module titles, org units and job
    roles (when any is named), named people, creators, and the counts (one grouped query over
    targets and requirements)."""
    if not assignments:
        return []
    now = now or utcnow()
    ids = [a.id for a in assignments]
    titles = _module_titles(ids)
    units = {u.id: u for u in _fetch(OrgUnit, {a.org_unit_id for a in assignments})}
    roles = {r.id: r for r in _fetch(JobRole, {a.job_role_id for a in assignments})}
    people: dict[int, list[str]] = {}
    for assignment_id, number in db.session.execute(
        select(AssignmentPerson.assignment_id, Employee.employee_number)
        .join(Employee, Employee.id == AssignmentPerson.employee_id)
        .where(AssignmentPerson.assignment_id.in_(ids))
        .order_by(Employee.employee_number)
    ):
        people.setdefault(assignment_id, []).append(number)
    creators = dict(
        db.session.execute(
            select(Employee.id, Employee.employee_number).where(
                Employee.id.in_({a.created_by_id for a in assignments if a.created_by_id})
            )
        ).all()
    )
    counts = assignment_counts(ids, now=now)
    return [
        AssignmentInfo(
            assignment=a,
            course_title=a.course.title,
            module_titles=titles.get(a.id, []),
            org_unit=units.get(a.org_unit_id) if a.org_unit_id else None,
            job_role=roles.get(a.job_role_id) if a.job_role_id else None,
            employee_numbers=people.get(a.id, []),
            created_by=creators.get(a.created_by_id) if a.created_by_id else None,
            people=counts.get(a.id, (0, 0, 0))[0],
            open=counts.get(a.id, (0, 0, 0))[1],
            late=counts.get(a.id, (0, 0, 0))[2],
        )
        for a in assignments
    ]


def _fetch(model: type[OrgUnit] | type[JobRole], ids: set[int | None]) -> list:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(wanted))))


def _module_titles(assignment_ids: list[int]) -> dict[int, list[str]]:
    titles: dict[int, list[str]] = {}
    for assignment_id, title in db.session.execute(
        select(AssignmentModule.assignment_id, Module.title)
        .join(Module, Module.id == AssignmentModule.module_id)
        .where(AssignmentModule.assignment_id.in_(assignment_ids))
        .order_by(Module.position, Module.id)
    ):
        titles.setdefault(assignment_id, []).append(title)
    return titles


def assignment_counts(
    assignment_ids: Sequence[int], *, now: datetime | None = None
) -> dict[int, tuple[int, int, int]]:
    """``{assignment id: (people reached, people with an item still to do, people with an item
    overdue or expired)}`` for the assignments given (one grouped statement; an assignment
    reaching nobody is missing)."""
    if not assignment_ids:
        return {}
    now = now or utcnow()
    status = status_expression(now)
    employee = AssignmentTarget.employee_id
    open_values = [s.value for s in OPEN_STATUSES]
    late_values = [s.value for s in LATE_STATUSES]
    query = (
        select(
            AssignmentTarget.assignment_id,
            func.count(distinct(employee)),
            func.count(distinct(case((status.in_(open_values), employee)))),
            func.count(distinct(case((status.in_(late_values), employee)))),
        )
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .outerjoin(AssignmentModule, AssignmentModule.assignment_id == Assignment.id)
        .join(
            Requirement,
            and_(
                Requirement.employee_id == employee,
                Requirement.course_id == Assignment.course_id,
                Requirement.module_key == func.coalesce(AssignmentModule.module_id, 0),
            ),
        )
        .where(AssignmentTarget.assignment_id.in_(assignment_ids))
        .group_by(AssignmentTarget.assignment_id)
    )
    return {row[0]: (row[1], row[2], row[3]) for row in db.session.execute(query)}
