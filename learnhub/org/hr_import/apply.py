"""Applying a validated HR import plan in the caller's transaction, with bulk statements.

A staged plan (PostgreSQL, :mod:`.staging`) is written from its temporary tables by
:mod:`.staged_apply`, the first sync of an organisation with the indexes dropped and rebuilt
(:mod:`.bulk`); what follows describes the row path's plans.

Order: job roles and org units (with their parents) first; emails that move between people
are parked on placeholders; then the people. On PostgreSQL the new people's ids are drawn from
the table's sequence in one statement, so every manager id is known before anything is
written: one ``COPY … FROM STDIN`` inserts them all, and the changed people are COPY'd into a
temporary table (dropped at commit) and updated by one ``UPDATE … FROM``. Elsewhere (SQLite,
the embedded default) new people are inserted level by level down the reporting lines (each
level knows its managers' ids) and changed people updated in one executemany. Both write the
same rows (tests/org/test_hr_import_paths.py compares them). Leavers of a full sync are
deactivated; the reporting-line closure is brought in step for the people added or moved.
Then ``people_changed`` (team summaries) and ``people_left`` (auth revokes sessions, links and
tokens) are sent, still inside the transaction. Flushes, never commits.

The per-row Python work is done column by column where it can be (``map``, ``zip`` and the
csv module's writer are C): at 100,000 people it was most of the time not spent in the
database.
"""

from __future__ import annotations

import csv
import io
import logging
from contextlib import nullcontext
from datetime import date
from operator import itemgetter

from sqlalchemy import insert, text, update

from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.hr_import import staged_apply
from learnhub.org.hr_import.bulk import indexes_dropped, is_bulk
from learnhub.org.hr_import.lookups import (
    chunks,
    cyclic_gc_paused,
    is_postgresql,
)
from learnhub.org.hr_import.plan import ImportPlan, Progress
from learnhub.org.hr_import.roles_units import ensure_roles, ensure_units, ids_by
from learnhub.org.models import Employee
from learnhub.org.reporting import rebuild_reporting_lines, refresh_reporting_lines
from learnhub.org.services import manager_chain_ids
from learnhub.org.signals import people_changed, people_left

logger = logging.getLogger(__name__)

#: rows per bulk statement, so the progress bar moves and no statement grows without bound
BATCH = 5000


@cyclic_gc_paused()
def apply_import(plan: ImportPlan, progress: Progress | None = None) -> dict[str, int]:
    """Apply a validated plan; flushes, never commits. Returns the summary counts (rows,
    added, updated, unchanged, left). Job roles are created from job codes (their target
    profile comes from content/roles by the code), org units from unit names."""
    if not plan.changes_anything:
        return plan.summary()
    if plan.stage is not None:
        return _apply_staged(plan, progress)
    total = len(plan.added) + len(plan.updated) + len(plan.left)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("apply", done, total)

    changed = set(plan.added) | set(plan.updated)
    updated_set = set(plan.updated)
    changing = [r.values for r in plan.rows if r.values["employee_number"] in changed]
    role_ids = ensure_roles(changing) if "job_code" in plan.given else {}
    unit_ids = ensure_units(plan)
    updated_ids = [plan.existing[n].id for n in plan.updated]
    left_ids = list(plan.left.values())
    old_managers = manager_chain_ids(updated_ids + left_ids)
    # the reporting-line closure follows in this transaction (people added or moved)
    moving = "manager_employee_number" in plan.given
    manager_before = ids_by(Employee.id, Employee.manager_id, updated_ids) if moving else {}
    moved: list[int] = []

    ids = {n: c.id for n, c in plan.existing.items()}
    ids.update({n: p.id for n, p in plan.outside_managers.items()})

    def record(v: dict[str, str]) -> dict:
        """Column values for the fields the file gives (absent columns stay as they are)."""
        out: dict = {"active": True, "left_at": None, "source": plan.source}
        for fld in plan.given:
            value = v[fld]
            if fld in ("employee_number", "first_name", "last_name", "email"):
                out[fld] = value
            elif fld == "job_title":
                out["job_title"] = value or None
            elif fld == "job_code":
                out["job_role_id"] = role_ids.get(value)
            elif fld == "department":
                out["org_unit_id"] = unit_ids.get(value)
            elif fld == "hire_date":
                out["hire_date"] = date.fromisoformat(value) if value else None
            elif fld == "manager_employee_number":
                out["manager_id"] = ids[value] if value else None
        return out

    _park_moving_emails(plan)
    added = set(plan.added)
    if is_postgresql():
        # bulk: ids drawn from the sequence first, so the managers of new people are known
        # without inserting level by level; one COPY for the new, one UPDATE … FROM for the
        # changed (the per-row record() dicts and psycopg's write_row cost 1.3 s at 100,000)
        new_rows = [v for v in changing if v["employee_number"] in added]
        numbers = [v["employee_number"] for v in new_rows]
        ids.update(zip(numbers, _draw_ids(len(new_rows)), strict=True))
        changed_rows = [v for v in changing if v["employee_number"] in updated_set]
        columns = _columns(plan, new_rows, ids, role_ids, unit_ids)
        _copy_people(columns)
        advance(len(new_rows))
        columns = _columns(plan, changed_rows, ids, role_ids, unit_ids)
        _update_people(columns)
        if moving:
            moved = [
                i
                for i, m in zip(columns["id"], columns["manager_id"], strict=True)
                if m != manager_before.get(i)
            ]
        advance(len(changed_rows))
    else:
        table = Employee.__table__
        for level in _levels([v for v in changing if v["employee_number"] in added]):
            for batch in chunks(level, BATCH):
                db.session.execute(insert(table), [record(v) for v in batch])
                ids.update(
                    ids_by(
                        Employee.employee_number, Employee.id, (v["employee_number"] for v in batch)
                    )
                )
                advance(len(batch))
        for batch in chunks((v for v in changing if v["employee_number"] in updated_set), BATCH):
            values = [record(v) | {"id": ids[v["employee_number"]]} for v in batch]
            db.session.execute(update(Employee), values)
            if moving:
                moved += [r["id"] for r in values if r["manager_id"] != manager_before.get(r["id"])]
            advance(len(batch))
    now = utcnow()
    for batch in chunks(left_ids):
        db.session.execute(
            update(Employee)
            .where(Employee.id.in_(batch))
            .values(active=False, left_at=now)
            .execution_options(synchronize_session=False)
        )
        advance(len(batch))
    db.session.flush()
    if moving:
        refresh_reporting_lines([ids[n] for n in plan.added] + moved)
    _signal(plan, [ids[n] for n in changed], left_ids, old_managers)
    return plan.summary()


