"""LearnHub's scoring engine: question specs and responses in, exact scores out.

Pure functions (no app context, no database session); every number is a ``Fraction``, never a
float. Shapes follow the shared question-spec contract; its closed sets of words are StrEnums
next to their models (question types: learnhub.questionbank.models; response states and grading
methods: learnhub.quizzes.models). Specs are trusted (importers validate them; a malformed one
raises); responses are not: any response scores within [0, max_points] and never raises.

``score_question`` sends each question type to its family's scorer: ``choice`` (single choice,
true/false, multiple answers), ``typed`` (short answer, numeric), ``matching``, ``essay``;
``base`` holds the score types and the helpers they share, ``attempt`` the attempt-level sums,
pass decision, shown grade and grading methods.
"""

import logging
from collections.abc import Callable, Mapping
from fractions import Fraction

from learnhub.questionbank.models import QuestionType
from learnhub.quizzes.models import GRADING_METHODS, ResponseState
from learnhub.quizzes.scoring.attempt import grade_attempts, passes, percent_floor, total
from learnhub.quizzes.scoring.base import (
    ZERO,
    AttemptScore,
    QuestionScore,
    exact_decimal,
    weight_fraction,
)
from learnhub.quizzes.scoring.choice import score_multiple_choice, score_single_choice
from learnhub.quizzes.scoring.essay import score_essay
from learnhub.quizzes.scoring.matching import score_matching
from learnhub.quizzes.scoring.typed import score_numeric, score_short_answer

logger = logging.getLogger(__name__)


SCORERS: dict[str, Callable[[dict, Mapping, Fraction], QuestionScore]] = {
    QuestionType.SINGLE_CHOICE: score_single_choice,
    QuestionType.TRUE_FALSE: score_single_choice,
    QuestionType.MULTIPLE_CHOICE: score_multiple_choice,
    QuestionType.SHORT_ANSWER: score_short_answer,
    QuestionType.NUMERIC: score_numeric,
    QuestionType.MATCHING: score_matching,
    QuestionType.ESSAY: score_essay,
}


def score_question(spec: dict, response: dict | None) -> QuestionScore:
    """Score one response to one question spec (shapes: the question-spec contract).

    spec: a question spec dict; its "points" (default "1", Moodle's default mark) is max_points.
    response: the learner's response dict, or None. A missing, empty or malformed response
        scores 0 and never raises; the score is always within [0, max_points].
    Returns a QuestionScore. A description is never scored (max_points 0, state "not_scored").
    Raises ValueError or KeyError for a malformed spec (importers validate specs first).
    """
    kind = spec.get("type")
    if kind == QuestionType.DESCRIPTION:
        return QuestionScore(None, ZERO, ZERO, ResponseState.NOT_SCORED, [], None)
    scorer = SCORERS.get(str(kind))
    if scorer is None:
        raise ValueError(f"unknown question type: {kind!r}")
    max_points = Fraction(exact_decimal(spec.get("points", "1"), "points"))
    if max_points < 0:
        raise ValueError(f"points must not be negative: {spec.get('points')!r}")
    if not isinstance(response, Mapping):
        if response is not None:
            logger.debug("malformed %s response (%s) scored 0", kind, type(response).__name__)
        response = {}
    return scorer(spec, response, max_points)


__all__ = [
    "GRADING_METHODS",
    "AttemptScore",
    "QuestionScore",
    "grade_attempts",
    "passes",
    "percent_floor",
    "score_question",
    "total",
    "weight_fraction",
]
