"""Assignments made real: each person's requirements, folded from the assignments' targets.

Everything here is set-based (issue 10: at 100,000 people an assignment to everyone is
materialised in SQL, no per-person ORM loop): one DELETE and one INSERT … SELECT of targets
per assignment (:mod:`learnhub.assignments.targets`: who it reaches and when they are due),
then one upsert and one DELETE of requirements, and a few UPDATEs for completions made
before the assignment.

Rules (kinds of :class:`AudienceKind`) are applied again whenever people change: the HR import
sends ``people_changed``/``people_left`` inside its transaction and
:func:`refresh_for_people` runs there, so a joiner gets the rule's requirement with their own
relative due date, a mover gets their new unit's and drops their old one's, a leaver drops out,
all in the import's one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, Select, delete, func, insert, literal, or_, select, true

from learnhub.assignments.models import (
    Assignment,
    AssignmentModule,
    AssignmentTarget,
    Requirement,
)
from learnhub.assignments.targets import TargetChanges, refresh_targets

# re-exported: learnhub.reports.requirements reads it from here
from learnhub.assignments.targets import unit_and_sub_units as unit_and_sub_units
from learnhub.core.db import analyze_after_bulk_write, dialect_insert, ids_in
from learnhub.core.models import utcnow
from learnhub.core.sqltime import sql_add_days
from learnhub.extensions import db
from learnhub.progress.models import Enrolment, EnrolmentSource
from learnhub.progress.xapi.assigned import record_assigned, void_assigned

logger = logging.getLogger(__name__)

#: above this many people changed, the rules are applied to everyone instead of to a list
PEOPLE_LIST_LIMIT = 1000


def _sources(employee_ids: Sequence[int] | None, course_ids: Sequence[int] | None) -> Select:
    """Per (person, course, module_key): the earliest assignment and due instant over the live
    assignments reaching them, and the widest renewal window."""
    module_key = func.coalesce(AssignmentModule.module_id, 0)
    query = (
        select(
            AssignmentTarget.employee_id,
            Assignment.course_id,
            AssignmentModule.module_id,
            module_key.label("module_key"),
            func.min(AssignmentTarget.assigned_at).label("assigned_at"),
            func.min(AssignmentTarget.due_at).label("due_at"),
            func.max(Assignment.renewal_window_days).label("renewal_window_days"),
        )
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .outerjoin(AssignmentModule, AssignmentModule.assignment_id == Assignment.id)
        .where(Assignment.removed_at.is_(None), true())
        .group_by(AssignmentTarget.employee_id, Assignment.course_id, AssignmentModule.module_id)
    )
    if employee_ids is not None:
        query = query.where(ids_in(AssignmentTarget.employee_id, employee_ids))
    if course_ids is not None:
        query = query.where(Assignment.course_id.in_(course_ids))
    return query


def sync_requirements(
    employee_ids: Sequence[int] | None = None,
    *,
    course_ids: Sequence[int] | None = None,
    now: datetime,
    rehearsal: bool = False,
) -> None:
    """Fold the targets of every live assignment into requirements (all people, or only
    ``employee_ids``; all courses, or only ``course_ids``): one per person and item, due at
    the earliest source's due instant;
    requirements no assignment reaches any more are deleted (their xAPI "was assigned" and
    exemption statements voided, :func:`learnhub.progress.xapi.assigned.void_assigned`);
    assigned courses are enrolled
    (source ``assignment``); completions made before the assignment are counted
    (:func:`learnhub.assignments.completion.count_prior_completions`), and so are test-outs
    (:func:`learnhub.assignments.waivers.apply_waivers`). Flushes.

    ``rehearsal``: for :func:`learnhub.assignments.preview.preview`, whose savepoint is rolled
    back: the requirements, completions and waivers as for real, without the xAPI "was
    assigned" statements (nor their voiding) and the enrolments, which no preview figure
    reads (at 100k people they were half of the preview's 10 s)."""
    from learnhub.assignments.completion import count_prior_completions
    from learnhub.assignments.waivers import apply_waivers

    sources = _sources(employee_ids, course_ids).subquery()
    columns = [
        "employee_id",
        "course_id",
        "module_id",
        "module_key",
        "assigned_at",
        "due_at",
        "renewal_window_days",
        "created_at",
    ]
    created_at = literal(now, Requirement.created_at.type)
    upsert = dialect_insert(Requirement).from_select(
        columns,
        # the WHERE: SQLite parses "INSERT … SELECT … ON CONFLICT" only with one (its upsert docs)
        select(*[sources.c[name] for name in columns[:-1]], created_at).where(true()),
    )
    written = db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["employee_id", "course_id", "module_key"],
            set_={
                "assigned_at": upsert.excluded.assigned_at,
                "due_at": upsert.excluded.due_at,
                "renewal_window_days": upsert.excluded.renewal_window_days,
                "renewal_opens_at": sql_add_days(
                    Requirement.expires_at, -upsert.excluded.renewal_window_days
                ),
            },
            where=or_(
                Requirement.due_at != upsert.excluded.due_at,
                Requirement.assigned_at != upsert.excluded.assigned_at,
                Requirement.renewal_window_days != upsert.excluded.renewal_window_days,
            ),
        ).execution_options(preserve_rowcount=True)  # SQLAlchemy 2: else no INSERT rowcount
    )
    # the statements below join the new requirements: plan them with figures that know them
    analyze_after_bulk_write(Requirement.__tablename__, cast(CursorResult, written).rowcount)
    still_reached = (
        select(AssignmentTarget.employee_id)
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .outerjoin(AssignmentModule, AssignmentModule.assignment_id == Assignment.id)
        .where(
            AssignmentTarget.employee_id == Requirement.employee_id,
            Assignment.removed_at.is_(None),
            Assignment.course_id == Requirement.course_id,
            func.coalesce(AssignmentModule.module_id, 0) == Requirement.module_key,
        )
        .exists()
    )
    gone = [~still_reached]
    if employee_ids is not None:
        gone.append(ids_in(Requirement.employee_id, employee_ids))
    if course_ids is not None:
        gone.append(Requirement.course_id.in_(course_ids))
    orphans = delete(Requirement).where(*gone)
    _before_requirements_deleted(orphans)
    if not rehearsal:
        void_assigned(
            select(Requirement.id.label("item_id")).where(*gone), ref_prefix="requirement:", at=now
        )
    db.session.execute(orphans)
    if not rehearsal:  # a preview's rolled-back run: no statements, no enrolments to count
        _state_new_requirements(employee_ids, course_ids, now)
        _enrol_assigned(employee_ids, now)
    count_prior_completions(employee_ids, course_ids=course_ids, now=now)
    apply_waivers(employee_ids, course_ids=course_ids)
    db.session.flush()