def _signal(
    plan: ImportPlan, changed_ids: list[int], left_ids: list[int], old_managers: set[int]
) -> None:
    if changed_ids or left_ids:
        people_changed.send(
            None, employee_ids=changed_ids + left_ids, manager_ids=sorted(old_managers)
        )
    if left_ids:
        people_left.send(None, employee_ids=left_ids)
    db.session.expire_all()
    logger.info("HR import %s (%s): %s", plan.source, plan.mode, plan.summary())


def _apply_staged(plan: ImportPlan, progress: Progress | None) -> dict[str, int]:
    """A staged plan (:mod:`.staging`) written from its temporary tables
    (:mod:`.staged_apply`), then the closure and the signals as below."""
    stage = plan.stage
    assert stage is not None
    if not staged_apply.still_there(stage):
        raise RuntimeError("a staged HR import plan is applied in the transaction that made it")
    if "job_code" in plan.given:
        staged_apply.ensure_roles(stage)
    unit_ids = ensure_units(plan)
    left_ids = list(plan.left.values())
    old_managers = manager_chain_ids(staged_apply.updated_ids(stage) + left_ids)
    # the first sync of an organisation rebuilds indexes instead of updating them (bulk.py)
    bulk = is_bulk(len(plan.added))
    with indexes_dropped("employees") if bulk else nullcontext():
        added, updated, moved = staged_apply.apply_staged(plan, unit_ids, progress)
        staged_apply.deactivate(left_ids)
    db.session.flush()
    if "manager_employee_number" in plan.given and bulk:
        with indexes_dropped("reporting_lines", keep_primary=False):
            rebuild_reporting_lines(ordered=False)
    elif "manager_employee_number" in plan.given:
        refresh_reporting_lines(added + moved)
    _signal(plan, added + updated, left_ids, old_managers)
    return plan.summary()


def _draw_ids(n: int) -> list[int]:
    """``n`` new employee ids from the table's sequence (PostgreSQL), in one statement."""
    if not n:
        return []
    return list(
        db.session.scalars(
            text(
                # the sequence's name looked up once (per row it cost 0.6 s at 100,000)
                # (OFFSET 0 keeps the subquery from being folded into every row)
                "SELECT nextval(q.seq) FROM (SELECT pg_get_serial_sequence('employees', 'id')"
                "::regclass AS seq OFFSET 0) AS q CROSS JOIN generate_series(1, :n)"
            ),
            {"n": n},
        )
    )


