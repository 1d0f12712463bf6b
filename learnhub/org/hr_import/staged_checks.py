"""The staged plan's look-ups of people outside the file and of loops in the reporting lines
(:mod:`.staging`, PostgreSQL), each shaped so that the planner probes an index for the few
instead of joining 100,000 rows twice.

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


def people_outside(
    stage: Stage, source: str, full: bool, *, emails: bool = True
) -> tuple[dict[str, int], bool]:
    """({number: id} of the active people of ``source`` missing from the file, which a full
    sync makes leavers (empty when not ``full``); whether an email of the file belongs to
    someone who is not in the file (the row path's :func:`..checks.check_emails` error)).

    A full sync reads both from one anti-join of the employees with the file (the people not
    in it are few); a delta file (few rows) probes the employees' email index from its rows.
    ``emails`` false: no row of the file adds or changes anyone (every email is its own
    person's, held by no one else: :func:`.staging.index_emails`), so none is taken and the
    file's emails (not indexed then) are not read.
    """
    if not emails:
        if not full:
            return {}, False
        found = _run(
            "SELECT e.employee_number, e.id FROM employees e WHERE e.source = :source AND "
            f"e.active IS true AND NOT EXISTS (SELECT 1 FROM {stage.rows} s "
            "WHERE s.employee_number = e.employee_number)",
            {"source": source},
        ).all()
        return dict(found), False
    if not full:
        taken = _run(
            f"SELECT EXISTS (SELECT 1 FROM {stage.rows} s JOIN employees e ON e.email = s.email "
            "WHERE e.employee_number <> s.employee_number AND NOT EXISTS (SELECT 1 FROM "
            f"{stage.rows} f WHERE f.employee_number = e.employee_number))"
        ).scalar_one()
        return {}, bool(taken)
    # OFFSET 0: the anti-join first, then each email it leaves probed by the file's unique
    # index of emails (a scalar subquery: an EXISTS was turned into a hash of every email;
    # COLLATE "C", the index's: see staging.index_file)
    found = _run(
        "SELECT * FROM (SELECT o.employee_number, o.id, o.leaving, (SELECT true FROM "
        f'{stage.rows} f WHERE f.email COLLATE "C" = o.email) IS NOT NULL AS taken FROM (SELECT '
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


def staged_case_twins(stage: Stage, added: list[str]) -> list[str]:
    """:func:`..lookups.case_twins` of a staged plan (``added``: its new numbers in file
    order), the same warnings: the file's other numbers are people LearnHub holds (updated
    or unchanged), so only the numbers of LearnHub and of the file whose ASCII letters
    lower-cased equal a new number's, or that hold a character beyond ASCII, are read
    (every twin is among them: two ASCII numbers are twins only when their ASCII letters
    lower-cased are equal). More than SMALL new numbers, or one beyond ASCII (whose
    ``str.lower`` may meet an ASCII one), make it read every number LearnHub holds, as the
    row path does."""
    if not added:
        return []
    if len(added) > SMALL or not all(number.isascii() for number in added):
        # many new people (a first sync): every number read is cheaper than narrowing
        return case_twins(added, [])
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


def has_cycle(stage: Stage, closed: bool, relinked: int) -> bool:
    """Whether a reporting line the file adds or changes closes a loop (with the lines
    LearnHub holds for people not in the file), or a walk up runs past 1,000 levels.

    ``closed``: every manager the file names is in it, so a loop can only be made of the
    file's lines: then one walk down from the people without a manager must reach every
    row (a row in or below a loop is never reached). Otherwise each changed line is walked
    up (a loop needs a changed line: LearnHub's lines have none), which is cheaper while
    ``relinked`` (the rows giving someone a new manager) are few."""
    if not relinked:
        return False  # no new line, no new loop
    if closed and relinked > SMALL:
        return bool(
            _run(
                "WITH RECURSIVE down(number) AS (SELECT employee_number FROM "
                f"{stage.rows} WHERE manager_employee_number = '' UNION ALL SELECT "
                f"s.employee_number FROM down d JOIN {stage.rows} s "
                "ON s.manager_employee_number = d.number) "
                f"SELECT (SELECT count(*) FROM down) <> (SELECT count(*) FROM {stage.rows})"
            ).scalar_one()
        )
    return bool(
        _run(
            "WITH RECURSIVE walk(start, node, steps) AS ("
            "SELECT c.employee_number, c.manager_employee_number, 1 "
            f"FROM {stage.changes} c "
            "WHERE (c.id IS NULL OR c.moved) AND c.manager_employee_number <> '' "
            "UNION ALL SELECT w.start, coalesce(s.manager_employee_number, m.employee_number, ''), "
            f"w.steps + 1 FROM walk w LEFT JOIN {stage.rows} s ON s.employee_number = w.node "
            "LEFT JOIN employees e ON s.ord IS NULL AND e.employee_number = w.node "
            "LEFT JOIN employees m ON m.id = e.manager_id "
            "WHERE w.node <> w.start AND w.node <> '' AND w.steps < 1000) "
            "SELECT EXISTS (SELECT 1 FROM walk WHERE node = start OR steps >= 1000)"
        ).scalar_one()
    )


def reporting_to_leavers(stage: Stage, leaving: dict[str, int]) -> list[tuple[str, str, str]]:
    """(number, source, manager's number) of active people not in the file reporting to a
    leaver."""
    if not leaving:
        return []
    rows = _run(
        "SELECT e.employee_number, e.source, m.employee_number FROM employees e "
        "JOIN employees m ON e.manager_id = m.id WHERE e.active IS true "
        "AND e.manager_id = ANY(CAST(string_to_array(:ids, ',') AS integer[])) "
        f"AND NOT EXISTS (SELECT 1 FROM {stage.rows} s WHERE s.employee_number = "
        "e.employee_number)",
        {"ids": ",".join(map(str, leaving.values()))},
    )
    return [(n, s, b) for n, s, b in rows if n not in leaving]