def _state_new_requirements(
    employee_ids: Sequence[int] | None, course_ids: Sequence[int] | None, now: datetime
) -> int:
    """The xAPI "was assigned" statement of each requirement this run created (those whose
    ``created_at`` is this run's ``now``), in one INSERT … SELECT (issue 15)."""
    new = select(
        Requirement.id.label("item_id"),
        Requirement.employee_id,
        Requirement.course_id,
        Requirement.module_id,
    ).where(Requirement.created_at == literal(now, Requirement.created_at.type))
    if employee_ids is not None:
        new = new.where(ids_in(Requirement.employee_id, employee_ids))
    if course_ids is not None:
        new = new.where(Requirement.course_id.in_(course_ids))
    return record_assigned(new, ref_prefix="requirement:", at=now)


def _before_requirements_deleted(statement) -> None:
    """Rows that hang off requirements go with them (SQLite does not cascade without its
    foreign-key pragma); reminders register here."""
    for hook in REQUIREMENT_DELETE_HOOKS:
        hook(statement)


#: callables given the DELETE of requirements about to run (its WHERE picks them)
REQUIREMENT_DELETE_HOOKS: list = []


def _enrol_assigned(employee_ids: Sequence[int] | None, now: datetime) -> None:
    # EXCEPT rather than NOT EXISTS against the table inserted into (see targets.refresh_targets)
    required = select(Requirement.employee_id, Requirement.course_id)
    enrolled = select(Enrolment.employee_id, Enrolment.course_id)
    if employee_ids is not None:
        required = required.where(ids_in(Requirement.employee_id, employee_ids))
        enrolled = enrolled.where(ids_in(Enrolment.employee_id, employee_ids))
    rows = required.except_(enrolled).subquery("unenrolled")
    db.session.execute(
        insert(Enrolment).from_select(
            ["employee_id", "course_id", "source", "enrolled_at"],
            select(
                rows.c.employee_id,
                rows.c.course_id,
                literal(EnrolmentSource.ASSIGNMENT.value),
                literal(now, Enrolment.enrolled_at.type),
            ),
        )
    )


def materialise(assignment: Assignment, *, now: datetime | None = None) -> TargetChanges:
    """Apply one assignment to everyone it reaches (after it was created, changed or removed)
    and bring the requirements of the people it touched in line. Returns the target changes."""
    now = now or utcnow()
    db.session.flush()
    changes = refresh_targets(assignment, now=now)
    sync_requirements(None, course_ids=[assignment.course_id], now=now)
    return changes


def refresh_for_people(employee_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Apply every rule again to the people ``employee_ids`` (joiners, movers, leavers of an
    HR import; over :data:`PEOPLE_LIST_LIMIT` people, to everyone), inside the caller's
    transaction."""
    now = now or utcnow()
    ids: list[int] | None = sorted(set(employee_ids))
    if not ids:
        return
    if len(ids) > PEOPLE_LIST_LIMIT:
        ids = None
    db.session.flush()
    live = db.session.scalars(select(Assignment).where(Assignment.removed_at.is_(None))).all()
    for assignment in live:
        refresh_targets(assignment, employee_ids=ids, now=now)
    sync_requirements(ids, now=now)
