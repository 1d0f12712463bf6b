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

from sqlalchemy import func, select, update

from learnhub.catalog.loader import ModulePart
from learnhub.catalog.models import Module
from learnhub.core.errors import Issue
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.questionbank.competence_tags import course_framework_resolver, resolve_competences
from learnhub.questionbank.gift import parse_gift
from learnhub.questionbank.models import (
    CHOICE_TYPES,
    Question,
    QuestionBank,
    QuestionCategory,
    QuestionType,
)
from learnhub.questionbank.services import CONTENT_BANK as CONTENT_BANK
from learnhub.questionbank.services import spec_digest
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
from learnhub.skills.profiles import FrameworkIndex

SCORED_MIN, SCORED_MAX = 5, 10
ANSWER_TYPES = (QuestionType.SHORT_ANSWER, QuestionType.NUMERIC)


def validate_quiz(
    spec: Any, folder: Path, where: str, index: FrameworkIndex | None = None
) -> tuple[dict | None, list[Issue]]:
    """Check a module's quiz settings and GIFT file. Returns (parsed, issues); issues name the
    course.yaml line for settings and the GIFT file line for questions. With ``index`` (the
    course's framework) the questions' competence tags are resolved against it
    (:mod:`learnhub.questionbank.competence_tags`); a tag without ``index`` is an error."""
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
    issues.extend(resolve_question_tags(result.questions, index, gift_where))
    scored = [
        q
        for q in result.questions
        if q["type"] not in (QuestionType.DESCRIPTION, QuestionType.ESSAY)
    ]
    per_attempt = len(scored) + sum(rule["count"] for rule in extra.get("draw_rules", []))
    own_draw = extra.get("questions_per_attempt")
    if own_draw is not None:  # the file is the module's bank: none of it is shown every time
        per_attempt += own_draw - len(scored)
        if not result.errors and own_draw > len(scored):
            issues.append(
                Issue(
                    where,
                    f"questions_per_attempt {own_draw} is more than the {len(scored)} scored "
                    f"questions of {spec['file']}",
                )
            )
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


def resolve_question_tags(
    questions: list[dict], index: FrameworkIndex | None, gift_where: str
) -> list[Issue]:
    """Resolve each question's competence tags (its ``"competences"``) against the course's
    framework ``index``, in place; returns the issues, each naming the GIFT file and line."""
    issues = []
    for question in questions:
        if not question.get("competences"):
            continue
        at = f"{gift_where}, line {question.get('line', 0)}"
        if index is None:
            issues.append(Issue(at, "competence tags need the course's framework"))
            continue
        resolved, problems = resolve_competences(
            question["competences"], course_framework_resolver(index)
        )
        issues.extend(Issue(at, problem) for problem in problems)
        question["competences"] = resolved
    return issues


