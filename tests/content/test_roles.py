"""Target profiles (content/roles/*.yaml): real competences and levels with a reason for each;
every job code of the demo organisation and of the real Oracle HR export has exactly one role;
the demo organisation uses the roles (issue 3; DESIGN.md "target profile")."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import yaml
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.skills.services import get_framework, targets_query
from tests.conftest import CONTENT_DIR, realdata

DEMO = CONTENT_DIR / "demo" / "organisation.csv"


def _roles() -> dict[str, dict]:
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((CONTENT_DIR / "roles").glob("*.yaml"))
    }


def _job_codes(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return {row["Job Code"].strip() for row in csv.DictReader(file) if row["Job Code"]}


def test_every_target_uses_a_real_competence_and_level_and_gives_a_reason(digcomp):
    competences = {c["code"] for c in digcomp.competences}
    levels = {lvl["name"] for lvl in digcomp.levels}
    problems = []
    roles = _roles()
    assert len(roles) >= 10
    for name, role in roles.items():
        targets = role.get("targets") or []
        if not targets:
            problems.append(f"{name}: no targets")
        seen = set()
        for target in targets:
            code = str(target.get("competence"))
            if code not in competences or target.get("level") not in levels:
                problems.append(f"{name}: {code} at {target.get('level')!r} is not in DigComp 3.0")
            if code in seen:
                problems.append(f"{name}: {code} is targeted twice")
            seen.add(code)
            if len(str(target.get("reason") or "").split()) < 5:
                problems.append(f"{name}: {code} has no real reason ({target.get('reason')!r})")
    assert not problems, "\n".join(problems)


def test_every_job_code_of_the_demo_and_the_oracle_hr_export_has_exactly_one_role():
    owners: dict[str, list[str]] = defaultdict(list)
    for name, role in _roles().items():
        for code in role.get("job_codes") or []:
            owners[str(code)].append(name)
    codes = _job_codes(DEMO) | _job_codes(realdata("hr", "oracle-hr-employees.csv"))
    assert len(codes) > 20
    wrong = {code: owners.get(code, []) for code in sorted(codes) if len(owners[code]) != 1}
    assert not wrong, f"job codes without exactly one role (code: roles): {wrong}"


def test_the_demo_organisation_holds_every_role():
    demo = _job_codes(DEMO)
    unused = [
        name
        for name, role in _roles().items()
        if not demo & {str(code) for code in role.get("job_codes") or []}
    ]
    assert not unused, f"roles nobody in {DEMO.name} holds: {unused}"


def test_everyone_in_the_seeded_demo_has_a_target_profile(app_ctx, demo):
    framework = get_framework("digcomp-3.0")
    people = db.session.scalar(select(func.count(Employee.id)).where(Employee.source == "demo"))
    targeted = db.session.scalar(
        select(
            func.count(
                func.distinct(
                    targets_query(
                        select(Employee.id).where(Employee.source == "demo"), framework.id
                    )
                    .subquery()
                    .c.employee_id
                )
            )
        )
    )
    assert people == len(DEMO.read_text(encoding="utf-8").strip().splitlines()) - 1
    assert targeted == people
