"""Attempts: start, save, submit, score, review (issue 2 and 4).

Scoring happens here on the server with :mod:`learnhub.quizzes.scoring`; the learner sees
questions through :func:`learnhub.quizzes.render.learner_question`, which never carries a key.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.catalog.models import Module
from learnhub.core.errors import Conflict, DomainError, NotFound
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.quizzes import scoring
from learnhub.quizzes.models import Attempt, Question, Quiz, Response
from learnhub.quizzes.signals import attempt_started, attempt_submitted
from learnhub.skills.services import record_evidence

logger = logging.getLogger(__name__)

CHOICE_TYPES = ("single_choice", "multiple_choice", "true_false")
#: seconds of grace after the deadline for a submit already on its way
DEADLINE_GRACE = 30


def current_quiz(module_id: int) -> Quiz | None:
    """The current version of the module's quiz, or None when the module has no quiz."""
    return db.session.scalar(
        select(Quiz).where(Quiz.module_id == module_id, Quiz.is_current.is_(True))
    )


def get_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        raise NotFound("No such quiz.")
    return quiz


def submitted_count(quiz: Quiz, employee_id: int) -> int:
    """Submitted attempts of this employee on any version of the module's quiz."""
    return (
        db.session.scalar(
            select(func.count(Attempt.id))
            .join(Quiz, Attempt.quiz_id == Quiz.id)
            .where(
                Quiz.module_id == quiz.module_id,
                Attempt.employee_id == employee_id,
                Attempt.state == "submitted",
            )
        )
        or 0
    )


def attempts_of(module_id: int, employee_id: int) -> list[Attempt]:
    """Every attempt of the employee at the module's quiz (all versions), oldest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .join(Quiz, Attempt.quiz_id == Quiz.id)
            .where(Quiz.module_id == module_id, Attempt.employee_id == employee_id)
            .order_by(Attempt.started_at, Attempt.id)
        )
    )


def in_progress(quiz: Quiz, employee_id: int) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(
            Attempt.quiz_id == quiz.id,
            Attempt.employee_id == employee_id,
            Attempt.state == "in_progress",
        )
    )


def start_attempt(quiz_id: int, employee_id: int, *, extra_seconds: int = 0) -> Attempt:
    """Start an attempt, or return the one already in progress (resume).

    Raises NotFound for an unknown quiz, Conflict when the quiz version is no longer current or
    the attempt limit is used up. The one-in-progress rule is a partial unique index, so two
    simultaneous starts give one attempt. ``extra_seconds``: accessibility extra time (WCAG 2.2.1).
    """
    quiz = get_quiz(quiz_id)
    existing = in_progress(quiz, employee_id)
    if existing is not None:
        if close_if_overdue(existing):
            return start_attempt(quiz_id, employee_id, extra_seconds=extra_seconds)
        return existing
    if not quiz.is_current:
        raise Conflict("This quiz has a newer version; start the current one.")
    used = submitted_count(quiz, employee_id)
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise Conflict(f"All {quiz.max_attempts} attempts at this quiz are used.")
    rng = random.SystemRandom()
    layout: dict = {"questions": [q.id for q in quiz.questions], "choices": {}}
    for question in quiz.questions:
        items = question.spec.get("choices") or question.spec.get("pairs")
        if items:
            order = list(range(len(items)))
            if quiz.shuffle_answers and question.qtype != "true_false":
                rng.shuffle(order)
            layout["choices"][str(question.id)] = order
    now = utcnow()
    deadline = None
    if quiz.time_limit_seconds:
        deadline = now + timedelta(seconds=quiz.time_limit_seconds + extra_seconds)
    attempt = Attempt(
        quiz_id=quiz.id,
        employee_id=employee_id,
        number=used + 1,
        started_at=now,
        deadline_at=deadline,
        layout=layout,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a twin request started one first
        existing = in_progress(quiz, employee_id)
        if existing is None:
            raise
        return existing
    attempt_started.send(attempt)
    return attempt


def get_attempt(attempt_id: int, employee_id: int) -> Attempt:
    """The employee's own attempt; NotFound for anyone else's (no hint that it exists)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.employee_id != employee_id:
        raise NotFound("No such attempt.")
    return attempt


def save_responses(attempt: Attempt, answers: dict[int, dict]) -> None:
    """Store (replace) responses of an in-progress attempt; ``answers`` = {question_id:
    response dict}. Raises Conflict when submitted, DomainError for a question not in it."""
    if attempt.state != "in_progress":
        raise Conflict("This attempt is already submitted.")
    _write_responses(attempt, answers)


