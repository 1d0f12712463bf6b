"""What a learner is shown of an attempt, before and after submit (API and HTML share it)."""

from __future__ import annotations

from fractions import Fraction

from learnhub.quizzes import scoring
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.render import learner_question, render_text
from learnhub.quizzes.services import review_allowed


def attempt_view(attempt: Attempt) -> dict:
    """The attempt for its owner: questions without keys; after submit the score, the grade in
    percent (one decimal, rounded down: 89.66% shows as 89.6) and pass/fail; per-question
    results, feedback and correct responses only when the review policy allows."""
    quiz = attempt.quiz
    by_id = {q.id: q for q in quiz.questions}
    order = attempt.layout.get("questions") or list(by_id)
    choices = attempt.layout.get("choices", {})
    questions = [
        learner_question(qid, by_id[qid].spec, choices.get(str(qid)))
        for qid in order
        if qid in by_id
    ]
    saved = {str(r.question_id): r.answer for r in attempt.responses}
    view = {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "number": attempt.number,
        "state": attempt.state,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "submitted_at": attempt.submitted_at,
        "questions": questions,
        "saved": saved,
        "result": None,
    }
    if attempt.state != "submitted":
        return view
    fraction = Fraction(attempt.score_exact) if attempt.score_exact else None
    review = review_allowed(attempt)
    result = {
        "raw_points": _text(attempt.raw_points),
        "max_points": _text(attempt.max_points),
        "grade_percent": str(scoring.percent_floor(fraction)) if fraction is not None else None,
        "pass_mark": _text(quiz.pass_mark),
        "passed": attempt.passed,
        "needs_review": attempt.needs_review,
        "review_allowed": review,
        "questions": [],
    }
    if review:
        responses = {r.question_id: r for r in attempt.responses}
        for qid in order:
            question, response = by_id[qid], responses.get(qid)
            score = scoring.score_question(question.spec, response.answer if response else None)
            result["questions"].append(
                {
                    "question_id": qid,
                    "state": score.state,
                    "points": _text(response.points) if response else "0",
                    "max_points": _text(question.points),
                    "feedback": [str(render_text(f)) for f in score.feedback if f],
                    "general_feedback": str(render_text(question.spec.get("general_feedback")))
                    or None,
                    "correct_response": score.correct_response,
                }
            )
    view["result"] = result
    return view


def _text(value) -> str | None:
    if value is None:
        return None
    return format(value.normalize(), "f")
