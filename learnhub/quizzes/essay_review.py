"""Essay review: the attempts waiting for a reviewer, what the reviewer sees of one, and the
reviewer's scores, after which the attempt gets its final score, pass decision and evidence.

Audited. Flushes, never commits (the request commits).
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import select

from learnhub.core.audit import audit
from learnhub.core.errors import Conflict, Issue, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.org.models import Employee
from learnhub.questionbank.models import QuestionType
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, AttemptState
from learnhub.quizzes.regrade import rescore
from learnhub.quizzes.render import stem_html

logger = logging.getLogger(__name__)


#: why a save over marks made since the reviewer read them is refused (the review page's words)
MARKED_SINCE = (
    "These essays were marked after you opened this page: the marks shown are the ones saved "
    "now. Check them, then save again to change them."
)


def marked_stamp(attempt: Attempt) -> str:
    """When the attempt's essays were last marked (ISO time, "" if never): what a reviewer
    read, sent back with the marks (``expected`` of :func:`score_essays`) so that a save over
    marks made since is refused."""
    essays = {q.id for q in attempt_questions(attempt) if q.qtype == QuestionType.ESSAY}
    times = [
        r.reviewed_at
        for r in attempt.responses
        if r.question_id in essays and r.reviewed_at is not None
    ]
    return max(times).isoformat() if times else ""


def score_essays(
    attempt_id: int,
    scores: dict[int, dict],
    reviewer_id: int | None,
    expected: str | None = None,
) -> Attempt:
    """A reviewer scores the essays of a submitted attempt: ``scores`` = {question id:
    {"points": decimal string in [0, max points], "comment": str | None}}. When no essay is
    left waiting, the attempt gets its final score, pass decision and evidence. A reviewer may
    score an essay again (the attempt is rescored). ``expected``: the :func:`marked_stamp` the
    reviewer read ("" never marked; None: unchecked, for API clients that send none); the
    attempt row is locked first (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers),
    so of concurrent saves read at the same stamp exactly one is taken. Raises NotFound,
    Conflict (not submitted, the quiz has no essay grading and the attempt waits for none, or
    :data:`MARKED_SINCE`), ValidationFailed (422) for a question that is not an essay of the
    attempt or points out of range; nothing is changed then. Audited as
    ``quizzes.essay_scored``."""
    attempt = db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .with_for_update(of=Attempt)
        .execution_options(populate_existing=True)
    )
    if attempt is None:
        raise NotFound("No such attempt.")
    if attempt.state != AttemptState.SUBMITTED:
        raise Conflict("The attempt is not submitted yet.")
    if not attempt.quiz.essays_graded and not attempt.needs_review:
        # an attempt that waits for a reviewer stays reviewable even if essay grading was
        # switched off after it was submitted (it would otherwise wait for ever)
        raise Conflict("This quiz does not score essays.")
    if expected is not None and marked_stamp(attempt) != expected:
        raise Conflict(MARKED_SINCE)
    essays = {q.id: q for q in attempt_questions(attempt) if q.qtype == QuestionType.ESSAY}
    responses = {r.question_id: r for r in attempt.responses}
    now = utcnow()
    for question_id, score in scores.items():
        question = essays.get(question_id)
        if question is None:
            raise _refused(f"Question {question_id} is not an essay of attempt {attempt.id}.")
        maximum = Fraction(Decimal(question.spec.get("points", "1")))
        try:
            points = Fraction(Decimal(str(score.get("points"))))
        except (InvalidOperation, ValueError) as exc:
            raise _refused(f"Points for question {question_id} are not a number.") from exc
        if not 0 <= points <= maximum or not maximum:
            raise _refused(f"Points for question {question_id} must be within 0..{maximum}.")
        response = responses.get(question_id)
        if response is None:
            raise _refused(f"Question {question_id} has no stored response.")
        response.fraction_exact = str(points / maximum)
        response.reviewed_at, response.reviewed_by_id = now, reviewer_id
        response.comment = (score.get("comment") or "").strip() or None
    change = rescore(attempt)
    audit(
        "quizzes.essay_scored",
        target=f"attempt:{attempt.id}",
        questions=sorted(scores),
        passed=attempt.passed,
        changed=change is not None,
    )
    db.session.flush()
    return attempt


def _refused(message: str) -> ValidationFailed:
    """A mark that breaks a rule: 422 (README: a rule of the service refusing the input), with
    the problem as an issue under ``scores``."""
    return ValidationFailed(message, [Issue("scores", message)])


def awaiting_review(limit: int = 200) -> list[Attempt]:
    """Submitted attempts with an essay waiting for a reviewer, oldest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.state == AttemptState.SUBMITTED, Attempt.needs_review.is_(True))
            .order_by(Attempt.submitted_at, Attempt.id)
            .limit(limit)
        )
    )


def review_item(attempt: Attempt, *, named: bool) -> dict:
    """An attempt as its essay reviewer sees it (shape:
    ``learnhub.quizzes.admin_schemas.ReviewItemSchema``): each essay's stem, the learner's text
    and any score and comment given. The learner's name only when ``named``
    (``learnhub.auth.permissions.can_see_reviewee``: HR); others review pseudonymously, by
    attempt."""
    responses = {r.question_id: r for r in attempt.responses}
    essays = []
    for question in attempt_questions(attempt):
        if question.qtype != QuestionType.ESSAY:
            continue
        response = responses.get(question.id)
        points = None
        if response is not None and response.reviewed_at is not None:
            points = response.points  # None until a reviewer scored it
        essays.append(
            {
                "question_id": question.id,
                "stem_html": str(stem_html(question.spec)),
                "max_points": format(question.points.normalize(), "f"),
                "text": (response.answer or {}).get("text", "") if response else "",
                "points": None if points is None else format(points.normalize(), "f"),
                "comment": response.comment if response else None,
            }
        )
    employee = None
    if named:
        person = db.session.get(Employee, attempt.employee_id)
        employee = person.full_name if person else None
    return {
        "attempt_id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "quiz_title": attempt.quiz.title,
        "employee": employee,
        "submitted_at": attempt.submitted_at,
        "needs_review": attempt.needs_review,
        "passed": attempt.passed,
        "marked_at": marked_stamp(attempt) or None,
        "essays": essays,
    }
