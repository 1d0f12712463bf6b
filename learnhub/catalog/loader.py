"""``flask content load``: frameworks, target profiles and courses from ``content/``.

Everything is read and validated first; any error (named by file and line) stops the load
before anything changes. Then all of it is applied in the caller's transaction. A course whose
files did not change is skipped, so loading twice changes nothing. A module's quiz is handled by
a part handler registered by the quizzes feature (catalog does not import quizzes).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select

from learnhub.catalog.course_files import (
    read_course_files,
    rewrite_image_sources,
    sync_course_files,
)
from learnhub.catalog.curriculum import heading_problems
from learnhub.catalog.markdown import render_markdown
from learnhub.catalog.models import Course, Module, ModuleCompetence, ModuleOutcome
from learnhub.catalog.org_facts import placeholder_problems
from learnhub.catalog.reading import (
    competence_level,
    index_for,
    read_frameworks,
    read_roles,
)
from learnhub.core.errors import Issue, ValidationFailed
from learnhub.core.yamlfile import LineDict, load_yaml
from learnhub.extensions import db
from learnhub.skills.framework_import import import_framework
from learnhub.skills.models import Competence, Framework
from learnhub.skills.profiles import FrameworkIndex, apply_target_profile

logger = logging.getLogger(__name__)

SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass
class ModulePart:
    """A part of a module handled by another feature (the quiz). ``validate(spec, course_dir,
    where, index)`` returns (parsed, issues), ``index`` the course framework's FrameworkIndex
    (competence tags are checked against it); ``apply(module, parsed)`` returns True when it
    changed."""

    key: str
    validate: Callable[[LineDict, Path, str, FrameworkIndex], tuple[Any, list[Issue]]]
    apply: Callable[[Module, Any], bool]
    required: bool = True


@dataclass
class CoursePart:
    """An optional part of a course handled by another feature (the diagnostic quiz).
    ``validate(spec, course_dir, where, index, module_slugs)`` returns (parsed, issues);
    ``apply(course, parsed)`` (None when the course.yaml has no such key: remove it) runs
    after the course's modules are applied and returns True when it changed."""

    key: str
    validate: Callable[[LineDict, Path, str, FrameworkIndex, list[str]], tuple[Any, list[Issue]]]
    apply: Callable[[Course, Any], bool]


_PARTS: dict[str, ModulePart] = {}
_COURSE_PARTS: dict[str, CoursePart] = {}


def register_module_part(part: ModulePart) -> None:
    _PARTS[part.key] = part


def register_course_part(part: CoursePart) -> None:
    _COURSE_PARTS[part.key] = part


@dataclass
class LoadReport:
    frameworks: dict[str, bool] = field(default_factory=dict)
    profiles_changed: list[str] = field(default_factory=list)
    courses_changed: list[str] = field(default_factory=list)
    courses_unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(any(self.frameworks.values()) or self.profiles_changed or self.courses_changed)


@dataclass
class ContentPlan:
    """Everything under a content folder, read and validated, nothing applied yet.

    ``frameworks``: [(slug, framework.yaml mapping, raw JSON-LD bytes)]; ``indexes``: slug ->
    FrameworkIndex; ``roles``: keyword arguments of ``apply_target_profile`` (targets as
    (competence code, level number, reason)); ``courses``: dicts with slug, title, summary,
    framework, sha256 and ``modules`` (slug, title, position, minutes, validity_months, body,
    competences {code: level number}, outcomes, parts {"quiz": parsed quiz})."""

    frameworks: list[tuple[str, dict, bytes]]
    indexes: dict[str, FrameworkIndex]
    roles: list[dict]
    courses: list[dict]


def read_content(content_dir: Path) -> ContentPlan:
    """Read and validate everything under ``content_dir`` without changing the database (a
    framework not in the folder is looked up in it). Raises ValidationFailed listing every
    problem, each named by file and line."""
    issues: list[Issue] = []
    root = content_dir.resolve()

    def rel(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(root.parent))
        except ValueError:
            return str(path)

    frameworks, indexes = read_frameworks(root / "frameworks", rel, issues)
    roles = read_roles(root / "roles", rel, indexes, issues)
    courses = [
        _read_course(d, rel, indexes, issues)
        for d in sorted((root / "courses").glob("*/"))
        if (d / "course.yaml").exists()
    ]
    if issues:
        raise ValidationFailed(
            f"{root.name}/ ({root}) has {len(issues)} error(s); nothing was loaded.", issues
        )
    return ContentPlan(frameworks, indexes, roles, [c for c in courses if c is not None])