def _optional_settings(spec: dict, where: str, issues: list[Issue]) -> dict:
    """``shuffle_questions``, ``essays_graded`` (a reviewer scores essays),
    ``feedback_after_fail`` (none | correctness | feedback: what a failed attempt shows per
    question before the review opens), ``draw`` (random questions per attempt from question
    banks: ``[{bank, category, count, subcategories}]``) and ``questions_per_attempt`` (the
    GIFT file is the module's own bank, and each attempt draws this many of its questions at
    random; CONTENT-GUIDE.md: "attempts draw at random, so a retry meets new questions"). Only
    the keys written in course.yaml are returned, so a quiz that uses none keeps its content
    hash (and its version). The banks of ``draw`` are checked when an attempt starts: they are
    imported separately (``flask quizzes import``)."""
    extra: dict = {}
    if "questions_per_attempt" in spec:
        count = spec["questions_per_attempt"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            issues.append(Issue(where, "questions_per_attempt must be a whole number >= 1"))
        else:
            extra["questions_per_attempt"] = count
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
    """Create the first version, or a new one when questions or settings changed. Flushes.

    With ``questions_per_attempt`` the file's questions go to the module's category of the
    ``content`` bank (:func:`sync_module_bank`) and the quiz draws from it; the quiz keeps no
    question of its own. The content hash covers the questions, so a changed bank is a new
    version too."""
    return write_version(
        parsed,
        Quiz.module_id == module.id,
        bank_path=f"{module.course.slug}/{module.slug}",
        title=module.title,
        module_id=module.id,
    )


def write_version(parsed: dict, place, *, bank_path: str, title: str, **owner: Any) -> bool:
    """Write a new current quiz version for the place ``place`` (an SQL condition on Quiz: a
    module's quizzes, or a course's diagnostic) unless the current one has the same content
    hash; ``owner``: the new Quiz's ``module_id`` or ``course_id`` (and ``covers``). Returns
    True when a version was written. Flushes."""
    settings = parsed["settings"]
    own_draw = settings.get("questions_per_attempt")
    if own_draw is not None:
        sync_module_bank(bank_path, parsed["questions"])
    current = db.session.scalar(select(Quiz).where(place, Quiz.is_current.is_(True)))
    if current is not None and current.content_sha256 == parsed["sha256"]:
        return False
    latest = (
        db.session.scalar(select(Quiz.version).where(place).order_by(Quiz.version.desc()).limit(1))
        or 0
    )
    db.session.execute(update(Quiz).where(place).values(is_current=False))
    rules = list(settings.get("draw_rules", []))
    if own_draw is not None:
        rules.insert(
            0,
            {
                "bank": CONTENT_BANK,
                "category": bank_path,
                "count": own_draw,
                "subcategories": False,
            },
        )
    quiz = Quiz(
        **owner,
        version=latest + 1,
        is_current=True,
        title=title,
        pass_mark=Decimal(settings["pass_mark"]),
        max_attempts=settings["max_attempts"],
        grading_method=settings["grading_method"],
        review_policy=settings["review_policy"],
        time_limit_seconds=settings["time_limit_seconds"],
        shuffle_answers=settings["shuffle_answers"],
        shuffle_questions=settings.get("shuffle_questions", False),
        essays_graded=settings.get("essays_graded", False),
        feedback_after_fail=settings.get("feedback_after_fail", FeedbackAfterFail.NONE),
        draw_rules=rules,
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
        for n, q in enumerate([] if own_draw is not None else parsed["questions"], start=1)
    ]
    db.session.add(quiz)
    db.session.flush()
    return True


def sync_module_bank(path: str, specs: list[dict]) -> None:
    """Make the current questions of the ``content`` bank's category ``path`` exactly
    ``specs`` (a module's GIFT file): add the new ones, retire those no longer in the file
    (attempts that drew them keep them), leave the unchanged ones. Flushes."""
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == CONTENT_BANK))
    if bank is None:
        bank = QuestionBank(name=CONTENT_BANK)
        db.session.add(bank)
        db.session.flush()
    category = db.session.scalar(
        select(QuestionCategory).where(
            QuestionCategory.bank_id == bank.id, QuestionCategory.path == path
        )
    )
    if category is None:
        category = QuestionCategory(bank_id=bank.id, path=path)
        db.session.add(category)
        db.session.flush()
    current = {
        q.content_sha256: q
        for q in db.session.scalars(
            select(Question).where(
                Question.category_id == category.id, Question.retired_at.is_(None)
            )
        )
    }
    wanted: dict[str, dict] = {}
    for spec in specs:
        spec = {**spec, "category": path}
        wanted.setdefault(spec_digest(spec), spec)
    for digest, question in current.items():
        if digest not in wanted:
            question.retired_at = utcnow()
    position = (
        db.session.scalar(
            select(func.coalesce(func.max(Question.position), 0)).where(Question.bank_id == bank.id)
        )
        or 0
    )
    for digest, spec in wanted.items():
        if digest in current:
            continue
        position += 1
        db.session.add(
            Question(
                bank_id=bank.id,
                category_id=category.id,
                position=position,
                qtype=spec["type"],
                name=(spec.get("name") or "")[:255] or None,
                idnumber=spec.get("idnumber"),
                points=Decimal(spec.get("points", "1")),
                spec=spec,
                content_sha256=digest,
            )
        )
    db.session.flush()


#: the quiz part of a module's content, registered by :func:`learnhub.quizzes.init_app`
QUIZ_PART = ModulePart("quiz", validate_quiz, apply_quiz)
