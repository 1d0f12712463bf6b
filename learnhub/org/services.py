"""Reporting-line queries: subtrees and manager chains.

Subtrees, chains and "is below" read the closure of the reporting tree
(:class:`learnhub.org.models.ReportingLine`, kept in step by :mod:`learnhub.org.reporting`):
one index range per manager, whatever the size of the tree, where a recursive CTE re-walked a
director's 100,000 people in every statement (with row estimates far off).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, any_, exists, select
from sqlalchemy.orm import aliased

from learnhub.core.db import int_array
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine

#: ids per IN list (below SQLite's 999 bound-variable default of old versions)
CHUNK = 900


def subtree_ids_query(manager_id: int, *, active_only: bool = True) -> Select:
    """A SELECT of the ids of everyone below ``manager_id`` (direct and indirect reports, not
    the manager), usable as a subquery: ``Employee.id.in_(subtree_ids_query(m))``. With
    ``active_only`` leavers are left out (the people below a leaver are not)."""
    if not active_only:
        return select(ReportingLine.descendant_id.label("id")).where(
            ReportingLine.ancestor_id == manager_id
        )
    return (
        select(Employee.id)
        .join(ReportingLine, ReportingLine.descendant_id == Employee.id)
        .where(ReportingLine.ancestor_id == manager_id, Employee.active.is_(True))
    )


def subtree_ids(manager_id: int, *, active_only: bool = True) -> list[int]:
    """Ids of everyone in ``manager_id``'s subtree (see :func:`subtree_ids_query`)."""
    return list(db.session.scalars(subtree_ids_query(manager_id, active_only=active_only)))


def is_in_subtree(manager_id: int | None, employee_id: int, *, active_only: bool = True) -> bool:
    """True when ``employee_id`` reports to ``manager_id`` directly or indirectly (and, with
    ``active_only``, is active). One primary-key lookup in the closure; the chain may pass
    through managers who have left."""
    if manager_id is None or manager_id == employee_id:
        return False
    line = exists().where(
        ReportingLine.ancestor_id == manager_id, ReportingLine.descendant_id == employee_id
    )
    if active_only:
        line = line.where(Employee.id == ReportingLine.descendant_id, Employee.active.is_(True))
    return bool(db.session.scalar(select(line)))


def manager_chain_ids(employee_ids: Iterable[int]) -> set[int]:
    """Every manager above any of ``employee_ids`` (their managers, and theirs, up to the top).

    Returns a set of employee ids; empty when nobody has a manager. Read from the closure:
    one query on PostgreSQL (the ids as one array parameter), one per 900 employees elsewhere.
    """
    ids = sorted(set(employee_ids))
    found: set[int] = set()
    if ids and db.session.get_bind().dialect.name == "postgresql":  # one array parameter
        return set(
            db.session.scalars(
                select(ReportingLine.ancestor_id)
                .where(ReportingLine.descendant_id == any_(int_array(ids)))
                .distinct()
            )
        )
    # one statement per CHUNK ids: IN lists stay under SQLite's bound-variable limit
    for start_at in range(0, len(ids), CHUNK):
        found.update(
            db.session.scalars(
                select(ReportingLine.ancestor_id)
                .where(ReportingLine.descendant_id.in_(ids[start_at : start_at + CHUNK]))
                .distinct()
            )
        )
    return found


def managers_bottom_up(employee_ids: Iterable[int], manager_ids: Iterable[int] = ()) -> list[int]:
    """The managers above ``employee_ids``, plus ``manager_ids`` and the managers above them,
    ordered so that every manager comes after all of its reports among them (deepest first):
    :func:`managers_by_level`, one level after the other."""
    return [m for level in managers_by_level(employee_ids, manager_ids) for m in level]


def managers_by_level(
    employee_ids: Iterable[int], manager_ids: Iterable[int] = ()
) -> list[list[int]]:
    """The managers above ``employee_ids``, plus ``manager_ids`` and the managers above them,
    in levels: level 0 the managers of ``employee_ids`` and ``manager_ids`` themselves, each
    manager placed at the highest level at which any of the chains reaches it, so that all of
    a manager's reports among them are in lower levels and nobody in a level reports to
    another of it. Each level sorted by id; empty levels never appear.

    One query per level of the tree (a chain of 6 managers: 6 small queries). Stops on a cycle.
    """
    level_of: dict[int, int] = {m: 0 for m in manager_ids}
    current = set(level_of)
    starts = sorted(set(employee_ids))
    for start_at in range(0, len(starts), CHUNK):
        current |= set(
            db.session.scalars(
                select(Employee.manager_id).where(
                    Employee.id.in_(starts[start_at : start_at + CHUNK]),
                    Employee.manager_id.is_not(None),
                )
            )
        )
    level = 0
    while current and level <= len(level_of) + 1:
        for manager in current:
            level_of[manager] = level
        level += 1
        ids, current = sorted(current), set()
        for start_at in range(0, len(ids), CHUNK):
            current |= set(
                db.session.scalars(
                    select(Employee.manager_id).where(
                        Employee.id.in_(ids[start_at : start_at + CHUNK]),
                        Employee.manager_id.is_not(None),
                    )
                )
            )
    levels: list[list[int]] = [[] for _ in range(max(level_of.values(), default=-1) + 1)]
    for manager in sorted(level_of):
        levels[level_of[manager]].append(manager)
    return [members for members in levels if members]


def has_reports(employee_id: int) -> bool:
    """True when someone active reports to ``employee_id`` (the derived manager role)."""
    return bool(
        db.session.scalar(
            select(exists().where(Employee.manager_id == employee_id, Employee.active.is_(True)))
        )
    )


def all_manager_ids() -> list[int]:
    """Ids of every active employee with at least one active direct report."""
    report = aliased(Employee)
    return list(
        db.session.scalars(
            select(Employee.id)
            .where(Employee.active.is_(True))
            .where(exists().where(report.manager_id == Employee.id, report.active.is_(True)))
            .order_by(Employee.id)
        )
    )


def get_by_email(email: str) -> Employee | None:
    """The employee with ``email``, compared case-insensitively (emails are stored lower-case)."""
    return db.session.scalar(select(Employee).where(Employee.email == email.strip().lower()))