def _columns(
    plan: ImportPlan,
    rows: list[dict[str, str]],
    ids: dict[str, int],
    role_ids: dict[str, int],
    unit_ids: dict[str, int],
) -> dict[str, list]:
    """{column: values} of ``rows`` for the fields the file gives, plus id, active, left_at
    and source: what :func:`record` makes, column by column, as COPY reads them (hire dates
    ISO text, active "t")."""

    def column(fld: str) -> list[str]:
        return list(map(itemgetter(fld), rows))

    numbers = column("employee_number")
    out: dict[str, list] = {"id": list(map(ids.__getitem__, numbers))}
    for fld in plan.given:
        if fld in ("employee_number", "first_name", "last_name", "email"):
            out[fld] = column(fld)
        elif fld == "job_title":
            out["job_title"] = [value or None for value in column(fld)]
        elif fld == "job_code":
            out["job_role_id"] = list(map(role_ids.get, column(fld)))
        elif fld == "department":
            out["org_unit_id"] = list(map(unit_ids.get, column(fld)))
        elif fld == "hire_date":
            out["hire_date"] = [value or None for value in column(fld)]
        elif fld == "manager_employee_number":
            out["manager_id"] = [ids[value] if value else None for value in column(fld)]
    count = len(rows)
    out |= {"active": ["t"] * count, "left_at": [None] * count, "source": [plan.source] * count}
    return out


def _csv(columns: dict[str, list], *extra: object) -> str:
    """The rows of ``columns`` (and the ``extra`` values on every row) as CSV for
    ``COPY … (FORMAT csv)``: None and "" are both an empty unquoted field, which :func:`_copy`
    reads as NULL, or as "" in the columns that are never NULL."""
    buffer = io.StringIO()
    count = len(columns["id"])
    values = [*columns.values(), *([value] * count for value in extra)]
    csv.writer(buffer, lineterminator="\n").writerows(zip(*values, strict=True))
    return buffer.getvalue()


#: text columns that hold "" rather than NULL when empty (only the source can be empty)
NOT_NULL_TEXT = ("employee_number", "first_name", "last_name", "email", "source")


def _copy(table: str, names: list[str], payload: str) -> None:
    """``COPY table (names) FROM STDIN`` on the session's connection, in its transaction; an
    empty field is NULL but in the NOT_NULL_TEXT columns, where it is ""."""
    driver = db.session.connection().connection.driver_connection
    texts = ", ".join(name for name in names if name in NOT_NULL_TEXT)
    options = f"FORMAT csv, FORCE_NOT_NULL ({texts})" if texts else "FORMAT csv"
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN ({options})"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(payload)


def _copy_people(columns: dict[str, list]) -> None:
    """Insert people (PostgreSQL) with one ``COPY … FROM STDIN``, the Python-side defaults
    (created_at, updated_at) filled in."""
    if not columns["id"]:
        return
    now = utcnow().isoformat()  # once, not str() per row by the CSV writer
    _copy("employees", [*columns, "created_at", "updated_at"], _csv(columns, now, now))


def _update_people(columns: dict[str, list]) -> None:
    """Update people (PostgreSQL): COPY their new values into a temporary table (dropped at
    commit), then one ``UPDATE … FROM`` by id."""
    if not columns["id"]:
        return
    names = list(columns)
    db.session.execute(text("DROP TABLE IF EXISTS pg_temp.hr_import_changes"))
    db.session.execute(
        text(
            f"CREATE TEMP TABLE hr_import_changes ON COMMIT DROP AS "
            f"SELECT {', '.join(names)} FROM employees WITH NO DATA"
        )
    )
    _copy("hr_import_changes", names, _csv(columns))
    assignments = ", ".join(f"{name} = c.{name}" for name in names if name != "id")
    db.session.execute(
        text(
            f"UPDATE employees SET {assignments}, updated_at = :now "
            "FROM hr_import_changes AS c WHERE employees.id = c.id"
        ),
        {"now": utcnow()},
    )


def _levels(rows: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """New people grouped by depth among the new: level 0 reports to nobody new."""
    new = {v["employee_number"]: v for v in rows}
    depth: dict[str, int] = {}
    for number in new:
        path = []
        node = number
        while node in new and node not in depth:
            path.append(node)
            node = new[node]["manager_employee_number"]
        base = depth.get(node, -1) if node in new else -1
        for offset, item in enumerate(reversed(path), start=1):
            depth[item] = base + offset
    levels: list[list[dict[str, str]]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for number, v in new.items():
        levels[depth[number]].append(v)
    return levels


def _park_moving_emails(plan: ImportPlan) -> None:
    """Give a temporary address to people whose current email someone in the file takes
    over, so the unique constraint holds at every statement of the bulk update."""
    if "email" not in plan.given:
        return
    wanted = {r.values["email"] for r in plan.rows}
    parked = []
    for number in plan.updated:
        current = plan.existing[number]
        old = current.email  # None: unchanged
        if old is not None and old in wanted:
            parked.append({"id": current.id, "email": f"moving-{current.id}@placeholder.invalid"})
    if parked:
        db.session.execute(update(Employee), parked)