def _write_responses(attempt: Attempt, answers: dict[int, dict]) -> None:
    valid = set(attempt.layout.get("questions", []))
    unknown = sorted(set(answers) - valid)
    if unknown:
        raise DomainError(f"Question(s) {unknown} are not part of attempt {attempt.id}.")
    by_question = {r.question_id: r for r in attempt.responses}
    now = utcnow()
    for question_id, answer in answers.items():
        response = by_question.get(question_id)
        if response is None:
            response = Response(attempt_id=attempt.id, question_id=question_id)
            attempt.responses.append(response)
        response.answer, response.saved_at = answer or {}, now
    db.session.flush()


def close_if_overdue(attempt: Attempt) -> bool:
    """Submit an in-progress attempt whose deadline passed, with what was saved (issue 4:
    never a stuck attempt). Returns True when it did."""
    if attempt.state != "in_progress" or attempt.deadline_at is None:
        return False
    if utcnow() <= attempt.deadline_at + timedelta(seconds=DEADLINE_GRACE):
        return False
    submit_attempt(attempt, None)
    return True


def submit_attempt(attempt: Attempt, answers: dict[int, dict] | None) -> Attempt:
    """Save ``answers`` (if any and in time), then score and close the attempt exactly once.

    A second submit (double click, retry, another tab) changes nothing and returns the same
    attempt: the state moves from in_progress to submitted by one conditional UPDATE, which only
    one transaction can win. Records evidence when the attempt passes. Flushes, never commits.
    """
    if attempt.state == "submitted":
        return attempt
    now = utcnow()
    late = attempt.deadline_at is not None and now > attempt.deadline_at + timedelta(
        seconds=DEADLINE_GRACE
    )
    claimed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state="submitted", submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if claimed == 0:
        return attempt
    if answers and not late:
        _write_responses(attempt, answers)
    _score(attempt)
    db.session.flush()
    if attempt.passed:
        _record_evidence(attempt)
    attempt_submitted.send(attempt)
    return attempt


def _score(attempt: Attempt) -> None:
    responses = {r.question_id: r for r in attempt.responses}
    results = []
    for question in attempt.quiz.questions:
        response = responses.get(question.id)
        result = scoring.score_question(question.spec, response.answer if response else None)
        results.append(result)
        if response is None:
            response = Response(attempt_id=attempt.id, question_id=question.id, answer={})
            attempt.responses.append(response)
        response.fraction_exact = None if result.fraction is None else str(result.fraction)
        response.points = _decimal(result.points)
        response.state = result.state
        response.feedback = result.feedback
    totals = scoring.total(results)
    attempt.raw_points, attempt.max_points = _decimal(totals.raw), _decimal(totals.maximum)
    attempt.score_exact = None if totals.fraction is None else str(totals.fraction)
    attempt.needs_review = totals.needs_review
    attempt.passed = (
        totals.fraction is not None
        and not totals.needs_review
        and scoring.passes(totals.fraction, attempt.quiz.pass_mark)
    )


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.0000001"), rounding=ROUND_FLOOR
    )


def _record_evidence(attempt: Attempt) -> None:
    module = db.session.get(Module, attempt.quiz.module_id)
    expires = None
    if module.validity_months:
        expires = attempt.submitted_at + timedelta(days=round(module.validity_months * 30.4375))
    for mapping in module.competences:
        record_evidence(
            employee_id=attempt.employee_id,
            competence_id=mapping.competence_id,
            level=mapping.level_number,
            kind="quiz_passed",
            source=f"attempt:{attempt.id}",
            achieved_at=attempt.submitted_at,
            expires_at=expires,
        )


def exact(value: str | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def review_allowed(attempt: Attempt) -> bool:
    """May the learner see correct answers and per-answer feedback of this attempt?

    ``after_submit``: once submitted; ``after_pass_or_last_attempt`` (default, issue 4): once an
    attempt of theirs passed or the last allowed attempt is used; ``never``: not at all.
    """
    if attempt.state != "submitted":
        return False
    policy = attempt.quiz.review_policy
    if policy == "after_submit":
        return True
    if policy == "never":
        return False
    if attempt.passed:
        return True
    quiz = attempt.quiz
    return (
        bool(quiz.max_attempts) and submitted_count(quiz, attempt.employee_id) >= quiz.max_attempts
    )


def grade(module_id: int, employee_id: int, method: str) -> Fraction | None:
    """The module quiz grade under ``method`` over submitted, scored attempts (all versions)."""
    fractions = [
        Fraction(a.score_exact)
        for a in attempts_of(module_id, employee_id)
        if a.state == "submitted" and a.score_exact is not None
    ]
    return scoring.grade_attempts(fractions, method)


def questions_by_id(quiz: Quiz) -> dict[int, Question]:
    return {q.id: q for q in quiz.questions}


def current_quiz_ids() -> dict[int, int]:
    """{module_id: current quiz id} for every module with a quiz (one query)."""
    return dict(
        db.session.execute(select(Quiz.module_id, Quiz.id).where(Quiz.is_current.is_(True))).all()
    )
