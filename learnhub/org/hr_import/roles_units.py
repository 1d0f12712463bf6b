"""The job roles and org units an HR import needs, created when missing (both paths)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import insert, select, update

from learnhub.extensions import db
from learnhub.org.hr_import.lookups import core, where_in
from learnhub.org.hr_import.plan import ImportPlan
from learnhub.org.models import JobRole, OrgUnit


def ensure_roles(rows: list[dict[str, str]]) -> dict[str, int]:
    """{job code: job role id}, creating roles for new codes (title: the first job title)."""
    wanted: dict[str, str] = {}
    for v in rows:
        if v["job_code"]:
            wanted.setdefault(v["job_code"], v["job_title"] or v["job_code"])
    found = ids_by(JobRole.code, JobRole.id, wanted)
    missing = [
        {"code": code, "title": title} for code, title in wanted.items() if code not in found
    ]
    if missing:
        found.update(
            dict(
                db.session.execute(
                    insert(JobRole).returning(JobRole.code, JobRole.id), missing
                ).all()
            )
        )
    return found


def ensure_units(plan: ImportPlan) -> dict[str, int]:
    """{unit name: id} for the units the file names (people's and parents), creating the
    missing ones, then placing the units whose parent the file states."""
    names = plan.unit_names
    if not names:
        return {}
    found = ids_by(OrgUnit.name, OrgUnit.id, names)
    missing = sorted(names - set(found))
    if missing:
        taken = set(db.session.scalars(select(OrgUnit.code)))
        new = []
        for name in missing:
            base = code = _slug(name)
            n = 2
            while code in taken:
                code, n = f"{base}-{n}", n + 1
            taken.add(code)
            new.append({"name": name, "code": code})
        found.update(
            dict(db.session.execute(insert(OrgUnit).returning(OrgUnit.name, OrgUnit.id), new).all())
        )
    moves = [
        {"id": found[unit], "parent_id": found[parent] if parent else None}
        for unit, parent in plan.unit_parents.items()
        if unit in plan.units_moved or (unit in plan.units_added and parent)
    ]
    if moves:
        db.session.execute(update(OrgUnit), moves)
    return found


def ids_by(key: Any, id_column: Any, wanted: Any) -> dict[str, Any]:
    """{key: id} of the rows whose ``key`` is among ``wanted``."""
    return {
        k: i
        for condition in where_in(key, wanted)
        for k, i in core().execute(select(key, id_column).where(condition))
    }


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "unit"
