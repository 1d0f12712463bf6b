"""The staged plan's look-ups of people outside the file (:mod:`.staging`, PostgreSQL), each
shaped so that the planner probes an index for the few instead of joining 100,000 rows twice.

Profiled on the bench's "same file again" (100,000 rows, bench/hr_import.py): the leavers and
the emails held outside the file were two anti-joins of the employees with the file (0.11 s
and 0.14 s), now one; the managers outside the file an anti-join of the file with itself
(0.08 s), now the distinct managers (one per 8 people) probed by the file's unique index; the
"differs only in letter case" warning read every employee number into Python (0.18 to 0.54 s
with 1,000 to 3,000 people added), now only the numbers that can be someone's twin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from learnhub.extensions import db
from learnhub.org.hr_import.lookups import Person, case_twins
from learnhub.org.hr_import.staging import SMALL, Stage


def _run(sql: str, params: dict | None = None) -> Any:
    return db.session.execute(text(sql), params or {})


def people_outside(stage: Stage, source: str, full: bool) -> tuple[dict[str, int], bool]:
    """({number: id} of the active people of ``source`` missing from the file, which a full
    sync makes leavers (empty when not ``full``); whether an email of the file belongs to
    someone who is not in the file (the row path's :func:`..checks.check_emails` error)).

    A full sync reads both from one anti-join of the employees with the file (the people not
    in it are few); a delta file (few rows) probes the employees' email index from its rows.
    """
    if not full:
        taken = _run(
            f"SELECT EXISTS (SELECT 1 FROM {stage.rows} s JOIN employees e ON e.email = s.email "
            "WHERE e.employee_number <> s.employee_number AND NOT EXISTS (SELECT 1 FROM "
            f"{stage.rows} f WHERE f.employee_number = e.employee_number))"
        ).scalar_one()
        return {}, bool(taken)
    # OFFSET 0: the anti-join first, then each email it leaves probed by the file's unique
    # index of emails (a scalar subquery: an EXISTS was turned into a hash of every email)
    found = _run(
        "SELECT * FROM (SELECT o.employee_number, o.id, o.leaving, (SELECT true FROM "
        f"{stage.rows} f WHERE f.email = o.email) IS NOT NULL AS taken FROM (SELECT "
        "e.employee_number, e.id, e.email, (e.source = :source AND e.active IS true) "
        "AS leaving FROM employees e "
        f"WHERE NOT EXISTS (SELECT 1 FROM {stage.rows} s WHERE s.employee_number = "
        "e.employee_number) OFFSET 0) o) x WHERE x.leaving OR x.taken",
        {"source": source},
    ).all()
    leaving = {number: id_ for number, id_, left, _taken in found if left}
    return leaving, any(taken for *_rest, taken in found)


def outside_managers(stage: Stage, leaving: dict[str, int]) -> dict[str, Person] | None:
    """{number: Person} of the managers the file names but does not hold; None when one of
    them is unknown, has left or leaves now (the row path's manager errors). The distinct
    managers first (``OFFSET 0`` keeps them apart), each looked up by the file's unique index
    of numbers and the employees'."""
    found = _run(
        "SELECT m.number, e.id, e.active, e.source FROM (SELECT DISTINCT "
        f"manager_employee_number AS number FROM {stage.rows} WHERE manager_employee_number "
        "<> '' OFFSET 0) m LEFT JOIN employees e ON e.employee_number = m.number "
        f"WHERE NOT EXISTS (SELECT 1 FROM {stage.rows} s WHERE s.employee_number = m.number)"
    ).all()
    outside = {}
    for number, id_, active, source in found:
        if id_ is None or not active or number in leaving:
            return None
        outside[number] = Person(id_, number, active, source)
    return outside


def staged_case_twins(stage: Stage, added: list[str], others: list[str]) -> list[str]:
    """:func:`..lookups.case_twins` of a staged plan (``added``: its new numbers in file
    order; ``others``: the file's other numbers), the same warnings: only the numbers of
    LearnHub and of the file whose ASCII letters lower-cased equal a new number's, or that
    hold a character beyond ASCII, are read (every twin is among them: two ASCII numbers
    are twins only when their ASCII letters lower-cased are equal). More than SMALL new
    numbers, or one beyond ASCII (whose ``str.lower`` may meet an ASCII one), make it read
    every number, as the row path does."""
    if not added:
        return []
    if len(added) > SMALL or not all(number.isascii() for number in added):
        # many new people (a first sync): every number read is cheaper than narrowing
        return case_twins(added, others)
    # lower() in the "C" collation lower-cases ASCII letters only (translate() cost 0.27 s
    # at 100,000 numbers); octet_length differs from length for a number beyond ASCII
    fold = 'lower(n COLLATE "C")'
    wanted = (
        f'{fold} IN (SELECT lower(employee_number COLLATE "C") FROM {stage.changes} '
        "WHERE id IS NULL) OR octet_length(n) <> length(n)"
    )
    candidates = _run(
        f"SELECT n FROM (SELECT employee_number AS n FROM employees) e WHERE {wanted} "
        f"UNION ALL SELECT n FROM (SELECT employee_number AS n FROM {stage.rows}) f WHERE {wanted}"
    ).scalars()
    return case_twins(added, [], held=candidates)  # the file's possible twins are in them
