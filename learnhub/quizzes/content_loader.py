"""The ``quiz:`` part of a module in course.yaml: settings plus a GIFT file.

Registered with the catalog loader at import. A quiz whose questions or settings changed gets a
new version; attempts stay pinned to the version they were taken on (DESIGN.md).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from learnhub.catalog.loader import ModulePart
from learnhub.catalog.models import Module
from learnhub.core.errors import Issue
from learnhub.extensions import db
from learnhub.questionbank.gift import parse_gift
from learnhub.questionbank.models import CHOICE_TYPES, Question, QuestionType
from learnhub.quizzes.layout import normalise_rules
from learnhub.quizzes.models import (
    FEEDBACK_AFTER_FAIL,
    GRADING_METHODS,
    REVIEW_POLICIES,
    FeedbackAfterFail,
    GradingMethod,
    Quiz,
    ReviewPolicy,
)

SCORED_MIN, SCORED_MAX = 5, 10
ANSWER_TYPES = (QuestionType.SHORT_ANSWER, QuestionType.NUMERIC)


def validate_quiz(spec: Any, folder: Path, where: str) -> tuple[dict | None, list[Issue]]:
    """Check a module's quiz settings and GIFT file. Returns (parsed, issues); issues name the
    course.yaml line for settings and the GIFT file line for questions."""
    issues: list[Issue] = []
    if not isinstance(spec, dict) or not spec.get("file"):
        return None, [Issue(where, "quiz needs a mapping with at least `file`")]
    path = folder / spec["file"]
    gift_where = f"{folder.parent.parent.name}/{folder.parent.name}/{folder.name}/{spec['file']}"
    if not path.is_file():
        return None, [Issue(where, f"quiz file {spec['file']} does not exist")]
    try:
        pass_mark = Decimal(str(spec.get("pass_mark", 80)))
    except InvalidOperation:
        pass_mark = Decimal(-1)
    if not Decimal(0) < pass_mark <= Decimal(100):
        issues.append(
            Issue(where, f"pass_mark {spec.get('pass_mark')!r} must be a percent in (0, 100]")
        )
    max_attempts = spec.get("max_attempts", 0)
    if not isinstance(max_attempts, int) or max_attempts < 0:
        issues.append(Issue(where, "max_attempts must be 0 (unlimited) or a positive number"))
    method = spec.get("grading_method", GradingMethod.HIGHEST)
    if method not in GRADING_METHODS:
        issues.append(Issue(where, f"grading_method {method!r} is not one of {GRADING_METHODS}"))
    review = spec.get("review", ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT)
    if review not in REVIEW_POLICIES:
        issues.append(Issue(where, f"review {review!r} is not one of {REVIEW_POLICIES}"))
    minutes = spec.get("time_limit_minutes")
    if minutes is not None and (not isinstance(minutes, int) or not 1 <= minutes <= 7 * 24 * 60):
        issues.append(Issue(where, "time_limit_minutes must be a whole number from 1 to 10080"))
    extra = _optional_settings(spec, where, issues)
    text = path.read_text(encoding="utf-8")
    result = parse_gift(text)
    issues.extend(Issue(f"{gift_where}, line {e.line}", e.message) for e in result.errors)
    scored = [
        q
        for q in result.questions
        if q["type"] not in (QuestionType.DESCRIPTION, QuestionType.ESSAY)
    ]
    per_attempt = len(scored) + sum(rule["count"] for rule in extra.get("draw_rules", []))
    if not result.errors and not SCORED_MIN <= per_attempt <= SCORED_MAX:
        issues.append(
            Issue(
                gift_where,
                f"a quiz has {SCORED_MIN}-{SCORED_MAX} scored questions, this one {per_attempt}",
            )
        )
    for question in result.questions:
        # CONTENT-GUIDE.md: every option has feedback that explains why it is right or wrong;
        # a typed answer (short answer, numeric) is an option the learner may give.
        at = f"{gift_where}, line {question.get('line', 0)}"
        name = question.get("name") or "question"
        if question["type"] in CHOICE_TYPES:
            for n, choice in enumerate(question["choices"], start=1):
                if not (choice.get("feedback") or {}).get("text"):
                    issues.append(Issue(at, f"option {n} of {name!r} has no feedback"))
        elif question["type"] in ANSWER_TYPES:
            for n, answer in enumerate(question["answers"], start=1):
                if not (answer.get("feedback") or {}).get("text"):
                    issues.append(Issue(at, f"answer {n} of {name!r} has no feedback"))
    settings = {
        "pass_mark": str(pass_mark),
        "max_attempts": max_attempts,
        "grading_method": method,
        "review_policy": review,
        "time_limit_seconds": minutes * 60 if isinstance(minutes, int) else None,
        "shuffle_answers": bool(spec.get("shuffle_answers", True)),
        **extra,
    }
    digest = hashlib.sha256(json.dumps([settings, result.questions], sort_keys=True).encode())
    return {
        "settings": settings,
        "questions": result.questions,
        "sha256": digest.hexdigest(),
    }, issues


def _optional_settings(spec: dict, where: str, issues: list[Issue]) -> dict:
    """``shuffle_questions``, ``essays_graded`` (a reviewer scores essays),
    ``feedback_after_fail`` (none | correctness | feedback: what a failed attempt shows per
    question before the review opens) and ``draw`` (random questions per attempt from question
    banks: ``[{bank, category, count, subcategories}]``).
    Only the keys written in course.yaml are returned, so a quiz that uses none keeps its
    content hash (and its version). The banks are checked when an attempt starts: they are
    imported separately (``flask quizzes import``)."""
    extra: dict = {}
    for key in ("shuffle_questions", "essays_graded"):
        if key in spec:
            if not isinstance(spec[key], bool):
                issues.append(Issue(where, f"{key} must be true or false"))
            extra[key] = bool(spec[key])
    if "feedback_after_fail" in spec:
        level = spec["feedback_after_fail"]
        if level not in FEEDBACK_AFTER_FAIL:
            issues.append(
                Issue(where, f"feedback_after_fail {level!r} is not one of {FEEDBACK_AFTER_FAIL}")
            )
        extra["feedback_after_fail"] = str(level)
    if "draw" in spec:
        rules = spec["draw"]
        valid = isinstance(rules, list) and all(
            isinstance(r, dict)
            and isinstance(r.get("bank"), str)
            and isinstance(r.get("count"), int)
            and r["count"] >= 1
            and set(r) <= {"bank", "category", "count", "subcategories"}
            for r in rules
        )
        if not valid:
            issues.append(
                Issue(where, "draw is a list of {bank, category, count >= 1, subcategories}")
            )
        else:
            extra["draw_rules"] = normalise_rules(rules)
    return extra


def apply_quiz(module: Module, parsed: dict) -> bool:
    """Create the first version, or a new one when questions or settings changed. Flushes."""
    current = db.session.scalar(
        select(Quiz).where(Quiz.module_id == module.id, Quiz.is_current.is_(True))
    )
    if current is not None and current.content_sha256 == parsed["sha256"]:
        return False
    latest = (
        db.session.scalar(
            select(Quiz.version)
            .where(Quiz.module_id == module.id)
            .order_by(Quiz.version.desc())
            .limit(1)
        )
        or 0
    )
    db.session.execute(update(Quiz).where(Quiz.module_id == module.id).values(is_current=False))
    settings = parsed["settings"]
    quiz = Quiz(
        module_id=module.id,
        version=latest + 1,
        is_current=True,
        title=module.title,
        pass_mark=Decimal(settings["pass_mark"]),
        max_attempts=settings["max_attempts"],
        grading_method=settings["grading_method"],
        review_policy=settings["review_policy"],
        time_limit_seconds=settings["time_limit_seconds"],
        shuffle_answers=settings["shuffle_answers"],
        shuffle_questions=settings.get("shuffle_questions", False),
        essays_graded=settings.get("essays_graded", False),
        feedback_after_fail=settings.get("feedback_after_fail", FeedbackAfterFail.NONE),
        draw_rules=settings.get("draw_rules", []),
        content_sha256=parsed["sha256"],
    )
    quiz.questions = [
        Question(
            position=n,
            qtype=q["type"],
            name=(q.get("name") or "")[:255],
            points=Decimal(q.get("points", "1")),
            spec=q,
        )
        for n, q in enumerate(parsed["questions"], start=1)
    ]
    db.session.add(quiz)
    db.session.flush()
    return True


#: the quiz part of a module's content, registered by :func:`learnhub.quizzes.init_app`
QUIZ_PART = ModulePart("quiz", validate_quiz, apply_quiz)
