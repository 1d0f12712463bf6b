"""Assignments made real: who each one reaches now (targets) and each person's requirements.

Everything here is set-based (issue 10: at 100,000 people an assignment to everyone is
materialised in SQL, no per-person ORM loop): one DELETE and one INSERT … SELECT of targets
per assignment, one upsert and one DELETE of requirements, and a few UPDATEs for completions
made before the assignment. The only per-row Python is the due-date calendar, one row per
time zone and base date (:mod:`learnhub.org.time_zones`), joined into the INSERT.

Rules (kinds of :class:`AudienceKind`) are applied again whenever people change: the HR import
sends ``people_changed``/``people_left`` inside its transaction and
:func:`refresh_for_people` runs there, so a joiner gets the rule's requirement with their own
relative due date, a mover gets their new unit's and drops their old one's, a leaver drops out,
all in the import's one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)

from learnhub.assignments.models import (
    NO_BASE_DATE,
    Assignment,
    AssignmentModule,
    AssignmentPerson,
    AssignmentTarget,
    AudienceKind,
    DueCalendar,
    DueKind,
    Requirement,
)
from learnhub.core.db import dialect_insert
from learnhub.core.models import utcnow
from learnhub.core.sqltime import sql_add_days
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.org.time_zones import end_of_day, local_date, zone_named
from learnhub.progress.models import Enrolment, EnrolmentSource
from learnhub.progress.xapi.assigned import record_assigned

logger = logging.getLogger(__name__)

#: above this many people changed, the rules are applied to everyone instead of to a list
PEOPLE_LIST_LIMIT = 1000


def unit_and_sub_units(unit_id: int) -> list[int]:
    """``unit_id`` and every unit below it (org units are few: read once, walked in Python)."""
    children: dict[int | None, list[int]] = {}
    for child, parent in db.session.execute(select(OrgUnit.id, OrgUnit.parent_id)):
        children.setdefault(parent, []).append(child)
    found, stack = [], [unit_id]
    while stack:
        current = stack.pop()
        if current in found:  # a cycle in the HR data never loops forever
            continue
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def audience_query(assignment: Assignment) -> Select:
    """SELECT of the ids of the active people ``assignment`` reaches now (leavers never)."""
    query = select(Employee.id).where(Employee.active.is_(True))
    kind = assignment.audience
    if kind == AudienceKind.ORG_UNIT:
        units = (
            unit_and_sub_units(int(assignment.org_unit_id or 0))
            if assignment.include_sub_units
            else [assignment.org_unit_id]
        )
        query = query.where(Employee.org_unit_id.in_(units))
    elif kind == AudienceKind.JOB_ROLE:
        query = query.where(Employee.job_role_id == assignment.job_role_id)
    elif kind == AudienceKind.PEOPLE:
        query = query.where(
            Employee.id.in_(
                select(AssignmentPerson.employee_id).where(
                    AssignmentPerson.assignment_id == assignment.id
                )
            )
        )
    elif kind == AudienceKind.NEW_JOINERS:
        since = assignment.joiners_since or local_date(utcnow(), zone_named(""))
        # people without a hire date: added on or after that day, the organisation's time
        start = end_of_day(since - timedelta(days=1), zone_named(""))
        query = query.where(
            or_(
                Employee.hire_date >= since,
                and_(Employee.hire_date.is_(None), Employee.created_at >= start),
            )
        )
    return query


def _zone_column() -> ColumnElement[str]:
    return func.coalesce(Employee.timezone, "")


def due_instant(assignment: Assignment, zone_name: str, base: date | None, now: datetime):
    """``(base_date, due_at)`` for one person of ``assignment``: the day the due date counts
    from and the end of the due day in the zone ``zone_name`` ("" or unknown: the
    organisation's). ``base``: the day a relative due date counts from — the hire date for
    ``after_hire``, or a target's own base day when a changed due date is counted again
    (:func:`recount_due_dates`); None: the day the assignment reaches them (``now`` there).
    Ignored for a fixed date."""
    where = zone_named(zone_name)
    if assignment.due_kind == DueKind.FIXED and assignment.due_date is not None:
        return NO_BASE_DATE, end_of_day(assignment.due_date, where)
    start = base if base is not None else local_date(now, where)
    return start, end_of_day(start + timedelta(days=assignment.due_days or 0), where)


def _write_calendar(assignment: Assignment, keys: Iterable[tuple[str, date]], now: datetime):
    """Replace ``assignment``'s calendar by one row per ``(zone, base_key)``."""
    db.session.execute(delete(DueCalendar).where(DueCalendar.assignment_id == assignment.id))
    rows = []
    for zone_name, base_key in set(keys):
        base = None if base_key == NO_BASE_DATE else base_key
        base_date, due_at = due_instant(assignment, zone_name, base, now)
        rows.append(
            {
                "assignment_id": assignment.id,
                "zone": zone_name,
                "base_key": base_key,
                "base_date": base_date,
                "due_at": due_at,
            }
        )
    if rows:
        db.session.execute(insert(DueCalendar), rows)


@dataclass
class TargetChanges:
    """People an assignment reached (``added``) and stopped reaching (``removed``)."""

    added: int = 0
    removed: int = 0


def refresh_targets(
    assignment: Assignment, *, employee_ids: Sequence[int] | None = None, now: datetime
) -> TargetChanges:
    """Bring ``assignment``'s targets in line with its audience (all of it, or only the people
    ``employee_ids``): people no longer in it are removed, people newly in it are added with
    their due instant. A removed assignment loses every target. Flushes; returns the counts."""
    changes = TargetChanges()
    scope = [] if employee_ids is None else [AssignmentTarget.employee_id.in_(employee_ids)]
    stale = delete(AssignmentTarget).where(AssignmentTarget.assignment_id == assignment.id, *scope)
    if assignment.removed_at is None:
        stale = stale.where(AssignmentTarget.employee_id.not_in(audience_query(assignment)))
    changes.removed = cast(CursorResult, db.session.execute(stale)).rowcount or 0
    if assignment.removed_at is not None:
        return changes

    by_hire = assignment.due_kind == DueKind.AFTER_HIRE
    base_key = func.coalesce(Employee.hire_date, NO_BASE_DATE) if by_hire else literal(NO_BASE_DATE)
    newcomers = [
        Employee.id.in_(audience_query(assignment)),
        ~exists().where(
            AssignmentTarget.assignment_id == assignment.id,
            AssignmentTarget.employee_id == Employee.id,
        ),
    ]
    if employee_ids is not None:
        newcomers.append(Employee.id.in_(employee_ids))
    keys = db.session.execute(select(_zone_column(), base_key).where(*newcomers).distinct())
    _write_calendar(assignment, ((z, b) for z, b in keys), now)
    # The newcomers as an EXCEPT, not the NOT EXISTS above: against the table being inserted
    # into, PostgreSQL may plan the anti-join as a nested loop rescanning it (when its
    # statistics say it is empty), and each rescan reads the rows inserted so far: quadratic
    # (minutes at 100,000 people). EXCEPT reads the existing targets once, before any insert.
    audience = audience_query(assignment)
    if employee_ids is not None:
        audience = audience.where(Employee.id.in_(employee_ids))
    fresh = audience.except_(
        select(AssignmentTarget.employee_id).where(AssignmentTarget.assignment_id == assignment.id)
    ).subquery("newcomer_ids")
    added = (
        select(
            literal(assignment.id),
            Employee.id,
            literal(now, AssignmentTarget.assigned_at.type),
            DueCalendar.base_date,
            DueCalendar.zone,
            DueCalendar.due_at,
        )
        .join(
            DueCalendar,
            and_(
                DueCalendar.assignment_id == assignment.id,
                DueCalendar.zone == _zone_column(),
                DueCalendar.base_key == base_key,
            ),
        )
        .where(Employee.id == fresh.c.id)
    )
    inserted = db.session.execute(
        insert(AssignmentTarget)
        .from_select(
            ["assignment_id", "employee_id", "assigned_at", "base_date", "zone", "due_at"],
            added,
        )
        # SQLAlchemy keeps the rowcount of UPDATE and DELETE only: an INSERT's is -1 on
        # psycopg unless asked for
        .execution_options(preserve_rowcount=True)
    )
    changes.added = cast(CursorResult, inserted).rowcount or 0
    return changes


def recount_due_dates(assignment: Assignment, *, now: datetime) -> int:
    """After ``assignment``'s due date or days changed: every target's due instant counted
    again from its own base date and zone (one UPDATE); returns how many targets."""
    keys = db.session.execute(
        select(AssignmentTarget.zone, AssignmentTarget.base_date)
        .where(AssignmentTarget.assignment_id == assignment.id)
        .distinct()
    )
    _write_calendar(assignment, ((z, b) for z, b in keys), now)
    due = (
        select(DueCalendar.due_at)
        .where(
            DueCalendar.assignment_id == assignment.id,
            DueCalendar.zone == AssignmentTarget.zone,
            DueCalendar.base_key == AssignmentTarget.base_date,
        )
        .scalar_subquery()
    )
    result = db.session.execute(
        AssignmentTarget.__table__.update()
        .where(AssignmentTarget.assignment_id == assignment.id)
        .values(due_at=due)
    )
    return cast(CursorResult, result).rowcount or 0


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
        query = query.where(AssignmentTarget.employee_id.in_(employee_ids))
    if course_ids is not None:
        query = query.where(Assignment.course_id.in_(course_ids))
    return query


def sync_requirements(
    employee_ids: Sequence[int] | None = None,
    *,
    course_ids: Sequence[int] | None = None,
    now: datetime,
) -> None:
    """Fold the targets of every live assignment into requirements (all people, or only
    ``employee_ids``; all courses, or only ``course_ids``): one per person and item, due at
    the earliest source's due instant;
    requirements no assignment reaches any more are deleted; assigned courses are enrolled
    (source ``assignment``); completions made before the assignment are counted
    (:func:`learnhub.assignments.completion.count_prior_completions`), and so are test-outs
    (:func:`learnhub.assignments.waivers.apply_waivers`). Flushes."""
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
    db.session.execute(
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
        )
    )
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
    orphans = delete(Requirement).where(~still_reached)
    if employee_ids is not None:
        orphans = orphans.where(Requirement.employee_id.in_(employee_ids))
    if course_ids is not None:
        orphans = orphans.where(Requirement.course_id.in_(course_ids))
    _before_requirements_deleted(orphans)
    db.session.execute(orphans)
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
        new = new.where(Requirement.employee_id.in_(employee_ids))
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
    # EXCEPT rather than NOT EXISTS against the table inserted into (see refresh_targets)
    required = select(Requirement.employee_id, Requirement.course_id)
    enrolled = select(Enrolment.employee_id, Enrolment.course_id)
    if employee_ids is not None:
        required = required.where(Requirement.employee_id.in_(employee_ids))
        enrolled = enrolled.where(Enrolment.employee_id.in_(employee_ids))
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
