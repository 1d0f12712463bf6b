"""LearnHub's scoring engine: question specs and responses in, exact scores out.

Pure functions (no app context, no database session): every number is a ``Fraction``, never a
float. Shapes follow the shared question-spec contract; its closed sets of words (question types,
response states, grading methods) are the StrEnums of learnhub.quizzes.models. Specs are trusted
(importers validate them; a malformed one raises); responses are not: any response scores within
[0, max_points] and never raises.
"""

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from learnhub.quizzes.models import GRADING_METHODS, GradingMethod, QuestionType, ResponseState
from learnhub.quizzes.scoring.base import (
    _ZERO,
    AttemptScore,
    QuestionScore,
    _best,
    _exact_decimal,
    _feedback,
    _graded,
    _graded_answer,
    _index,
    weight_fraction,
)
from learnhub.quizzes.scoring.typed import _score_numeric, _score_short_answer

logger = logging.getLogger(__name__)


def _score_single_choice(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """single_choice / true_false: the clamped weight of the chosen option.

    Moodle qtype_multichoice (single) and qtype_truefalse: the chosen answer's fraction. The best
    a learner can do is the best option, never the sum of the positive ones. An index that is
    missing, not an int or out of range scores 0. Feedback: the chosen choice's feedback (for
    true/false the GIFT {T#wrong#right} feedback already sits on the choices).
    """
    choices = spec["choices"]
    weights = [weight_fraction(c["weight"]) for c in choices]
    best = _best(range(len(weights)), weights)
    correct = None if best is None else {"choice": best}
    chosen = _index(response.get("choice"), len(choices))
    return _graded_answer(chosen, weights, choices, max_points, correct)


def _multiple_answer_weights(weights: Sequence[Fraction]) -> list[Fraction]:
    """Weights as scored in a multiple-answer question (LearnHub rule: ticking every option
    never earns full marks).

    A wrong option with weight 0 counts -(1 / number of positive options) when ticked. Moodle
    gives 0 there, which lets "tick everything" earn full marks; negative weights written in the
    source are kept as they are.
    """
    positives = sum(1 for w in weights if w > 0)
    penalty = -Fraction(1, positives) if positives else _ZERO
    return [penalty if w == 0 else w for w in weights]


def _score_multiple_choice(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """multiple_choice: the clamped sum of the weights of the ticked options.

    Moodle qtype_multichoice (multi): sum of the chosen fractions, clamped to [0, 1]; with the
    LearnHub penalty for ticking a 0-weight option (see _multiple_answer_weights). An index
    ticked twice counts once; entries that are not in-range ints are ignored, as is a "choices"
    value that is not a list. Feedback: that of each ticked option, in spec order.
    """
    choices = spec["choices"]
    weights = _multiple_answer_weights([weight_fraction(c["weight"]) for c in choices])
    correct = {"choices": [i for i, w in enumerate(weights) if w > 0]}
    ticked_raw = response.get("choices")
    if not isinstance(ticked_raw, list | tuple):
        ticked_raw = ()
    ticked = sorted({i for i in (_index(v, len(choices)) for v in ticked_raw) if i is not None})
    feedback = [item for i in ticked for item in _feedback(choices[i])]
    return _graded(sum((weights[i] for i in ticked), _ZERO), max_points, feedback, correct)


def _score_matching(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """matching: right matches / items, an item being a pair with a left side.

    Moodle qtype_match: fraction = right / number of stems; distractors (left None, GIFT
    "= -> x") are extra right-hand options, not items. A left item is right when the response
    maps its index (as a string) to exactly its own right text, so items that share a right text
    are interchangeable. A question without items scores 0.
    """
    pairs = spec["pairs"]
    items = [(str(i), p["right"]) for i, p in enumerate(pairs) if p.get("left") is not None]
    correct = {"matches": dict(items)}
    matches = response.get("matches")
    if not isinstance(matches, Mapping) or not items:
        return _graded(_ZERO, max_points, [], correct)
    right = sum(1 for key, text in items if isinstance(v := matches.get(key), str) and v == text)
    return _graded(Fraction(right, len(items)), max_points, [], correct)


def _score_essay(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """essay: needs a reviewer; fraction None and 0 points until one scores it.

    Moodle qbehaviour_manualgraded: an answered essay "needs grading" (counts as complete). A
    blank or missing essay scores 0 ("A missing or empty response scores 0"; Moodle marks it
    "not answered") and needs no reviewer.
    """
    text = response.get("text")
    if not isinstance(text, str) or not text.strip():
        return _graded(_ZERO, max_points, [], None)
    return QuestionScore(None, _ZERO, max_points, ResponseState.NEEDS_REVIEW, [], None)


_SCORERS: dict[str, Callable[[dict, Mapping, Fraction], QuestionScore]] = {
    QuestionType.SINGLE_CHOICE: _score_single_choice,
    QuestionType.TRUE_FALSE: _score_single_choice,
    QuestionType.MULTIPLE_CHOICE: _score_multiple_choice,
    QuestionType.SHORT_ANSWER: _score_short_answer,
    QuestionType.NUMERIC: _score_numeric,
    QuestionType.MATCHING: _score_matching,
    QuestionType.ESSAY: _score_essay,
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
        return QuestionScore(None, _ZERO, _ZERO, ResponseState.NOT_SCORED, [], None)
    scorer = _SCORERS.get(str(kind))
    if scorer is None:
        raise ValueError(f"unknown question type: {kind!r}")
    max_points = Fraction(_exact_decimal(spec.get("points", "1"), "points"))
    if max_points < 0:
        raise ValueError(f"points must not be negative: {spec.get('points')!r}")
    if not isinstance(response, Mapping):
        if response is not None:
            logger.debug("malformed %s response (%s) scored 0", kind, type(response).__name__)
        response = {}
    return scorer(spec, response, max_points)


def total(scores: Iterable[QuestionScore]) -> AttemptScore:
    """Add question scores into an attempt score.

    raw: sum of points (an essay awaiting review counts 0); maximum: sum of max_points
    (descriptions add 0); fraction: raw / maximum exactly, None when maximum is 0;
    needs_review: any question is waiting for a reviewer.
    """
    scores = list(scores)
    raw = sum((score.points for score in scores), _ZERO)
    maximum = sum((score.max_points for score in scores), _ZERO)
    needs_review = any(score.state == ResponseState.NEEDS_REVIEW for score in scores)
    return AttemptScore(raw, maximum, raw / maximum if maximum else None, needs_review)


def passes(fraction: Fraction, pass_mark_percent: Decimal | str | int) -> bool:
    """Whether an attempt's fraction in [0, 1] reaches a pass mark given in percent.

    Compared exactly, never after rounding (LearnHub rule): 8966/10000 against 90 fails
    though a whole-percent display would show 90. Pass at fraction >= mark, as Moodle's grade to
    pass. Raises ValueError for a pass mark that is not an exact decimal (floats included).
    """
    mark = Fraction(_exact_decimal(pass_mark_percent, "pass mark")) / 100
    return Fraction(fraction) >= mark


def percent_floor(fraction: Fraction, places: int = 1) -> Decimal:
    """A fraction as a percentage rounded DOWN to ``places`` decimals (for people and exports).

    LearnHub rule: a shown grade never rounds up, so 0.8966 shows "89.6" (not 89.7 or
    90) and cannot look like a pass of 90; 2/3 shows "66.6". The result keeps its trailing zeros
    (1 -> Decimal("100.0")). Raises ValueError when places is negative.
    """
    if places < 0:
        raise ValueError("places must not be negative")
    scaled = math.floor(Fraction(fraction) * 100 * 10**places)
    return Decimal(f"{scaled}E-{places}")


def grade_attempts(fractions: Sequence[Fraction], method: str) -> Fraction | None:
    """The quiz grade from a learner's graded attempts, by grading method.

    fractions: attempt fractions in attempt order (only attempts with a final grade).
    method: Moodle's quiz grading methods (quiz_calculate_best_grade): "highest" (best attempt),
        "last", "first", or "average" (exact mean, 1/3 and 2/3 average to 1/2).
    Returns None when there are no attempts. Raises ValueError for an unknown method.
    """
    if method not in GRADING_METHODS:
        raise ValueError(f"unknown grading method: {method!r}")
    exact = [Fraction(f) for f in fractions]
    if not exact:
        return None
    picks: dict[str, Callable[[list[Fraction]], Fraction]] = {
        GradingMethod.HIGHEST: max,
        GradingMethod.FIRST: lambda fs: fs[0],
        GradingMethod.LAST: lambda fs: fs[-1],
    }
    return picks[method](exact) if method in picks else sum(exact, _ZERO) / len(exact)


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