def load_content(content_dir: Path) -> LoadReport:
    """Validate and apply everything under ``content_dir``; flushes, never commits.
    Raises ValidationFailed listing every problem (file and line) before any change."""
    plan = read_content(content_dir)
    report = LoadReport()
    for slug, meta, raw in plan.frameworks:
        result = import_framework(
            raw,
            slug=slug,
            name=meta["name"],
            version=str(meta["version"]),
            attribution=meta.get("attribution", ""),
        )
        report.frameworks[slug] = result["changed"]
    for role in plan.roles:
        if apply_target_profile(**role):
            report.profiles_changed.append(role["slug"])
    for course in plan.courses:
        if _apply_course(course):
            report.courses_changed.append(course["slug"])
        else:
            report.courses_unchanged.append(course["slug"])
    db.session.flush()
    return report


def _read_course(folder: Path, rel, indexes, issues: list[Issue]) -> dict | None:
    path = folder / "course.yaml"
    where = rel(path)
    data, found = load_yaml(path, where)
    issues.extend(found)
    if not isinstance(data, LineDict):
        return None
    missing = [k for k in ("slug", "title", "framework", "modules") if not data.get(k)]
    if missing:
        issues.append(Issue(f"{where}, line {data.line}", f"missing {', '.join(missing)}"))
        return None
    if not set(str(data["slug"])) <= SLUG_CHARS:
        issues.append(
            Issue(f"{where}, line {data.line_of('slug')}", "slug may hold only a-z, 0-9 and -")
        )
    index = index_for(
        data["framework"], indexes, f"{where}, line {data.line_of('framework')}", issues
    )
    if index is None:
        return None
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        if file.is_file():
            digest.update(file.relative_to(folder).as_posix().encode() + b"\0" + file.read_bytes())
    modules, slugs = [], set()
    for position, spec in enumerate(data["modules"], start=1):
        at = f"{where}, line {getattr(spec, 'line', data.line)}"
        module = _read_module(spec, folder, rel, index, at, issues)
        if module is None:
            continue
        if module["slug"] in slugs:
            issues.append(Issue(at, f"module slug {module['slug']!r} repeats"))
        slugs.add(module["slug"])
        modules.append(module | {"position": position})
    files = read_course_files(
        folder, [(folder / m["file"], m["body"]) for m in modules], rel, issues
    )
    parts = {}
    for key, part in _COURSE_PARTS.items():
        if key in data:
            parsed, found = part.validate(
                data[key], folder, f"{where}, line {data.line_of(key)}", index, sorted(slugs)
            )
            issues.extend(found)
            parts[key] = parsed
    return {
        "slug": data["slug"],
        "title": data["title"],
        "summary": str(data.get("summary", "")).strip(),
        "framework": data["framework"],
        "folder": folder,
        "sha256": digest.hexdigest(),
        "modules": modules,
        "files": files,
        "parts": parts,
    }


