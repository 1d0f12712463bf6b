"""Import the organisation from an HR system export (CSV).

The file is read and validated whole before anything changes; then employees, org units
(departments), job roles and reporting lines are applied in the caller's transaction with bulk
statements (no ORM object per row). Importing the same file again changes nothing.

Columns are mapped by a preset recognised from the header row (``oracle-hr`` for the Oracle HR
sample's export, ``learnhub`` for ``employee_number,manager_employee_number,…``) or by a mapping
file ``{"employee_number": "Emp No", …}`` given on the command line.

Row numbers in errors are the file's line numbers as a spreadsheet shows them: the header is
row 1, the first person row 2.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, update

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.extensions import db
from learnhub.org.models import Employee, JobRole, OrgUnit

logger = logging.getLogger(__name__)

FIELDS = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "job_code",
    "job_title",
    "department",
    "manager_employee_number",
    "hire_date",
)
REQUIRED = ("employee_number", "first_name", "last_name", "email")

PRESETS: dict[str, dict[str, str]] = {
    # Oracle HR sample schema export (../shared/realdata/hr/oracle-hr-employees.csv)
    "oracle-hr": {
        "employee_number": "Employee ID",
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Work Email",
        "job_code": "Job Code",
        "job_title": "Job Title",
        "department": "Department",
        "manager_employee_number": "Manager ID",
        "hire_date": "Hire Date",
    },
    # LearnHub's own column names
    "learnhub": {name: name for name in FIELDS} | {"department": "org_unit"},
}

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class HRRow:
    row: int
    values: dict[str, str]


@dataclass
class ImportPlan:
    """What an import would do. ``added``/``updated``/``unchanged`` hold employee numbers."""

    source: str
    rows: list[HRRow]
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Decode and split a CSV export: UTF-8 (with or without BOM), else Windows-1252; the
    delimiter (``, ; tab |``) is sniffed from the header. Returns (headers, [(row number, cells)])
    with blank lines skipped. Raises ValidationFailed for an empty file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if not text.strip():
        raise ValidationFailed("The HR file is empty.", [Issue("row 1", "no header row")])
    first_line = text.splitlines()[0]
    delimiter = max(",;\t|", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [h.strip() for h in next(reader)]
    rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    return headers, rows


def resolve_mapping(headers: list[str], mapping_file: Path | None = None) -> tuple[str, dict]:
    """Pick the column mapping: the file's when given, else the preset whose columns are all in
    ``headers``. Returns (name, {field: header}). Raises ValidationFailed naming the missing
    columns."""
    if mapping_file is not None:
        mapping = json.loads(mapping_file.read_text())
        unknown = sorted(set(mapping) - set(FIELDS))
        if unknown:
            raise ValidationFailed(
                f"Mapping file {mapping_file} names unknown fields.",
                [Issue(str(mapping_file), f"unknown field {name!r}") for name in unknown],
            )
        name = mapping_file.stem
    else:
        present = set(headers)
        for name, mapping in PRESETS.items():  # noqa: B007 - the name is returned
            if {mapping[f] for f in REQUIRED} <= present:
                break
        else:
            raise ValidationFailed(
                "No column mapping recognises this file's header; give one with --mapping.",
                [Issue("row 1", f"columns found: {', '.join(headers)}")],
            )
    missing = [
        f"{header!r} (for {fld})"
        for fld, header in mapping.items()
        if fld in REQUIRED and header not in headers
    ]
    if missing:
        raise ValidationFailed(
            "The HR file lacks required columns.",
            [Issue("row 1", f"missing column {m}") for m in missing],
        )
    return name, mapping


def parse_rows(headers: list[str], rows: list[tuple[int, list[str]]], mapping: dict) -> list[HRRow]:
    """Turn raw cells into per-field values (stripped; email lower-cased)."""
    index = {fld: headers.index(header) for fld, header in mapping.items() if header in headers}
    parsed = []
    for number, cells in rows:
        values = {}
        for fld in FIELDS:
            position = index.get(fld)
            values[fld] = (
                cells[position].strip() if position is not None and position < len(cells) else ""
            )
        values["email"] = values["email"].lower()
        parsed.append(HRRow(number, values))
    return parsed


def validate(rows: list[HRRow]) -> list[Issue]:
    """Every problem in ``rows``, each with its row number: missing required fields, bad email
    or date, duplicate employee numbers or emails (case-insensitively), unknown managers,
    someone as their own manager, and cycles in the reporting lines."""
    issues: list[Issue] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in rows:
        where = f"row {row.row}"
        v = row.values
        for fld in REQUIRED:
            if not v[fld]:
                issues.append(Issue(where, f"{fld} is required"))
        if v["email"] and not EMAIL_RE.match(v["email"]):
            issues.append(Issue(where, f"email {v['email']!r} is not an email address"))
        if v["hire_date"]:
            try:
                date.fromisoformat(v["hire_date"])
            except ValueError:
                issues.append(Issue(where, f"hire_date {v['hire_date']!r} is not YYYY-MM-DD"))
        number = v["employee_number"]
        if number in seen_numbers:
            issues.append(
                Issue(where, f"employee number {number} repeats row {seen_numbers[number]}")
            )
        elif number:
            seen_numbers[number] = row.row
        if v["email"] in seen_emails:
            issues.append(
                Issue(
                    where,
                    f"email {v['email']} repeats row {seen_emails[v['email']]} "
                    "(emails are compared without letter case)",
                )
            )
        elif v["email"]:
            seen_emails[v["email"]] = row.row
        if v["manager_employee_number"] and v["manager_employee_number"] == number:
            issues.append(Issue(where, f"employee {number} is their own manager"))

    managers = {r.values["employee_number"]: r.values["manager_employee_number"] for r in rows}
    unknown = {m for m in managers.values() if m and m not in managers}
    known_in_db = (
        set(
            db.session.scalars(
                select(Employee.employee_number).where(Employee.employee_number.in_(unknown))
            )
        )
        if unknown
        else set()
    )
    for row in rows:
        manager = row.values["manager_employee_number"]
        if manager and manager not in managers and manager not in known_in_db:
            issues.append(
                Issue(f"row {row.row}", f"manager {manager} is neither in the file nor in LearnHub")
            )
    issues.extend(_cycles(rows, managers))
    return issues


def _cycles(rows: list[HRRow], managers: dict[str, str]) -> list[Issue]:
    row_of = {r.values["employee_number"]: r.row for r in rows}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = known to reach the top
    issues = []
    for start in managers:
        path: list[str] = []
        node = start
        while node in managers and state.get(node) != 2:
            if state.get(node) == 1:
                loop = path[path.index(node) :]
                if len(loop) > 1:
                    rows_text = ", ".join(f"{n} (row {row_of[n]})" for n in loop)
                    issues.append(
                        Issue(f"row {row_of[node]}", f"reporting lines form a cycle: {rows_text}")
                    )
                break
            state[node] = 1
            path.append(node)
            node = managers[node]
        for visited in path:
            state[visited] = 2
    return issues


def plan_import(data: bytes, *, source: str = "hr", mapping_file: Path | None = None) -> ImportPlan:
    """Read, map and validate an HR export. Returns the plan; raises ValidationFailed with every
    problem (row numbers included) and touches nothing when the file is bad."""
    headers, raw = read_table(data)
    _name, mapping = resolve_mapping(headers, mapping_file)
    rows = parse_rows(headers, raw, mapping)
    issues = validate(rows)
    if issues:
        raise ValidationFailed(
            f"The HR file has {len(issues)} error(s); nothing was imported.", issues
        )
    plan = ImportPlan(source=source, rows=rows)
    existing = _existing_employees([r.values["employee_number"] for r in rows])
    for row in rows:
        number = row.values["employee_number"]
        if number not in existing:
            plan.added.append(number)
        elif _differs(existing[number], row.values):
            plan.updated.append(number)
        else:
            plan.unchanged.append(number)
    return plan


def _existing_employees(numbers: list[str]) -> dict[str, dict]:
    result = {}
    manager = db.aliased(Employee)
    query = (
        select(Employee, JobRole.code, OrgUnit.name, manager.employee_number)
        .outerjoin(JobRole, Employee.job_role_id == JobRole.id)
        .outerjoin(OrgUnit, Employee.org_unit_id == OrgUnit.id)
        .outerjoin(manager, Employee.manager_id == manager.id)
    )
    for chunk_start in range(0, len(numbers), 5000):
        chunk = numbers[chunk_start : chunk_start + 5000]
        for emp, job_code, unit, manager_number in db.session.execute(
            query.where(Employee.employee_number.in_(chunk))
        ):
            result[emp.employee_number] = {
                "id": emp.id,
                "employee_number": emp.employee_number,
                "first_name": emp.first_name,
                "last_name": emp.last_name,
                "email": emp.email,
                "job_code": job_code or "",
                "job_title": emp.job_title or "",
                "department": unit or "",
                "manager_employee_number": manager_number or "",
                "hire_date": emp.hire_date.isoformat() if emp.hire_date else "",
                "active": emp.active,
            }
    return result


def _differs(current: dict, values: dict) -> bool:
    return not current["active"] or any(current[f] != values[f] for f in FIELDS)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unit"


def apply_import(plan: ImportPlan) -> dict[str, int]:
    """Apply a validated plan with bulk statements; flushes, never commits. Returns the
    summary counts. Job roles are created from job codes, org units from department names."""
    rows = [r.values for r in plan.rows]
    changed = set(plan.added) | set(plan.updated)
    if not changed:
        return plan.summary()

    role_ids = _ensure(
        JobRole,
        "code",
        {v["job_code"]: v["job_title"] or v["job_code"] for v in rows if v["job_code"]},
        "title",
    )
    unit_ids = _ensure(
        OrgUnit,
        "name",
        {v["department"]: _slug(v["department"]) for v in rows if v["department"]},
        "code",
    )

    def record(v: dict) -> dict:
        return {
            "employee_number": v["employee_number"],
            "first_name": v["first_name"],
            "last_name": v["last_name"],
            "email": v["email"],
            "job_title": v["job_title"] or None,
            "job_role_id": role_ids.get(v["job_code"]),
            "org_unit_id": unit_ids.get(v["department"]),
            "hire_date": date.fromisoformat(v["hire_date"]) if v["hire_date"] else None,
            "active": True,
            "source": plan.source,
        }

    added = set(plan.added)
    new = [record(v) for v in rows if v["employee_number"] in added]
    if new:
        db.session.execute(insert(Employee), new)
    existing = _existing_employees([v["employee_number"] for v in rows])
    updates = [
        record(v) | {"id": existing[v["employee_number"]]["id"]}
        for v in rows
        if v["employee_number"] in set(plan.updated)
    ]
    if updates:
        db.session.execute(update(Employee), updates)

    ids = {number: data["id"] for number, data in existing.items()}
    missing_managers = {v["manager_employee_number"] for v in rows} - set(ids) - {""}
    if missing_managers:
        ids.update(
            dict(
                db.session.execute(
                    select(Employee.employee_number, Employee.id).where(
                        Employee.employee_number.in_(missing_managers)
                    )
                ).all()
            )
        )
    manager_updates = [
        {
            "id": ids[v["employee_number"]],
            "manager_id": ids[v["manager_employee_number"]]
            if v["manager_employee_number"]
            else None,
        }
        for v in rows
        if v["employee_number"] in changed
    ]
    db.session.execute(update(Employee), manager_updates)
    db.session.flush()
    db.session.expire_all()
    logger.info("HR import %s: %s", plan.source, plan.summary())
    return plan.summary()


def _ensure(model: type, key: str, wanted: dict[str, str], other: str) -> dict[str, int]:
    """Create missing rows of ``model`` keyed by ``key``; return {key value: id}."""
    column = getattr(model, key)
    found = dict(db.session.execute(select(column, model.id).where(column.in_(wanted))).all())
    missing = [{key: k, other: v} for k, v in wanted.items() if k not in found]
    if model is OrgUnit:
        taken = set(db.session.scalars(select(OrgUnit.code)))
        for item in missing:
            base, n = item["code"], 2
            while item["code"] in taken:
                item["code"], n = f"{base}-{n}", n + 1
            taken.add(item["code"])
    if missing:
        db.session.execute(insert(model), missing)
        found = dict(db.session.execute(select(column, model.id).where(column.in_(wanted))).all())
    return found
