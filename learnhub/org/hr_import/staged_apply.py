"""Applying a staged plan (:mod:`.staging`, PostgreSQL) from its temporary tables: a few
``INSERT … SELECT`` / ``UPDATE … FROM`` statements touching only the people who change, with no
row in Python.

The same writes as the row path of :mod:`.apply` (tests/org/test_hr_import_paths.py compares the
tables): job roles for new codes (titled by the first row naming them), org units, emails
handed over parked on placeholders, new people with ids drawn from the sequence first (so new
managers are known in the same statement), changed people by one UPDATE, leavers deactivated,
the reporting-line closure refreshed for the people added or moved. Flushes, never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.hr_import.plan import ImportPlan, Progress
from learnhub.org.hr_import.staging import SEP, SMALL, Stage

#: the file's field -> (the employees column, its value from the staged row ``s``)
WRITES = {
    "first_name": ("first_name", "s.first_name"),
    "last_name": ("last_name", "s.last_name"),
    "email": ("email", "s.email"),
    "job_title": ("job_title", "nullif(s.job_title, '')"),
    "job_code": ("job_role_id", "r.id"),
    "department": ("org_unit_id", "u.id"),
    "manager_employee_number": ("manager_id", "coalesce(mn.id, me.id)"),
    "hire_date": ("hire_date", "CAST(nullif(s.hire_date, '') AS date)"),
}


#: a changed row's manager among the people already there, by index (a scalar subquery: the
#: planner turns a join into a hash of every employee, 40 ms for a file of 1,000 rows)
MANAGER_BY_INDEX = (
    "coalesce(mn.id, (SELECT m.id FROM employees m WHERE m.employee_number = "
    "s.manager_employee_number))"
)


def _run(sql: str, params: dict | None = None) -> Any:
    return db.session.execute(text(sql), params or {})


def _ids(joined: str | None) -> list[int]:
    return list(map(int, joined.split(","))) if joined else []


def ensure_roles(stage: Stage) -> None:
    """Job roles for the codes of changing rows that have none, titled by the first such row's
    job title (else the code), created in the order the file first names them."""
    _run(
        "INSERT INTO job_roles (code, title) SELECT s.job_code, coalesce(nullif(s.job_title, "
        "''), s.job_code) FROM (SELECT s.job_code, min(s.ord) AS ord FROM "
        f"{stage.changes} s WHERE s.job_code <> '' "
        f"GROUP BY s.job_code) AS f JOIN {stage.changes} s ON s.ord = f.ord WHERE NOT EXISTS "
        "(SELECT 1 FROM job_roles r WHERE r.code = s.job_code) ORDER BY f.ord"
    )


def _joins(stage: Stage, new: str, given: frozenset[str], small: bool) -> str:
    joins = ""
    if "job_code" in given:
        joins += " LEFT JOIN job_roles r ON r.code = s.job_code"
    if "department" in given:
        joins += (
            " LEFT JOIN (SELECT * FROM unnest(string_to_array(:unit_names, chr(31)), "
            "CAST(string_to_array(:unit_ids, ',') AS integer[])) AS x(name, id)) u "
            "ON u.name = s.department"
        )
    if "manager_employee_number" in given:
        joins += f" LEFT JOIN {new} mn ON mn.employee_number = s.manager_employee_number"
        if not small:  # a few rows look their manager up by index instead (MANAGER_BY_INDEX)
            joins += " LEFT JOIN employees me ON me.employee_number = s.manager_employee_number"
    return joins


def apply_staged(
    plan: ImportPlan, unit_ids: dict[str, int], progress: Progress | None = None
) -> tuple[list[int], list[int], list[int]]:
    """Write the people of a staged plan (roles and units already there: ``unit_ids`` {name:
    id}). Returns (ids added, ids updated, ids whose manager changed)."""
    stage = plan.stage
    assert stage is not None
    given = plan.given
    now = utcnow()
    new = stage.changes.replace("hr_changes", "hr_new")
    params = {
        "source": plan.source,
        "now": now,
        "unit_names": SEP.join(unit_ids),
        "unit_ids": ",".join(map(str, unit_ids.values())),
    }
    if "email" in given:
        _run(
            "UPDATE employees e SET email = 'moving-' || e.id || '@placeholder.invalid' "
            f"FROM {stage.changes} s WHERE e.id = s.id "
            f"AND e.email <> s.email AND EXISTS (SELECT 1 FROM {stage.rows} f "
            'WHERE f.email COLLATE "C" = e.email)'
        )
    added: list[int] = []
    small = len(plan.added) + len(plan.updated) <= SMALL
    joins = _joins(stage, new, given, small)
    names = [WRITES[f][0] for f in WRITES if f in given]
    values = [WRITES[f][1] for f in WRITES if f in given]
    if small and "manager_employee_number" in given:
        values[names.index("manager_id")] = MANAGER_BY_INDEX
    if plan.added or "manager_employee_number" in given:  # the joins read the new ones
        sequence = _run("SELECT pg_get_serial_sequence('employees', 'id')").scalar_one()
        _run(
            f"CREATE TEMP TABLE {new} ON COMMIT DROP AS SELECT nextval(CAST(:seq AS regclass)) "
            f"AS id, ord, employee_number FROM {stage.changes} WHERE id IS NULL ORDER BY ord",
            {"seq": sequence},
        )
    if plan.added:
        _run(
            f"INSERT INTO employees (id, employee_number, {', '.join(names)}, active, left_at, "
            f"source, created_at, updated_at) SELECT n.id, s.employee_number, "
            f"{', '.join(values)}, true, NULL, :source, :now, :now FROM {new} n "
            f"JOIN {stage.changes} s ON s.ord = n.ord{joins} ORDER BY n.id",
            params,
        )
        added = _ids(_run(f"SELECT string_agg(id::text, ',' ORDER BY id) FROM {new}").scalar_one())
    if progress:
        progress("apply", len(added), len(plan.added) + len(plan.updated) + len(plan.left))
    if not plan.updated:
        return added, [], []
    assignments = ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True))
    moved, updated = _run(
        f"WITH u AS (UPDATE employees e SET {assignments}, active = true, left_at = NULL, "
        f"source = :source, updated_at = :now FROM {stage.changes} s{joins} "
        "WHERE s.id IS NOT NULL AND e.id = s.id "
        "RETURNING e.id, e.manager_id, s.old_manager_id) "
        "SELECT string_agg(id::text, ',') FILTER (WHERE manager_id IS DISTINCT FROM "
        "old_manager_id), string_agg(id::text, ',') FROM u",
        params,
    ).one()
    return added, _ids(updated), _ids(moved)


def still_there(stage: Stage) -> bool:
    """Whether the plan's tables exist (they go when the planning transaction ends)."""
    return _run(f"SELECT to_regclass('pg_temp.{stage.changes}') IS NOT NULL").scalar_one()


def updated_ids(stage: Stage) -> list[int]:
    """The ids of the people a staged plan changes (before it is applied)."""
    return _ids(
        _run(
            f"SELECT string_agg(id::text, ',') FROM {stage.changes} WHERE id IS NOT NULL"
        ).scalar_one()
    )


def deactivate(left_ids: list[int]) -> None:
    """Make ``left_ids`` leavers, in one statement."""
    if left_ids:
        now = utcnow()
        _run(
            "UPDATE employees SET active = false, left_at = :now, updated_at = :now "
            "WHERE id = ANY(CAST(string_to_array(:ids, ',') AS integer[]))",
            {"now": now, "ids": ",".join(map(str, left_ids))},
        )