def _read_module(
    spec: Any, folder: Path, rel, index: FrameworkIndex, at: str, issues: list[Issue]
) -> dict | None:
    if not isinstance(spec, LineDict):
        issues.append(Issue(at, "a module must be a mapping"))
        return None
    missing = [k for k in ("slug", "title", "file", "outcomes", "competences") if not spec.get(k)]
    if missing:
        issues.append(Issue(at, f"module lacks {', '.join(missing)}"))
        return None
    body_path = folder / spec["file"]
    if not body_path.is_file():
        issues.append(Issue(f"{at}", f"lesson file {spec['file']} does not exist"))
        return None
    body = body_path.read_text(encoding="utf-8")
    issues.extend(heading_problems(body, rel(body_path)))
    issues.extend(placeholder_problems(body, rel(body_path)))
    competences = {}
    for entry in spec["competences"]:
        found = competence_level(
            entry,
            index,
            f"{rel(folder / 'course.yaml')}, line {getattr(entry, 'line', spec.line)}",
            issues,
        )
        if found and found[0] in competences:
            issues.append(
                Issue(
                    f"{rel(folder / 'course.yaml')}, line {getattr(entry, 'line', spec.line)}",
                    f"competence {found[0]} is listed twice; a module proves one level of it",
                )
            )
        elif found:
            competences[found[0]] = found[1]
    outcomes = []
    if not 2 <= len(spec["outcomes"]) <= 4:
        issues.append(Issue(at, f"a module has 2-4 outcomes, not {len(spec['outcomes'])}"))
    for entry in spec["outcomes"]:
        here = f"{rel(folder / 'course.yaml')}, line {getattr(entry, 'line', spec.line)}"
        found = competence_level(entry, index, here, issues)
        if not found:
            continue
        if not str(entry.get("text", "")).strip():
            issues.append(Issue(here, "outcome without text"))
        if found[0] not in competences:
            issues.append(
                Issue(here, f"outcome competence {found[0]} is not among the module's competences")
            )
        elif found[1] > competences[found[0]]:
            # evidence is recorded at the module's level: an outcome above it promises more
            issues.append(
                Issue(
                    here,
                    f"outcome at level {found[1]} is above level {competences[found[0]]}, "
                    f"which the module proves for {found[0]}",
                )
            )
        code = entry.get("learning_outcome")
        if code and index.outcomes.get(code) != found:
            actual = index.outcomes.get(code)
            issues.append(
                Issue(
                    here,
                    f"learning outcome {code} "
                    + (
                        "does not exist"
                        if actual is None
                        else f"belongs to competence {actual[0]} at level {actual[1]}, "
                        f"not {found[0]} at level {found[1]}"
                    ),
                )
            )
        outcomes.append(
            {
                "text": str(entry.get("text", "")).strip(),
                "competence": found[0],
                "level": found[1],
                "learning_outcome": code,
            }
        )
    parts = {}
    for key, part in _PARTS.items():
        if key not in spec:
            if part.required:
                issues.append(Issue(at, f"module {spec['slug']!r} has no {key}"))
            continue
        parsed, found = part.validate(
            spec[key], folder, f"{rel(folder / 'course.yaml')}, line {spec.line_of(key)}", index
        )
        issues.extend(found)
        parts[key] = parsed
    validity = spec.get("validity_months")
    if validity is not None and (not isinstance(validity, int) or validity < 1):
        issues.append(Issue(at, "validity_months must be a whole number of months >= 1"))
    return {
        "slug": spec["slug"],
        "title": spec["title"],
        "file": spec["file"],
        "minutes": int(spec.get("minutes", 10)),
        "validity_months": validity,
        "body": body,
        "competences": competences,
        "outcomes": outcomes,
        "parts": parts,
    }


def _apply_course(data: dict) -> bool:
    course = db.session.scalar(select(Course).where(Course.slug == data["slug"]))
    if course is not None and course.content_sha256 == data["sha256"]:
        return False
    framework = db.session.scalar(select(Framework).where(Framework.slug == data["framework"]))
    competence_ids = dict(
        db.session.execute(
            select(Competence.code, Competence.id).where(Competence.framework_id == framework.id)
        ).all()
    )
    if course is None:
        course = Course(slug=data["slug"])
        db.session.add(course)
    course.title, course.summary = data["title"], data["summary"]
    course.framework_slug, course.content_sha256 = data["framework"], data["sha256"]
    db.session.flush()
    existing = {
        m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))
    }
    for module in existing.values():
        module.active = False
        module.position += 10_000  # free the positions while the new order is set
    db.session.flush()
    for spec in data["modules"]:
        module = existing.get(spec["slug"]) or Module(course_id=course.id, slug=spec["slug"])
        db.session.add(module)
        module.position, module.title, module.minutes = (
            spec["position"],
            spec["title"],
            spec["minutes"],
        )
        module.validity_months, module.active = spec["validity_months"], True
        module.body_markdown = spec["body"]
        module.body_html = rewrite_image_sources(
            render_markdown(spec["body"]), data["slug"], _folder_of(spec["file"])
        )
        if module.id is not None:  # delete the old mapping rows before inserting the new ones
            module.outcomes.clear()
            module.competences.clear()
            db.session.flush()
        module.outcomes = [
            ModuleOutcome(
                position=n,
                text=o["text"],
                competence_id=competence_ids[o["competence"]],
                level_number=o["level"],
                learning_outcome_code=o["learning_outcome"],
            )
            for n, o in enumerate(spec["outcomes"], start=1)
        ]
        module.competences = [
            ModuleCompetence(competence_id=competence_ids[code], level_number=level)
            for code, level in spec["competences"].items()
        ]
        db.session.flush()
        for key, parsed in spec["parts"].items():
            _PARTS[key].apply(module, parsed)
    sync_course_files(course.id, data.get("files", {}))
    for key, course_part in _COURSE_PARTS.items():
        course_part.apply(course, data.get("parts", {}).get(key))
    return True


def _folder_of(lesson_file: str) -> str:
    """The lesson's folder relative to the course folder ("" when it is at the root)."""
    parent = PurePosixPath(lesson_file).parent.as_posix()
    return "" if parent == "." else parent
