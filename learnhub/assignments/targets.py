"""Who each assignment reaches now (its targets) and when each of them is due.

The first half of materialising an assignment (:mod:`learnhub.assignments.materialise` folds
the targets into requirements): the audience as a SELECT of people (:func:`audience_query`),
the due-date calendar (one row per time zone and base date, the only per-row Python,
:mod:`learnhub.org.time_zones`), and the set-based refresh of an assignment's targets: one
DELETE of those it no longer reaches and one INSERT … SELECT of those it newly reaches
(issue 10: no per-person ORM loop at 100,000 people).

**Due N days after hire, for people hired long ago** (the rule Totara applies to relative due
dates): when a person's hire date + N days ends before the assignment reaches them, they are
due N days after the day it reaches them instead (a grace equal to the relative period), so
people hired years ago are not overdue (and their managers not reminded) the moment they are
assigned. Their target's ``base_date`` is then that day, so a changed period is counted again
from it; the preview says how many people get the later date (:func:`counted_from_assignment`).
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
)

from learnhub.assignments.models import (
    NO_BASE_DATE,
    Assignment,
    AssignmentPerson,
    AssignmentTarget,
    AudienceKind,
    DueCalendar,
    DueKind,
)
from learnhub.core.db import ids_in
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee, OrgUnit
from learnhub.org.time_zones import end_of_day, local_date, zone_named

logger = logging.getLogger(__name__)


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


def due_instant(
    assignment: Assignment,
    zone_name: str,
    base: date | None,
    now: datetime,
    *,
    reaching: bool = False,
):
    """``(base_date, due_at)`` for one person of ``assignment``: the day the due date counts
    from and the end of the due day in the zone ``zone_name`` ("" or unknown: the
    organisation's). ``base``: the day a relative due date counts from — the hire date for
    ``after_hire``, or a target's own base day when a changed due date is counted again
    (:func:`recount_due_dates`); None: the day the assignment reaches them (``now`` there).
    ``reaching``: the assignment reaches the person at ``now``; then a hire-relative due
    instant before ``now`` counts from ``now``'s day instead (the module docstring's rule).
    Ignored for a fixed date."""
    where = zone_named(zone_name)
    if assignment.due_kind == DueKind.FIXED and assignment.due_date is not None:
        return NO_BASE_DATE, end_of_day(assignment.due_date, where)
    period = timedelta(days=assignment.due_days or 0)
    start = base if base is not None else local_date(now, where)
    due_at = end_of_day(start + period, where)
    if reaching and assignment.due_kind == DueKind.AFTER_HIRE and due_at < now:
        start = local_date(now, where)
        due_at = end_of_day(start + period, where)
    return start, due_at


def _write_calendar(
    assignment: Assignment,
    keys: Iterable[tuple[str, date]],
    now: datetime,
    *,
    reaching: bool = False,
):
    """Replace ``assignment``'s calendar by one row per ``(zone, base_key)`` (``reaching``: as
    :func:`due_instant`'s)."""
    db.session.execute(delete(DueCalendar).where(DueCalendar.assignment_id == assignment.id))
    rows = []
    for zone_name, base_key in set(keys):
        base = None if base_key == NO_BASE_DATE else base_key
        base_date, due_at = due_instant(assignment, zone_name, base, now, reaching=reaching)
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
    scope = [] if employee_ids is None else [ids_in(AssignmentTarget.employee_id, employee_ids)]
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
        newcomers.append(ids_in(Employee.id, employee_ids))
    keys = db.session.execute(select(_zone_column(), base_key).where(*newcomers).distinct())
    _write_calendar(assignment, ((z, b) for z, b in keys), now, reaching=True)
    # The newcomers as an EXCEPT, not the NOT EXISTS above: against the table being inserted
    # into, PostgreSQL may plan the anti-join as a nested loop rescanning it (when its
    # statistics say it is empty), and each rescan reads the rows inserted so far: quadratic
    # (minutes at 100,000 people). EXCEPT reads the existing targets once, before any insert.
    audience = audience_query(assignment)
    if employee_ids is not None:
        audience = audience.where(ids_in(Employee.id, employee_ids))
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


def counted_from_assignment(assignment: Assignment) -> int:
    """How many of ``assignment``'s targets with a hire date are due N days after the day it
    reached them rather than after their hire date (hired too long ago: the module
    docstring's rule); 0 unless it is due after hire. One statement."""
    if assignment.due_kind != DueKind.AFTER_HIRE:
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AssignmentTarget)
            .join(Employee, Employee.id == AssignmentTarget.employee_id)
            .where(
                AssignmentTarget.assignment_id == assignment.id,
                Employee.hire_date.is_not(None),
                AssignmentTarget.base_date != Employee.hire_date,
            )
        )
        or 0
    )
