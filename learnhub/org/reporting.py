"""The closure of the reporting tree (:class:`learnhub.org.models.ReportingLine`), kept in step
with ``Employee.manager_id`` in the transaction that changes it.

- Bulk writers (the HR import) call :func:`refresh_reporting_lines` with the people whose
  manager changed or who are new, after their rows are written;
- every ORM flush that adds people, changes a ``manager_id`` (or ``manager``) or deletes people
  refreshes the closure itself (:func:`_follow_the_flush`, listened for by ``org.init_app``),
  so tests, the demo and any future code writing through the ORM cannot leave it stale;
- :func:`rebuild_reporting_lines` recomputes it whole (migration, benchmarks, large moves).

Moving one person moves their whole subtree: the lines of everyone in it are recomputed by a
walk up the tree from each of them (a recursive CTE over ``manager_id``), a chain as long as
the tree is deep. The statements are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import (
    Select,
    any_,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import InstanceState, Session, aliased

from learnhub.core.db import int_array
from learnhub.extensions import db
from learnhub.org.models import Employee, ReportingLine

logger = logging.getLogger(__name__)

#: ids per IN list (below SQLite's 999 bound-variable default of old versions)
CHUNK = 900
#: a walk up stops here: no organisation is this deep, and a reporting cycle (which the HR
#: import rejects) then fails on the closure's primary key instead of recursing for ever
MAX_DEPTH = 1000
#: when a change reaches more people than this, rebuilding the whole closure is cheaper than
#: deleting and re-walking their lines chunk by chunk (about 1 s at 100,000 people)
REBUILD_ABOVE = 20_000


def _lines_above(employee_ids: list[int] | None, *, as_array: bool = False) -> Select:
    """SELECT (ancestor_id, descendant_id, depth) of every line above ``employee_ids`` (all
    people when None), walking ``manager_id`` upwards."""
    start = select(
        Employee.manager_id.label("ancestor_id"),
        Employee.id.label("descendant_id"),
        literal(1).label("depth"),
    ).where(Employee.manager_id.is_not(None))
    if employee_ids is not None:
        start = start.where(
            Employee.id == any_(int_array(employee_ids))
            if as_array
            else Employee.id.in_(employee_ids)
        )
    up = start.cte("up", recursive=True)
    parent = aliased(Employee)
    up = up.union_all(
        select(parent.manager_id, up.c.descendant_id, up.c.depth + 1).where(
            parent.id == up.c.ancestor_id,
            parent.manager_id.is_not(None),
            up.c.depth < MAX_DEPTH,
        )
    )
    return select(up.c.ancestor_id, up.c.descendant_id, up.c.depth)


def _insert_lines(
    session: Session,
    employee_ids: list[int] | None,
    *,
    as_array: bool = False,
    ordered: bool = True,
) -> None:
    lines = _lines_above(employee_ids, as_array=as_array).subquery()
    query = select(lines)
    if ordered:
        # in primary-key order: the index grows at its right edge, not by random splits
        query = query.order_by(lines.c.ancestor_id, lines.c.descendant_id)
    session.execute(
        insert(ReportingLine).from_select(["ancestor_id", "descendant_id", "depth"], query)
    )


def rebuild_reporting_lines(session: Session | None = None, *, ordered: bool = True) -> int:
    """Recompute the whole closure from ``manager_id``; returns how many lines it holds.
    Two statements whatever the size; flushes nothing, never commits. ``ordered`` false:
    the lines go in as computed (for a table whose indexes are dropped meanwhile, which
    sort when rebuilt: see :mod:`learnhub.org.hr_import.bulk`)."""
    session = session if session is not None else db.session()  # the app context's Session
    session.execute(delete(ReportingLine))
    _insert_lines(session, None, ordered=ordered)
    return session.scalar(select(func.count()).select_from(ReportingLine)) or 0


def refresh_reporting_lines(employee_ids: Iterable[int], session: Session | None = None) -> int:
    """Bring the closure in step after ``employee_ids`` got a new manager (or none) or were
    added: the lines of each of them and of everyone below them are recomputed. Call it after
    their rows are written, in the same transaction. Returns how many people's lines were
    recomputed. Never commits.

    Everyone whose ancestors changed is in the subtree (before the change) of someone whose
    manager changed, which the closure still holds until this runs.
    """
    session = session if session is not None else db.session()  # the app context's Session
    moved = sorted(set(employee_ids))
    if not moved:
        return 0
    affected = set(moved)
    if session.get_bind().dialect.name == "postgresql":  # one array parameter, no IN text
        affected.update(
            session.scalars(
                select(ReportingLine.descendant_id).where(
                    ReportingLine.ancestor_id == any_(int_array(moved))
                )
            )
        )
    else:
        for start in range(0, len(moved), CHUNK):
            affected.update(
                session.scalars(
                    select(ReportingLine.descendant_id).where(
                        ReportingLine.ancestor_id.in_(moved[start : start + CHUNK])
                    )
                )
            )
    if len(affected) > REBUILD_ABOVE:
        rebuild_reporting_lines(session)
        return len(affected)
    people = sorted(affected)
    if session.get_bind().dialect.name == "postgresql":  # two statements, whatever the count
        session.execute(
            delete(ReportingLine).where(ReportingLine.descendant_id == any_(int_array(people)))
        )
        _insert_lines(session, people, as_array=True)
        return len(people)
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        session.execute(delete(ReportingLine).where(ReportingLine.descendant_id.in_(chunk)))
        _insert_lines(session, chunk)
    return len(people)


def _forget(employee_ids: list[int], session: Session) -> None:
    for start in range(0, len(employee_ids), CHUNK):
        chunk = employee_ids[start : start + CHUNK]
        session.execute(
            delete(ReportingLine).where(
                or_(ReportingLine.ancestor_id.in_(chunk), ReportingLine.descendant_id.in_(chunk))
            )
        )


def install_flush_hook() -> None:
    """Listen for :func:`_follow_the_flush` on the ``db`` session factory (every session it
    makes), once however many apps are created (tests create several)."""
    if not event.contains(db.session, "after_flush", _follow_the_flush):
        event.listen(db.session, "after_flush", _follow_the_flush)


def _follow_the_flush(session: Session, _context: object) -> None:
    """Keep the closure in step with ORM writes: people added with a manager, people whose
    manager changed, people deleted. Bulk Core statements do not pass here (the HR import
    calls :func:`refresh_reporting_lines` itself)."""
    moved = [
        obj.id for obj in session.new if isinstance(obj, Employee) and obj.manager_id is not None
    ]
    for obj in session.dirty:
        if isinstance(obj, Employee):
            state: InstanceState[Employee] = inspect(obj)
            if (
                state.attrs.manager_id.history.has_changes()
                or state.attrs.manager.history.has_changes()
            ):
                moved.append(obj.id)
    gone = [obj.id for obj in session.deleted if isinstance(obj, Employee)]
    if gone:
        _forget(gone, session)
    if moved:
        refresh_reporting_lines(moved, session)
