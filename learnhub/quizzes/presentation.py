"""What a learner is shown of an attempt, before and after submit (API and HTML share it), and
of a module's quiz in the catalogue (registered with ``learnhub.catalog.presentation``)."""

from __future__ import annotations

from fractions import Fraction

from learnhub.catalog.presentation import ModuleQuiz
from learnhub.quizzes import scoring
from learnhub.quizzes.attempt_scoring import question_score, to_decimal
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, AttemptState, FeedbackAfterFail
from learnhub.quizzes.render import learner_question, render_text
from learnhub.quizzes.responses import to_display
from learnhub.quizzes.review_policy import review_allowed
from learnhub.quizzes.schemas import QuizSettingsSchema
from learnhub.quizzes.services import current_quiz_ids, current_quiz_settings
from learnhub.quizzes.submit import score_held
from learnhub.quizzes.timing import seconds_left, warning_seconds


def attempt_view(attempt: Attempt) -> dict:
    """The attempt for its owner (shape: ``learnhub.quizzes.schemas.AttemptSchema``).

    Questions without keys, in the attempt's stored order; while in progress the seconds left
    before the deadline (server clock). After submit the score, the grade in percent (one
    decimal, rounded down: 89.66% shows as 89.6; none while an essay waits for a reviewer) and
    pass/fail; per-question results, feedback, reviewer comments and correct responses only
    when the review policy allows; before that, after a failed attempt, what the quiz's
    ``feedback_after_fail`` shows (:func:`questions_detail`)."""
    quiz = attempt.quiz
    questions = attempt_questions(attempt)
    choices = attempt.layout.get("choices", {})
    specs = {q.id: q.spec for q in questions}
    saved = {
        str(r.question_id): to_display(attempt, r.question_id, specs[r.question_id], r.answer)
        for r in attempt.responses
        if r.question_id in specs
    }
    view = {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "number": attempt.number,
        "state": attempt.state,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "seconds_left": seconds_left(attempt),
        "warning_seconds": warning_seconds(attempt),
        "submitted_at": attempt.submitted_at,
        "answers_revision": attempt.answers_revision,
        "questions": [learner_question(q.id, q.spec, choices.get(str(q.id))) for q in questions],
        "saved": saved,
        "result": None,
    }
    if attempt.state != AttemptState.SUBMITTED:
        return view
    fraction = Fraction(attempt.score_exact) if attempt.score_exact else None
    final = fraction is not None and not attempt.needs_review
    review = review_allowed(attempt)
    detail = questions_detail(attempt, review)
    result = {
        "raw_points": _text(attempt.raw_points),
        "max_points": _text(attempt.max_points),
        "grade_percent": str(scoring.percent_floor(fraction)) if final else None,
        "pass_mark": _text(quiz.pass_mark),
        "passed": attempt.passed,
        "needs_review": attempt.needs_review,
        "review_allowed": review,
        "questions_detail": detail,
        "questions": [],
    }
    if detail != NO_DETAIL:
        responses = {r.question_id: r for r in attempt.responses}
        for question in questions:
            response = responses.get(question.id)
            score = score_held(attempt, response) or question_score(quiz, question, response)
            item = {
                "question_id": question.id,
                "state": score.state,
                "points": _text(response.points) if response else "0",
                "max_points": _text(to_decimal(score.max_points)),
                "feedback": [],
                "general_feedback": None,
                "correct_response": None,
                "comment": None,
            }
            if detail in (FULL_REVIEW, FeedbackAfterFail.FEEDBACK):
                general = str(render_text(question.spec.get("general_feedback")))
                item["feedback"] = [str(render_text(f)) for f in score.feedback if f]
                item["general_feedback"] = general or None
                item["comment"] = response.comment if response else None
            if detail == FULL_REVIEW:  # the only place a correct answer leaves the server
                item["correct_response"] = to_display(
                    attempt, question.id, question.spec, score.correct_response
                )
            result["questions"].append(item)
    view["result"] = result
    return view


#: ``questions_detail`` values besides the FeedbackAfterFail levels: the whole review (the
#: review policy allows it) and nothing per question
FULL_REVIEW = "review"
NO_DETAIL = FeedbackAfterFail.NONE.value


def questions_detail(attempt: Attempt, review: bool) -> str:
    """How much of each question a learner sees of a submitted attempt: ``"review"`` when the
    review policy allows the review (``review``, from ``review_policy.review_allowed``): results,
    feedback and correct answers; else, for a failed attempt (scored, not passed), the quiz's
    ``feedback_after_fail`` level (``"correctness"``: right or wrong and points;
    ``"feedback"``: also the feedback on the answer given; ``"none"``), never the correct
    answers (DESIGN.md's first rule); ``"none"`` for anything else (in progress, waiting for
    a reviewer, passed without review)."""
    if review:
        return FULL_REVIEW
    if (
        attempt.state != AttemptState.SUBMITTED
        or attempt.needs_review
        or attempt.passed is not False
    ):
        return NO_DETAIL
    return FeedbackAfterFail(attempt.quiz.feedback_after_fail).value


def _text(value) -> str | None:
    if value is None:
        return None
    return format(value.normalize(), "f")


#: how the catalogue shows a module's current quiz (catalog may not import quizzes); registered
#: by :func:`learnhub.quizzes.init_app`
MODULE_QUIZ = ModuleQuiz(QuizSettingsSchema, current_quiz_settings, current_quiz_ids)
