"""Reading the frameworks and target profiles of content/ (validated, nothing written).

Each reader appends every problem it finds, with its file and line, to ``issues``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.yamlfile import LineDict, load_yaml
from learnhub.skills.framework_import import parse_digcomp
from learnhub.skills.profiles import FrameworkIndex


def read_frameworks(folder: Path, rel, issues: list[Issue]):
    frameworks, indexes = [], {}
    for meta_path in sorted(folder.glob("*/framework.yaml")):
        meta, found = load_yaml(meta_path, rel(meta_path))
        issues.extend(found)
        if not isinstance(meta, dict):
            continue
        where = rel(meta_path)
        missing = [k for k in ("slug", "name", "version", "file") if not meta.get(k)]
        if missing:
            issues.append(Issue(where, f"missing {', '.join(missing)}"))
            continue
        raw = (meta_path.parent / meta["file"]).read_bytes()
        try:
            data = parse_digcomp(raw)
        except ValidationFailed as error:
            issues.extend(
                Issue(f"{rel(meta_path.parent / meta['file'])} {i.where}", i.message)
                for i in error.errors
            )
            continue
        frameworks.append((meta["slug"], meta, raw))
        indexes[meta["slug"]] = FrameworkIndex.from_data(meta["slug"], data)
    return frameworks, indexes


def index_for(slug: Any, indexes: dict, where: str, issues: list[Issue]) -> FrameworkIndex | None:
    if slug not in indexes:
        index = FrameworkIndex.from_db(slug) if isinstance(slug, str) else None
        if index is None:
            issues.append(
                Issue(where, f"framework {slug!r} is neither in content/frameworks nor loaded")
            )
            return None
        indexes[slug] = index
    return indexes[slug]


def competence_level(entry: Any, index: FrameworkIndex, where: str, issues: list[Issue]):
    if not isinstance(entry, dict):
        issues.append(Issue(where, "expected a mapping with competence and level"))
        return None
    code, level = str(entry.get("competence", "")), index.level(entry.get("level"))
    if code not in index.competences:
        issues.append(Issue(where, f"unknown competence {code!r} in {index.slug}"))
        return None
    if level is None:
        issues.append(
            Issue(where, f"unknown level {entry.get('level')!r} (levels: {index.level_names()})")
        )
        return None
    return code, level


#: how a target that no module's quiz proves is met (content/roles/*.yaml ``proven_by``):
#: manager validation or recognised prior learning (issue 12 "role profiles that can be met")
PROVEN_BY = ("validation",)


def read_roles(folder: Path, rel, indexes, issues: list[Issue]) -> list[dict]:
    """The target profiles of ``folder`` as keyword arguments of ``apply_target_profile``
    (targets as (competence code, level number, reason)).

    A profile marked ``baseline: true`` is the all-staff baseline of its framework (issue 12):
    its targets are added to every other profile of the framework that does not target that
    competence, and a profile that targets one below the baseline's level is an error. A
    target may say ``proven_by: validation`` when no module's quiz proves its level, so only
    manager validation or recognised prior learning can meet it (tests/content checks that
    every other target is reachable by some module)."""
    roles: list[dict] = []
    owners: dict[str, str] = {}
    baselines: dict[str, tuple[str, list[tuple[str, int, str]]]] = {}
    wheres: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        where = rel(path)
        data, found = load_yaml(path, where)
        issues.extend(found)
        if not isinstance(data, LineDict):
            if not found:
                issues.append(Issue(where, "expected a mapping"))
            continue
        missing = [k for k in ("slug", "title", "framework", "targets") if not data.get(k)]
        if missing:
            issues.append(Issue(f"{where}, line {data.line}", f"missing {', '.join(missing)}"))
            continue
        index = index_for(
            data["framework"], indexes, f"{where}, line {data.line_of('framework')}", issues
        )
        if index is None:
            continue
        targets = []
        for entry in data["targets"]:
            line = getattr(entry, "line", data.line_of("targets"))
            found = competence_level(entry, index, f"{where}, line {line}", issues)
            if found:
                targets.append((*found, str(entry.get("reason", "")).strip()))
                proven_by = entry.get("proven_by")
                if proven_by is not None and proven_by not in PROVEN_BY:
                    issues.append(
                        Issue(
                            f"{where}, line {line}",
                            f"proven_by {proven_by!r} is not one of: {', '.join(PROVEN_BY)}",
                        )
                    )
        if data.get("baseline") is True:
            if data.get("job_codes"):
                issues.append(
                    Issue(
                        f"{where}, line {data.line_of('job_codes')}", "a baseline has no job codes"
                    )
                )
            if data["framework"] in baselines:
                issues.append(
                    Issue(
                        f"{where}, line {data.line_of('baseline')}",
                        f"{baselines[data['framework']][0]} is already the baseline of "
                        f"{data['framework']}",
                    )
                )
            baselines[data["framework"]] = (where, targets)
        codes = [str(c) for c in data.get("job_codes") or []]
        for code in codes:
            if code in owners:
                issues.append(
                    Issue(
                        f"{where}, line {data.line_of('job_codes')}",
                        f"job code {code} already belongs to {owners[code]}",
                    )
                )
            owners[code] = where
        roles.append(
            {
                "slug": data["slug"],
                "title": data["title"],
                "description": str(data.get("description", "")).strip(),
                "framework_slug": data["framework"],
                "targets": targets,
                "job_codes": codes,
            }
        )
        wheres.append(where)
    for role, where in zip(roles, wheres, strict=True):
        baseline = baselines.get(role["framework_slug"])
        if baseline is None or baseline[0] == where:
            continue
        own = {code: level for code, level, _reason in role["targets"]}
        for code, level, reason in baseline[1]:
            if code not in own:
                role["targets"].append((code, level, reason))
            elif own[code] < level:
                issues.append(
                    Issue(
                        where,
                        f"targets {code} at level {own[code]}, below the all-staff baseline's "
                        f"level {level} ({baseline[0]})",
                    )
                )
    return roles
