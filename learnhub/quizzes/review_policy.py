"""The review policy of a submitted attempt: may its learner see correct answers and
per-answer feedback (:func:`review_allowed`)? Split from :mod:`learnhub.quizzes.services`
(files past about 400 lines become smaller modules); it needs how many attempts the employee
submitted (:func:`submitted_count`, also the attempt limit's count) and whether they passed.
"""

from __future__ import annotations

from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.quizzes.models import Attempt, AttemptState, Quiz, ReviewPolicy


def submitted_count(quiz: Quiz, employee_id: int) -> int:
    """Submitted attempts of this employee on any version of the module's quiz."""
    return (
        db.session.scalar(
            select(func.count(Attempt.id))
            .join(Quiz, Attempt.quiz_id == Quiz.id)
            .where(
                quiz.same_place(),
                Attempt.employee_id == employee_id,
                Attempt.state == AttemptState.SUBMITTED,
            )
        )
        or 0
    )


def review_allowed(attempt: Attempt) -> bool:
    """May the learner see correct answers and per-answer feedback of this attempt?

    ``after_submit``: once submitted; ``after_pass_or_last_attempt`` (the default): once
    this attempt passed or the last allowed attempt is used; ``after_pass``: once this attempt
    passed; ``after_last_attempt``: once the last allowed attempt is used (never with unlimited
    attempts); ``never``: not at all. Nothing while an essay waits for its reviewer.
    """
    if attempt.state != AttemptState.SUBMITTED or attempt.needs_review:
        return False
    policy = attempt.quiz.review_policy
    if policy == ReviewPolicy.AFTER_SUBMIT:
        return True
    if policy == ReviewPolicy.NEVER:
        return False
    if policy in (ReviewPolicy.AFTER_PASS, ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT) and (
        attempt.passed or _has_passed(attempt.quiz, attempt.employee_id)
    ):
        # once they passed, the answers give nothing away: earlier attempts open up too
        return True
    if policy == ReviewPolicy.AFTER_PASS:
        return False
    quiz = attempt.quiz
    return (
        bool(quiz.max_attempts) and submitted_count(quiz, attempt.employee_id) >= quiz.max_attempts
    )


def _has_passed(quiz: Quiz, employee_id: int) -> bool:
    """Has the employee passed any version of this module's quiz?"""
    return bool(
        db.session.scalar(
            select(func.count(Attempt.id))
            .join(Quiz, Attempt.quiz_id == Quiz.id)
            .where(
                quiz.same_place(),
                Attempt.employee_id == employee_id,
                Attempt.passed.is_(True),
            )
        )
    )
