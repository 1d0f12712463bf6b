"""Target profiles (content/roles/*.yaml): real competences and levels with a reason for each;
every job code of the demo organisation and of the real Oracle HR export has exactly one role;
the demo organisation uses the roles (issue 3; DESIGN.md "target profile")."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import yaml
from sqlalchemy import func, select

from learnhub.catalog.reading import read_roles
from learnhub.core.errors import Issue
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
        if not role.get("baseline") and not demo & {str(c) for c in role.get("job_codes") or []}
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


def _module_levels(plan) -> dict[str, int]:
    """{competence code: highest level some module's quiz proves} over the whole curriculum."""
    best: dict[str, int] = {}
    for course in plan.courses:
        for module in course["modules"]:
            for code, level in module["competences"].items():
                best[code] = max(best.get(code, 0), level)
    return best


def test_every_target_is_proven_by_some_module_or_marked_as_met_by_validation(plan, digcomp):
    """Issue 12: a target no module can prove would stay a gap for ever; it must say that only
    manager validation or recognised prior learning meets it (``proven_by: validation``), and a
    target marked so that a module now proves must lose the mark (the list only shrinks)."""
    best = _module_levels(plan)
    levels = {lvl["name"]: lvl["number"] for lvl in digcomp.levels}
    unreachable, stale = [], []
    for name, role in _roles().items():
        for target in role["targets"]:
            code, level = str(target["competence"]), levels[target["level"]]
            reachable = best.get(code, 0) >= level
            marked = target.get("proven_by") == "validation"
            if not reachable and not marked:
                unreachable.append(f"{name}: {code} at {target['level']}")
            if reachable and marked:
                stale.append(f"{name}: {code} at {target['level']}")
    assert not unreachable, f"targets no module proves and not marked proven_by: {unreachable}"
    assert not stale, f"targets marked proven_by: validation that a module proves: {stale}"
    assert best, "no module maps to a competence"


def test_the_all_staff_baseline_is_part_of_every_role(plan):
    raw = _roles()
    baseline = [r for r in raw.values() if r.get("baseline")]
    assert len(baseline) == 1
    wanted = {(str(t["competence"]), t["level"]) for t in baseline[0]["targets"]}
    assert len(wanted) >= 3
    by_slug = {role["slug"]: role for role in plan.roles}
    levels = {"Basic": 1, "Intermediate": 2, "Advanced": 3, "Highly advanced": 4}
    for name, role in raw.items():
        targets = {code: level for code, level, _r in by_slug[role["slug"]]["targets"]}
        for code, level in wanted:
            assert targets.get(code, 0) >= levels[level], f"{name} lacks baseline {code}"


def test_a_role_below_the_baseline_is_refused_with_its_file(plan, tmp_path):
    (tmp_path / "base.yaml").write_text(
        "slug: base\ntitle: Base\nframework: digcomp-3.0\nbaseline: true\ntargets:\n"
        '  - {competence: "4.1", level: Intermediate, reason: everyone gets phishing mail}\n'
        '  - {competence: "4.2", level: Basic, reason: everyone handles personal data}\n'
    )
    (tmp_path / "clerk.yaml").write_text(
        "slug: clerk\ntitle: Clerk\nframework: digcomp-3.0\njob_codes: [CLK]\ntargets:\n"
        '  - {competence: "4.1", level: Basic, reason: opens the post and the email}\n'
        '  - {competence: "1.1", level: Basic, reason: looks things up, proven_by: nothing}\n'
    )
    issues: list[Issue] = []
    roles = read_roles(tmp_path, lambda p: p.name, dict(plan.indexes), issues)
    messages = [f"{i.where}: {i.message}" for i in issues]
    assert any("clerk.yaml" in m and "below the all-staff baseline" in m for m in messages)
    assert any("clerk.yaml, line 7" in m and "proven_by 'nothing'" in m for m in messages)
    clerk = next(r for r in roles if r["slug"] == "clerk")
    # the baseline's other target is added to the role
    assert ("4.2", 1, "everyone handles personal data") in clerk["targets"]
