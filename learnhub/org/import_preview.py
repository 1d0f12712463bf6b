"""What an HR import plan would do, as the ``/hr/imports`` preview shows it, and the fingerprint
its confirmation compares.

Read from the plan's public result (:class:`learnhub.org.hr_import.ImportPlan`: the numbers
of the people added, updated and leaving, the units added and moved, the warnings) and, for the
people listed, what LearnHub holds now (one query per list): the plan itself is never changed
here (another change rewrites its internals for speed).

The fingerprint is the SHA-256 of everything the plan would change: source, mode, the fields
the file gives, the sorted employee numbers added, updated and leaving, the units added, and,
field by field, what LearnHub holds now for each person updated (and whether they are active)
and for each unit moved (its parent): the values the preview showed as "now" (a fresh tester's
finding: a fingerprint of the numbers alone let an old preview undo a newer change to the same
person's manager). The file's side of each change is fixed by its bytes (their SHA-256 is
checked) and the fields given. The
confirmation plans the same bytes again and applies only when the fingerprint is the same
(:func:`learnhub.org.import_previews.confirm_preview`): a re-plan compared in full, rather than a
version stamp of the organisation, because a stamp refuses for changes the import does not
touch (someone's time zone) and misses those it cannot see (a unit moved by hand), while the
re-plan is the very plan that will be applied.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from learnhub.core.errors import ValidationFailed
from learnhub.extensions import db
from learnhub.org.hr_import import ImportPlan
from learnhub.org.hr_import.lookups import unit_parents
from learnhub.org.models import Employee, JobRole, OrgUnit

#: people, units and warnings listed per kind (the counts are whole; errors are all kept for
#: their CSV, the first ERRORS_SHOWN shown)
LIST_MAX = 100
ERRORS_SHOWN = 50
#: what a field is called on the page
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "job_code": "Job code",
    "job_title": "Job title",
    "department": "Org unit",
    "manager_employee_number": "Manager",
    "hire_date": "Hire date",
}


#: employee numbers looked up per query (well under SQLite's bound-parameter limit)
CHUNK = 5000


def fingerprint(plan: ImportPlan) -> str:
    """SHA-256 (hex) of what ``plan`` would change (see the module's docstring). Reads the
    people updated and the units moved as LearnHub holds them, in chunks of CHUNK numbers:
    call it before the plan is applied (after is allowed, but then reads the new values)."""
    held = _held(plan.updated)
    fields = [f for f in FIELD_LABELS if f in plan.given]
    parents = unit_parents() if plan.units_moved else {}
    what = {
        "source": plan.source,
        "mode": str(plan.mode),
        "given": sorted(plan.given),
        "held": [
            [n, *(held.get(n, {}).get(f, "") for f in fields), held.get(n, {}).get("active")]
            for n in sorted(plan.updated)
        ],
        "parents": [[u, parents.get(u, "")] for u in sorted(plan.units_moved)],
        "added": sorted(plan.added),
        "updated": sorted(plan.updated),
        "left": sorted(plan.left),
        "units_added": sorted(plan.units_added),
        "units_moved": sorted(plan.units_moved),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def counts(plan: ImportPlan) -> dict[str, int]:
    """rows, added, updated, unchanged, left, units_added, units_moved, warnings, errors."""
    return plan.summary() | {
        "units_added": len(plan.units_added),
        "units_moved": len(plan.units_moved),
        "warnings": len(plan.warnings),
        "errors": 0,
    }


def _file_values(plan: ImportPlan, numbers: set[str]) -> dict[str, dict[str, str]]:
    """{number: the file's field values} for ``numbers``."""
    return plan.file_values(numbers)


def _held(numbers: list[str]) -> dict[str, dict[str, Any]]:
    """{number: the fields LearnHub holds, as the file would write them}."""
    held: dict[str, dict[str, Any]] = {}
    for start in range(0, len(numbers), CHUNK):
        held |= _held_chunk(numbers[start : start + CHUNK])
    return held


def _held_chunk(numbers: list[str]) -> dict[str, dict[str, Any]]:
    if not numbers:
        return {}
    manager = aliased(Employee)
    query = (
        select(
            Employee.employee_number,
            Employee.first_name,
            Employee.last_name,
            Employee.email,
            JobRole.code,
            Employee.job_title,
            OrgUnit.name,
            manager.employee_number,
            Employee.hire_date,
            Employee.active,
        )
        .outerjoin(JobRole, Employee.job_role_id == JobRole.id)
        .outerjoin(OrgUnit, Employee.org_unit_id == OrgUnit.id)
        .outerjoin(manager, Employee.manager_id == manager.id)
        .where(Employee.employee_number.in_(numbers))
    )
    held = {}
    for number, *cells, active in db.session.execute(query):
        texts = [c.isoformat() if hasattr(c, "isoformat") else (c or "") for c in cells]
        held[number] = dict(zip(FIELD_LABELS, texts, strict=True)) | {"active": active}
    return held


def describe(plan: ImportPlan) -> dict[str, Any]:
    """The preview of ``plan`` as JSON values: ``counts``; ``added`` [[number, name]];
    ``updated`` [{number, name, changes: [[label, now, then]]}] ("then": the file's value; a
    leaver coming back is a change too); ``left`` [[number, name]]; ``units_added``,
    ``units_moved`` and ``warnings`` (first LIST_MAX of each); ``errors`` [] (see
    :func:`describe_errors`)."""
    added = plan.added[:LIST_MAX]
    updated = plan.updated[:LIST_MAX]
    left = sorted(plan.left)[:LIST_MAX]
    values = _file_values(plan, set(added) | set(updated))
    held = _held(updated + left)

    def name(v: dict[str, str] | None) -> str:
        return f"{v['first_name']} {v['last_name']}".strip() if v else ""

    changes = []
    for number in updated:
        now, then = held.get(number, {}), values.get(number)
        diff = []
        if then is not None:
            diff = [
                [label, now.get(fld, ""), then[fld]]
                for fld, label in FIELD_LABELS.items()
                if fld in plan.given and now.get(fld, "") != then[fld]
            ]
        if now and not now["active"]:
            diff.insert(0, ["Status", "left", "active"])
        changes.append({"number": number, "name": name(then or now or None), "changes": diff})
    return {
        "counts": counts(plan),
        "added": [[n, name(values.get(n))] for n in added],
        "updated": changes,
        "left": [[n, name(held.get(n))] for n in left],
        "units_added": plan.units_added[:LIST_MAX],
        "units_moved": plan.units_moved[:LIST_MAX],
        "warnings": plan.warnings[:LIST_MAX],
        "errors": [],
        "message": None,
    }


def describe_errors(error: ValidationFailed) -> dict[str, Any]:
    """The preview of a refused file: every error ([[where, message]]) and the message."""
    issues = [[i.where, i.message] for i in error.errors] or [["file", error.message]]
    return {
        "counts": {"errors": len(issues)},
        "errors": issues,
        "message": error.message,
    }
