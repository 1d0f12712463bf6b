"""The preview of an assignment before it is confirmed: how many people it would reach, how many
have already completed it, the learning hours it asks for. Split from
:mod:`learnhub.assignments.services`, which it calls to check and build the assignment.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from learnhub.assignments import materialise, services, targets
from learnhub.assignments.models import Assignment, AssignmentTarget, Requirement
from learnhub.catalog.models import Module
from learnhub.core.models import utcnow
from learnhub.extensions import db


@dataclass(frozen=True)
class Preview:
    """What creating an assignment would do, before it is confirmed.

    ``people``: active people it would reach; ``already_completed``: of them, how many already
    hold a valid completion (counts for the assignment); ``already_required``: how many already
    have this item required by another assignment; ``to_do``: people - already completed;
    ``minutes_each``: the item's reading time; ``learning_hours``: to_do * minutes_each / 60;
    ``due_from_assignment``: due after hire only, people hired so long ago that they are due
    N days after the assignment instead (:mod:`learnhub.assignments.targets`).
    """

    people: int
    already_completed: int
    already_required: int
    to_do: int
    minutes_each: int
    learning_hours: float
    due_from_assignment: int = 0


def preview(spec: services.AssignmentSpec, *, manager_id: int | None = None) -> Preview:
    """What :func:`~learnhub.assignments.services.create_assignment` would do with ``spec``,
    computed in the database by materialising it inside a savepoint that is rolled back (the
    same SQL, so the preview can not disagree with the result); nothing changes. Errors as
    :func:`~learnhub.assignments.services.check_spec`."""
    services.check_spec(spec, manager_id=manager_id)
    minutes = _minutes(spec)
    savepoint = db.session.begin_nested()
    try:
        assignment = services.build_assignment(spec, None)
        db.session.add(assignment)
        db.session.flush()
        already_required = db.session.scalar(
            select(func.count())
            .select_from(Requirement)
            .where(
                Requirement.course_id == spec.course_id,
                Requirement.module_key.in_(spec.module_ids or [0]),
                Requirement.employee_id.in_(targets.audience_query(assignment)),
            )
        )
        targets.refresh_targets(assignment, now=utcnow())
        materialise.sync_requirements(
            None, course_ids=[spec.course_id], now=utcnow(), rehearsal=True
        )
        people, done = _reach_counts(assignment)
        later = targets.counted_from_assignment(assignment)
    finally:
        savepoint.rollback()
    to_do = people - done
    return Preview(
        people=people,
        already_completed=done,
        already_required=already_required or 0,
        to_do=to_do,
        minutes_each=minutes,
        learning_hours=round(to_do * minutes / 60, 1),
        due_from_assignment=later,
    )


def _reach_counts(assignment: Assignment) -> tuple[int, int]:
    """(people reached, of them those whose every item of it is completed) for
    ``assignment``."""
    keys = [m.module_id for m in assignment.modules] or [0]
    people = db.session.scalar(
        select(func.count()).where(AssignmentTarget.assignment_id == assignment.id)
    )
    completed = (
        select(AssignmentTarget.employee_id)
        .select_from(AssignmentTarget)
        .join(
            Requirement,
            and_(
                Requirement.employee_id == AssignmentTarget.employee_id,
                Requirement.course_id == assignment.course_id,
                Requirement.module_key.in_(keys),
            ),
        )
        .where(
            AssignmentTarget.assignment_id == assignment.id,
            Requirement.completed_at.is_not(None),
        )
        .group_by(AssignmentTarget.employee_id)
        .having(func.count(Requirement.id) == len(keys))
        .subquery()
    )
    done = db.session.scalar(select(func.count()).select_from(completed))
    return people or 0, done or 0


def _minutes(spec: services.AssignmentSpec) -> int:
    query = select(func.coalesce(func.sum(Module.minutes), 0)).where(
        Module.course_id == spec.course_id, Module.active.is_(True)
    )
    if spec.module_ids:
        query = query.where(Module.id.in_(spec.module_ids))
    return int(db.session.scalar(query) or 0)
