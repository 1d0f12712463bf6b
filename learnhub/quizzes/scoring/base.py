"""Score types, exact weights and the helpers every question family's scorer shares: clamping
and grading a fraction, an answer's feedback, the best-weighted answer, a valid choice index."""

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from learnhub.quizzes.models import ResponseState

logger = logging.getLogger(__name__)

ZERO = Fraction(0)
ONE = Fraction(1)

# Moodle writes 1/3 as 33.33333% (question_bank::fraction_options), so 33.33333 x 3 must be full.
_SNAP_MIN_PLACES = 5
_SNAP_MAX_DENOMINATOR = 20
_SNAP_TOLERANCE = Fraction(1, 10**6)

# Spec numbers are decimals as written (Moodle XML may write "1.0E-5").
_SPEC_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class QuestionScore:
    """One response's score: fraction in [0, 1] (None: essay awaiting a reviewer, description),
    points = fraction * max_points (0 when fraction is None), max_points from spec "points" (0 for
    a description), state: a ResponseState,
    feedback: per-answer {"format", "text"} items for what was chosen (the caller adds general
    feedback), correct_response: a response earning the best score possible, for the review page
    (None for essay and description)."""

    fraction: Fraction | None
    points: Fraction
    max_points: Fraction
    state: ResponseState
    feedback: list[dict]
    correct_response: dict | None


@dataclass(frozen=True)
class AttemptScore:
    """An attempt's raw and maximum points and raw / maximum exactly (None when maximum is 0).

    While needs_review, essays count 0, so raw and fraction are lower bounds: report no final
    grade or pass/fail yet (Moodle shows such attempts as "not yet graded")."""

    raw: Fraction
    maximum: Fraction
    fraction: Fraction | None
    needs_review: bool


def exact_decimal(value: object, what: str) -> Decimal:
    """A spec number (decimal str as written, int or finite Decimal) as a Decimal; else
    ValueError (floats included: they are not exact)."""
    if isinstance(value, str) and _SPEC_NUMBER.fullmatch(value.strip()):
        return Decimal(value.strip())
    if type(value) is int or (isinstance(value, Decimal) and value.is_finite()):
        return Decimal(value)
    raise ValueError(f"{what} is not a decimal number: {value!r}")


def weight_fraction(weight: str) -> Fraction:
    """Turn a percent weight ("50", "-33.33333") into a fraction of the question's points.

    Exact as written ("37" -> 37/100), except that a weight written to 5 or more decimal places
    that lies within 1e-6 (as a fraction of the points) of a fraction with denominator <= 20 is
    that fraction ("33.33333" -> 1/3, "14.28571" -> 1/7, "-33.33333" -> -1/3): Moodle writes
    thirds, sixths, sevenths and ninths that way (question_bank::fraction_options).
    Raises ValueError when weight is not a decimal number. Pure: a weight written as text is
    worked out once per process (every choice of every scored question asks).
    """
    if isinstance(weight, str):
        return _weight_of_text(weight)
    return _weight(weight)


def _weight(weight: object) -> Fraction:
    number = exact_decimal(weight, "weight")
    exact = Fraction(number) / 100
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent >= _SNAP_MIN_PLACES:
        nearest = exact.limit_denominator(_SNAP_MAX_DENOMINATOR)
        if abs(exact - nearest) <= _SNAP_TOLERANCE:
            return nearest
    return exact


_weight_of_text = lru_cache(maxsize=4096)(_weight)


def clamp(fraction: Fraction) -> Fraction:
    """The fraction held within [0, 1]."""
    # Moodle clamps every question's fraction to [0, 1] (e.g. qtype_multichoice_multi_question::
    # grade_response): negative weights never take a question below 0.
    return min(max(Fraction(fraction), ZERO), ONE)


def graded(
    fraction: Fraction, max_points: Fraction, feedback: list[dict], correct: dict | None
) -> QuestionScore:
    """A scored question: ``fraction`` clamped to [0, 1], its points, and its state."""
    fraction = clamp(fraction)
    # Moodle question_state::graded_state_for_fraction: right at 1, wrong at 0, partial between.
    state = (
        ResponseState.CORRECT
        if fraction == 1
        else ResponseState.INCORRECT
        if fraction == 0
        else ResponseState.PARTIAL
    )
    return QuestionScore(fraction, fraction * max_points, max_points, state, feedback, correct)


def answer_feedback(item: Mapping) -> list[dict]:
    """An answer's or choice's feedback as a one-item list, or [] when it has none."""
    fb = item.get("feedback")
    return [dict(fb)] if isinstance(fb, Mapping) and fb.get("text") else []


def best_index(indexes: Iterable[int], weights: Sequence[Fraction]) -> int | None:
    """Of the given answer indexes, the one with the highest weight (first on ties), or None."""
    return max(indexes, key=lambda i: (weights[i], -i), default=None)


def graded_answer(
    chosen: int | None,
    weights: Sequence[Fraction],
    items: Sequence[Mapping],
    max_points: Fraction,
    correct: dict | None,
) -> QuestionScore:
    """The score for the answer or choice at index chosen (None: nothing chosen or matched)."""
    if chosen is None:
        return graded(ZERO, max_points, [], correct)
    return graded(weights[chosen], max_points, answer_feedback(items[chosen]), correct)


def choice_index(value: object, size: int) -> int | None:
    """A response's choice index, or None unless it is a real int in range (no bools, no -1)."""
    return value if type(value) is int and 0 <= value < size else None
