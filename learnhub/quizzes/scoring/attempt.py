"""Attempt-level arithmetic: question scores added into an attempt score, the pass decision, the
grade as shown to people, and a learner's grade across attempts by grading method."""

import math
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from learnhub.quizzes.models import GRADING_METHODS, GradingMethod, ResponseState
from learnhub.quizzes.scoring.base import ZERO, AttemptScore, QuestionScore, exact_decimal


def total(scores: Iterable[QuestionScore]) -> AttemptScore:
    """Add question scores into an attempt score.

    raw: sum of points (an essay awaiting review counts 0); maximum: sum of max_points
    (descriptions add 0); fraction: raw / maximum exactly, None when maximum is 0;
    needs_review: any question is waiting for a reviewer.
    """
    scores = list(scores)
    raw = sum((score.points for score in scores), ZERO)
    maximum = sum((score.max_points for score in scores), ZERO)
    needs_review = any(score.state == ResponseState.NEEDS_REVIEW for score in scores)
    return AttemptScore(raw, maximum, raw / maximum if maximum else None, needs_review)


def passes(fraction: Fraction, pass_mark_percent: Decimal | str | int) -> bool:
    """Whether an attempt's fraction in [0, 1] reaches a pass mark given in percent.

    Compared exactly, never after rounding (LearnHub rule): 8966/10000 against 90 fails
    though a whole-percent display would show 90. Pass at fraction >= mark, as Moodle's grade to
    pass. Raises ValueError for a pass mark that is not an exact decimal (floats included).
    """
    mark = Fraction(exact_decimal(pass_mark_percent, "pass mark")) / 100
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
    return picks[method](exact) if method in picks else sum(exact, ZERO) / len(exact)
