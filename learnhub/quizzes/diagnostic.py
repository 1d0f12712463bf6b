"""A course's diagnostic quiz ("test out of this course"), declared in its course.yaml:

    diagnostic:
      file: diagnostic.gift        # GIFT, written to CONTENT-GUIDE.md like any module quiz
      covers: [module-slug, ...]   # the modules passing it waives
      pass_mark: 80
      max_attempts: 1              # default 1; 1-3
      review: after_pass           # default after_pass
      questions_per_attempt: 8     # optional: the file is a bank, each attempt draws this many

Passing it records the evidence passing each covered module would (their competences at their
levels, ``attempt_scoring.record_attempt_evidence``) and waives those modules for the learner
(``learnhub.progress.test_out``); its tagged questions give question-level evidence like any
quiz. Versioned like a module's quiz: a changed file, setting or ``covers`` is a new version,
and attempts stay pinned to theirs.

Rules a diagnostic adds to a module quiz's (why: a test-out that can be retried at will, or
whose answers are shown before the next try, proves nothing): ``covers`` names at least one
module of the course, each once; ``max_attempts`` is 1 to 3 (never unlimited); the review
policy ``after_submit`` is allowed only with one attempt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from learnhub.catalog.loader import CoursePart
from learnhub.catalog.models import Course, Module
from learnhub.core.errors import Issue
from learnhub.extensions import db
from learnhub.quizzes.content_loader import validate_quiz, write_version
from learnhub.quizzes.models import Attempt, AttemptState, Quiz, ReviewPolicy
from learnhub.skills.profiles import FrameworkIndex

MAX_ATTEMPTS = 3
#: the content bank category of a course's diagnostic (module slugs never hold "_")
BANK_SUFFIX = "_test-out"


def validate_diagnostic(
    spec: Any, folder: Path, where: str, index: FrameworkIndex, module_slugs: list[str]
) -> tuple[dict | None, list[Issue]]:
    """Check a course's ``diagnostic:`` (module docstring). Returns (parsed, issues): parsed is
    a module quiz's (settings, questions, sha256) plus ``covers`` (module slugs); issues name
    the course.yaml line, or the GIFT file and line."""
    if not isinstance(spec, dict) or not spec.get("file"):
        return None, [Issue(where, "diagnostic needs a mapping with at least `file` and `covers`")]
    issues: list[Issue] = []
    covers = spec.get("covers")
    if not isinstance(covers, list) or not covers:
        issues.append(Issue(where, "diagnostic `covers` lists the module slugs it waives"))
        covers = []
    for slug in covers:
        if slug not in module_slugs:
            issues.append(Issue(where, f"diagnostic covers {slug!r}, not a module of this course"))
    if len(set(map(str, covers))) != len(covers):
        issues.append(Issue(where, "diagnostic `covers` names a module twice"))
    settings = {k: v for k, v in spec.items() if k != "covers"}
    settings.setdefault("max_attempts", 1)
    settings.setdefault("review", ReviewPolicy.AFTER_PASS.value)
    attempts = settings["max_attempts"]
    if isinstance(attempts, int) and not 1 <= attempts <= MAX_ATTEMPTS:
        issues.append(Issue(where, f"a diagnostic allows 1-{MAX_ATTEMPTS} attempts"))
    if settings["review"] == ReviewPolicy.AFTER_SUBMIT and attempts != 1:
        issues.append(
            Issue(where, "review after_submit would show the answers before the next attempt")
        )
    parsed, found = validate_quiz(settings, folder, where, index)
    issues.extend(found)
    if parsed is None:
        return None, issues
    digest = hashlib.sha256(json.dumps([parsed["sha256"], covers]).encode()).hexdigest()
    return {**parsed, "sha256": digest, "covers": [str(c) for c in covers]}, issues


def apply_diagnostic(course: Course, parsed: dict | None) -> bool:
    """Write a new diagnostic version when it changed; ``parsed`` None (the course.yaml has
    none any more): the current one stops being current (attempts keep it). Flushes."""
    place = Quiz.course_id == course.id
    if parsed is None:
        result = db.session.execute(
            update(Quiz).where(place, Quiz.is_current.is_(True)).values(is_current=False)
        )
        return bool(getattr(result, "rowcount", 0))
    ids = dict(
        db.session.execute(
            select(Module.slug, Module.id).where(
                Module.course_id == course.id, Module.slug.in_(parsed["covers"])
            )
        ).all()
    )
    return write_version(
        parsed,
        place,
        bank_path=f"{course.slug}/{BANK_SUFFIX}",
        title=f"Test out: {course.title}",
        course_id=course.id,
        covers=[ids[slug] for slug in parsed["covers"]],
    )


def current_diagnostic(course_id: int) -> Quiz | None:
    """The course's current diagnostic quiz, None when it has none."""
    return db.session.scalar(
        select(Quiz).where(Quiz.course_id == course_id, Quiz.is_current.is_(True))
    )


@dataclass(frozen=True)
class TestOut:
    """What the course page says of its test-out for one learner. ``covers``: [(module id,
    title, minutes)]; ``used``/``allowed``: submitted attempts and the limit; ``passed``:
    they tested out; ``open_attempt_id``: an attempt in progress to resume."""

    quiz_id: int
    covers: list[tuple[int, str, int]]
    pass_mark: str
    used: int
    allowed: int
    passed: bool
    open_attempt_id: int | None

    @property
    def can_start(self) -> bool:
        return not self.passed and (self.open_attempt_id is not None or self.used < self.allowed)

    @property
    def minutes(self) -> int:
        return sum(m for _i, _t, m in self.covers)


def test_out_for(course: Course, employee_id: int) -> TestOut | None:
    """The course's test-out as ``employee_id`` sees it (two queries), None without one."""
    quiz = current_diagnostic(course.id)
    if quiz is None:
        return None
    attempts = db.session.execute(
        select(Attempt.id, Attempt.state, Attempt.passed)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course.id, Attempt.employee_id == employee_id)
    ).all()
    modules = {m.id: m for m in course.modules if m.active}
    covers = [(i, modules[i].title, modules[i].minutes) for i in quiz.covers or [] if i in modules]
    return TestOut(
        quiz.id,
        covers,
        format(quiz.pass_mark.normalize(), "f"),
        sum(1 for a in attempts if a.state == AttemptState.SUBMITTED),
        quiz.max_attempts,
        any(a.passed for a in attempts),
        next((a.id for a in attempts if a.state == AttemptState.IN_PROGRESS), None),
    )


#: the ``diagnostic:`` part of a course.yaml, registered by :func:`learnhub.quizzes.init_app`
DIAGNOSTIC_PART = CoursePart("diagnostic", validate_diagnostic, apply_diagnostic)
