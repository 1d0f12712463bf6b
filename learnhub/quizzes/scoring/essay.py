"""Essays: scored by a reviewer, not here; an answered essay waits for one (the reviewer's
fraction is applied by ``learnhub.quizzes.attempt_scoring``). Descriptions are never scored
(see ``score_question``)."""

from collections.abc import Mapping
from fractions import Fraction

from learnhub.quizzes.models import ResponseState
from learnhub.quizzes.scoring.base import ZERO, QuestionScore, graded


def score_essay(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """essay: needs a reviewer; fraction None and 0 points until one scores it.

    Moodle qbehaviour_manualgraded: an answered essay "needs grading" (counts as complete). A
    blank or missing essay scores 0 ("A missing or empty response scores 0"; Moodle marks it
    "not answered") and needs no reviewer.
    """
    text = response.get("text")
    if not isinstance(text, str) or not text.strip():
        return graded(ZERO, max_points, [], None)
    return QuestionScore(None, ZERO, max_points, ResponseState.NEEDS_REVIEW, [], None)
