"""Creating, previewing, changing and removing assignments (HR / L&D, and managers for people
in their own subtree). Every input is checked before anything changes; every change is
audited (who, what, for whom, when). Services flush; the request, task or command commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from learnhub.assignments import materialise, targets
from learnhub.assignments.models import (
    Assignment,
    AssignmentModule,
    AssignmentPerson,
    AudienceKind,
    DueKind,
    Requirement,
)
from learnhub.assignments.people_keys import NOT_IN_TEAM
from learnhub.catalog.models import Course, Module
from learnhub.core.audit import audit
from learnhub.core.errors import Forbidden, Issue, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit, ReportingLine
from learnhub.org.time_zones import local_date, zone_named

logger = logging.getLogger(__name__)

#: longest relative due period and renewal window, in days (beyond: a typing mistake)
MAX_DAYS = 3650


@dataclass
class AssignmentSpec:
    """What an assignment asks, as the API and the HR form give it (validated by
    :func:`check_spec`). ``module_ids`` empty: the whole course."""

    course_id: int
    audience: AudienceKind
    due_kind: DueKind
    due_date: date | None = None
    due_days: int | None = None
    module_ids: list[int] = field(default_factory=list)
    org_unit_id: int | None = None
    include_sub_units: bool = True
    job_role_id: int | None = None
    employee_ids: list[int] = field(default_factory=list)
    joiners_since: date | None = None
    renewal_window_days: int = 30
    note: str = ""


def _exists(model: type, ident: int | None) -> bool:
    return ident is not None and db.session.get(model, ident) is not None


def _module_issues(course: Course, module_ids: list[int]) -> list[Issue]:
    """An issue for each of ``module_ids`` that is not an active module of ``course``, naming
    the module and the course by title (a tester's finding 6: "Module 1 is not an active
    module of the course" named an internal id); the id only when no module has it."""
    own = set(
        db.session.scalars(
            select(Module.id).where(Module.course_id == course.id, Module.active.is_(True))
        )
    )
    stray = [m for m in module_ids if m not in own]
    if not stray:
        return []
    titles = dict(
        db.session.execute(select(Module.id, Module.title).where(Module.id.in_(stray))).all()
    )
    return [
        Issue(
            "module_ids",
            f"“{titles[m]}” is not a module of “{course.title}”: choose modules of that course"
            if m in titles
            else f"no module of “{course.title}” has id {m}",
        )
        for m in stray
    ]


def check_spec(spec: AssignmentSpec, *, manager_id: int | None = None) -> None:
    """Raise ValidationFailed (422) listing every problem of ``spec`` by field. With
    ``manager_id`` (a manager may assign only to their own reports, direct or indirect; issue
    10): a person outside that manager's subtree and an unknown one are the same 422 issue
    (:data:`NOT_IN_TEAM`, so existence is not revealed); Forbidden (403) for an audience other
    than named people."""
    issues: list[Issue] = []
    course = db.session.get(Course, spec.course_id)
    if course is None or not course.published:
        issues.append(Issue("course_id", f"no published course has id {spec.course_id}"))
    elif spec.module_ids:
        issues.extend(_module_issues(course, spec.module_ids))
    today = local_date(utcnow(), zone_named(""))
    if spec.due_kind == DueKind.FIXED:
        if spec.due_date is None:
            issues.append(Issue("due_date", "a fixed due date is required"))
        elif spec.due_date < today:
            issues.append(Issue("due_date", f"{spec.due_date} is in the past (today: {today})"))
    elif spec.due_days is None or not 0 <= spec.due_days <= MAX_DAYS:
        issues.append(Issue("due_days", f"give a number of days from 0 to {MAX_DAYS}"))
    if not 0 <= spec.renewal_window_days <= MAX_DAYS:
        issues.append(Issue("renewal_window_days", f"give a number of days from 0 to {MAX_DAYS}"))
    if spec.audience == AudienceKind.ORG_UNIT and not _exists(OrgUnit, spec.org_unit_id):
        issues.append(Issue("org_unit_id", f"no org unit has id {spec.org_unit_id}"))
    if spec.audience == AudienceKind.JOB_ROLE and not _exists(JobRole, spec.job_role_id):
        issues.append(Issue("job_role_id", f"no job role has id {spec.job_role_id}"))
    if manager_id is not None:
        issues.extend(_check_manager_scope(spec, manager_id))
    elif spec.audience == AudienceKind.PEOPLE:
        issues.extend(_check_people(spec.employee_ids))
    if issues:
        raise ValidationFailed("the assignment is not valid; nothing was changed", issues)


def _check_people(employee_ids: list[int]) -> list[Issue]:
    if not employee_ids:
        return [Issue("employee_ids", "name at least one person")]
    found = set(
        db.session.scalars(
            select(Employee.id).where(Employee.id.in_(employee_ids), Employee.active.is_(True))
        )
    )
    return [
        Issue("employee_ids", f"no active employee has id {employee_id}")
        for employee_id in employee_ids
        if employee_id not in found
    ]


def _check_manager_scope(spec: AssignmentSpec, manager_id: int) -> list[Issue]:
    """Issues for the people of ``spec`` outside ``manager_id``'s subtree, unknown or left
    (the same words for all: :data:`NOT_IN_TEAM`); Forbidden for an audience other than named
    people."""
    if spec.audience != AudienceKind.PEOPLE:
        raise Forbidden("a manager assigns learning to named people of their own team only")
    if not spec.employee_ids:
        return _check_people(spec.employee_ids)
    inside = set(
        db.session.scalars(
            select(ReportingLine.descendant_id)
            .join(Employee, Employee.id == ReportingLine.descendant_id)
            .where(
                ReportingLine.ancestor_id == manager_id,
                ReportingLine.descendant_id.in_(spec.employee_ids),
                Employee.active.is_(True),
            )
        )
    )
    return [
        Issue("employee_ids", NOT_IN_TEAM.format(e)) for e in spec.employee_ids if e not in inside
    ]


def build_assignment(spec: AssignmentSpec, created_by_id: int | None) -> Assignment:
    """An unsaved :class:`Assignment` (with its modules and named people) for a checked ``spec``;
    ``created_by_id``: the employee who creates it (None in a preview)."""
    assignment = Assignment(
        course_id=spec.course_id,
        audience=spec.audience,
        org_unit_id=spec.org_unit_id if spec.audience == AudienceKind.ORG_UNIT else None,
        include_sub_units=spec.include_sub_units,
        job_role_id=spec.job_role_id if spec.audience == AudienceKind.JOB_ROLE else None,
        joiners_since=(
            spec.joiners_since or local_date(utcnow(), zone_named(""))
            if spec.audience == AudienceKind.NEW_JOINERS
            else None
        ),
        due_kind=spec.due_kind,
        due_date=spec.due_date if spec.due_kind == DueKind.FIXED else None,
        due_days=None if spec.due_kind == DueKind.FIXED else spec.due_days,
        renewal_window_days=spec.renewal_window_days,
        note=spec.note,
        created_by_id=created_by_id,
    )
    assignment.modules = [AssignmentModule(module_id=m) for m in sorted(set(spec.module_ids))]
    if spec.audience == AudienceKind.PEOPLE:
        assignment.people = [
            AssignmentPerson(employee_id=e) for e in sorted(set(spec.employee_ids))
        ]
    return assignment


def create_assignment(
    spec: AssignmentSpec, *, created_by_id: int | None, manager_id: int | None = None
) -> Assignment:
    """Check ``spec`` (:func:`check_spec`), store the assignment, materialise it (targets,
    requirements, enrolments, prior completions) and audit it. ``manager_id``: a manager
    acting on their own team (scope enforced). Flushes; returns the assignment."""
    check_spec(spec, manager_id=manager_id)
    assignment = build_assignment(spec, created_by_id)
    db.session.add(assignment)
    db.session.flush()
    changes = materialise.materialise(assignment)
    audit(
        "assignment.create",
        f"assignment:{assignment.id}",
        **_whom(assignment),
        due=_due_words(assignment),
        people_reached=changes.added,
    )
    return assignment


def _whom(assignment: Assignment) -> dict:
    """What and for whom, as every audit event of an assignment records it: the course and
    modules, the audience and its unit, role or named people."""
    people = (
        sorted(p.employee_id for p in assignment.people)
        if assignment.audience == AudienceKind.PEOPLE
        else None
    )
    return {
        "course_id": assignment.course_id,
        "audience": assignment.audience.value,
        "module_ids": assignment.module_ids,
        "employee_ids": people,
        "org_unit_id": assignment.org_unit_id,
        "job_role_id": assignment.job_role_id,
    }


def _due_words(assignment: Assignment) -> str:
    if assignment.due_kind == DueKind.FIXED:
        return f"fixed {assignment.due_date}"
    return f"{assignment.due_days} days {assignment.due_kind.value.replace('_', ' ')}"


def get_assignment(assignment_id: int) -> Assignment:
    """The assignment, removed or not; NotFound (404) when there is none."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"no assignment has id {assignment_id}")
    return assignment


def change_due(
    assignment: Assignment,
    *,
    due_date: date | None = None,
    due_days: int | None = None,
    renewal_window_days: int | None = None,
) -> Assignment:
    """Change the due date (fixed) or days (relative), or the renewal window: every person's
    due instant is counted again from their own base day and zone; audited. ValidationFailed
    (422) for a past date, a removed assignment or a value of the wrong kind."""
    if assignment.removed_at is not None:
        raise ValidationFailed("a removed assignment can not be changed")
    spec = AssignmentSpec(
        course_id=assignment.course_id,
        audience=AudienceKind.EVERYONE,
        due_kind=assignment.due_kind,
        due_date=due_date if due_date is not None else assignment.due_date,
        due_days=due_days if due_days is not None else assignment.due_days,
        module_ids=assignment.module_ids,
        renewal_window_days=(
            renewal_window_days
            if renewal_window_days is not None
            else assignment.renewal_window_days
        ),
    )
    if assignment.due_kind == DueKind.FIXED and due_days is not None:
        raise ValidationFailed(
            "not valid", [Issue("due_days", "this assignment has a fixed due date")]
        )
    if assignment.due_kind != DueKind.FIXED and due_date is not None:
        raise ValidationFailed(
            "not valid", [Issue("due_date", "this assignment's due date is relative")]
        )
    check_spec(spec)
    before = _due_words(assignment), assignment.renewal_window_days
    assignment.due_date, assignment.due_days = spec.due_date, spec.due_days
    assignment.renewal_window_days = spec.renewal_window_days
    db.session.flush()
    now = utcnow()
    targets.recount_due_dates(assignment, now=now)
    materialise.sync_requirements(None, course_ids=[assignment.course_id], now=now)
    audit(
        "assignment.change",
        f"assignment:{assignment.id}",
        **_whom(assignment),
        before={"due": before[0], "renewal_window_days": before[1]},
        after={"due": _due_words(assignment), "renewal_window_days": spec.renewal_window_days},
    )
    return assignment


def remove_assignment(assignment: Assignment) -> int:
    """Remove ``assignment``: it reaches no one any more and the requirements only it gave are
    deleted (completions stay in progress and evidence); audited. Returns how many people it
    reached. Removing twice changes nothing."""
    if assignment.removed_at is not None:
        return 0
    assignment.removed_at = utcnow()
    changes = materialise.materialise(assignment)
    audit(
        "assignment.remove",
        f"assignment:{assignment.id}",
        **_whom(assignment),
        people_released=changes.removed,
    )
    return changes.removed


def live_assignments(*, course_id: int | None = None) -> list[Assignment]:
    """Assignments not removed, newest first (optionally of one course)."""
    query = select(Assignment).where(Assignment.removed_at.is_(None))
    if course_id is not None:
        query = query.where(Assignment.course_id == course_id)
    return list(db.session.scalars(query.order_by(Assignment.created_at.desc())))


def requirements_of(employee_id: int) -> list[Requirement]:
    """The person's requirements (any status), soonest effective due first."""
    from learnhub.assignments.status import effective_due_expression

    return list(
        db.session.scalars(
            select(Requirement)
            .where(Requirement.employee_id == employee_id)
            .order_by(effective_due_expression(), Requirement.id)
        )
    )
