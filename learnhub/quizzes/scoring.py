"""LearnHub's scoring engine: question specs and responses in, exact scores out.

Pure Python (no Flask, no database); every number is a ``Fraction``, never a float. Shapes follow
the shared question-spec contract. Specs are trusted (importers validate them; a malformed one
raises); responses are not: any response scores within [0, max_points] and never raises.
"""

import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

logger = logging.getLogger(__name__)

_ZERO = Fraction(0)
_ONE = Fraction(1)

# Moodle writes 1/3 as 33.33333% (question_bank::fraction_options), so 33.33333 x 3 must be full.
_SNAP_MIN_PLACES = 5
_SNAP_MAX_DENOMINATOR = 20
_SNAP_TOLERANCE = Fraction(1, 10**6)

# Spec numbers are decimals as written (Moodle XML may write "1.0E-5"); learners type "." decimals.
_SPEC_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RESPONSE_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# Longer "numbers" score 0 unparsed, which bounds the cost of a hostile response.
_MAX_RESPONSE_NUMBER_CHARS = 100
# Placeholder put where a short-answer wildcard stands when showing an example correct answer.
_WILDCARD_EXAMPLE = "…"
_WILDCARD = re.compile(r"(?<!\\)\*+")

GRADING_METHODS = ("highest", "last", "first", "average")


@dataclass(frozen=True)
class QuestionScore:
    """One response's score: fraction in [0, 1] (None: essay awaiting a reviewer, description),
    points = fraction * max_points (0 when fraction is None), max_points from spec "points" (0 for
    a description), state "correct" | "partial" | "incorrect" | "needs_review" | "not_scored",
    feedback: per-answer {"format", "text"} items for what was chosen (the caller adds general
    feedback), correct_response: a response earning the best score possible, for the review page
    (None for essay and description)."""

    fraction: Fraction | None
    points: Fraction
    max_points: Fraction
    state: str
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


def _exact_decimal(value: object, what: str) -> Decimal:
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
    Raises ValueError when weight is not a decimal number.
    """
    number = _exact_decimal(weight, "weight")
    exact = Fraction(number) / 100
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent >= _SNAP_MIN_PLACES:
        nearest = exact.limit_denominator(_SNAP_MAX_DENOMINATOR)
        if abs(exact - nearest) <= _SNAP_TOLERANCE:
            return nearest
    return exact


def _clamp(fraction: Fraction) -> Fraction:
    # Moodle clamps every question's fraction to [0, 1] (e.g. qtype_multichoice_multi_question::
    # grade_response): negative weights never take a question below 0.
    return min(max(Fraction(fraction), _ZERO), _ONE)


def _graded(
    fraction: Fraction, max_points: Fraction, feedback: list[dict], correct: dict | None
) -> QuestionScore:
    fraction = _clamp(fraction)
    # Moodle question_state::graded_state_for_fraction: right at 1, wrong at 0, partial between.
    state = "correct" if fraction == 1 else "incorrect" if fraction == 0 else "partial"
    return QuestionScore(fraction, fraction * max_points, max_points, state, feedback, correct)


def _feedback(item: Mapping) -> list[dict]:
    fb = item.get("feedback")
    return [dict(fb)] if isinstance(fb, Mapping) and fb.get("text") else []


def _best(indexes: Iterable[int], weights: Sequence[Fraction]) -> int | None:
    """Of the given answer indexes, the one with the highest weight (first on ties), or None."""
    return max(indexes, key=lambda i: (weights[i], -i), default=None)


def _graded_answer(
    chosen: int | None,
    weights: Sequence[Fraction],
    items: Sequence[Mapping],
    max_points: Fraction,
    correct: dict | None,
) -> QuestionScore:
    """The score for the answer or choice at index chosen (None: nothing chosen or matched)."""
    if chosen is None:
        return _graded(_ZERO, max_points, [], correct)
    return _graded(weights[chosen], max_points, _feedback(items[chosen]), correct)


def _index(value: object, size: int) -> int | None:
    """A response's choice index, or None unless it is a real int in range (no bools, no -1)."""
    return value if type(value) is int and 0 <= value < size else None


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
    """Weights as scored in a multiple-answer question (LearnHub rule, issue 4).

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


def _normalise_text(text: str, case_sensitive: bool) -> str:
    # Trim and fold internal white space (LearnHub rule, issue 4: "Paris " and "paris" are the
    # same answer), NFC so composed and decomposed accents compare equal.
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    return folded if case_sensitive else folded.casefold()


def _wildcard_segments(pattern: str) -> list[str]:
    # As Moodle: split on runs of '*' not preceded by a backslash, then '\*' is a literal star.
    return [bit.replace("\\*", "*") for bit in _WILDCARD.split(pattern)]


def _wildcard_match(segments: Sequence[str], text: str) -> bool:
    # Prefix, suffix, then the middle segments leftmost in order: exact for '*'-only globs and,
    # unlike a backtracking regex, linear-ish on a long hostile response.
    if len(segments) == 1:
        return text == segments[0]
    head, *middle, tail = segments
    if len(text) < len(head) + len(tail) or not (text.startswith(head) and text.endswith(tail)):
        return False
    pos, end = len(head), len(text) - len(tail)
    for segment in middle:
        found = text.find(segment, pos, end)
        if found < 0:
            return False
        pos = found + len(segment)
    return True


def _text_matches(answer: str, response: str, case_sensitive: bool) -> bool:
    segments = _wildcard_segments(_normalise_text(answer, case_sensitive))
    return _wildcard_match(segments, _normalise_text(response, case_sensitive))


def _short_answer_example(answer: str, case_sensitive: bool) -> str:
    """A text that the answer pattern accepts: wildcards dropped, or shown as '…' if needed."""
    segments = _wildcard_segments(" ".join(unicodedata.normalize("NFC", answer).split()))
    for filler in ("", _WILDCARD_EXAMPLE):
        example = " ".join(filler.join(segments).split())
        if example and _text_matches(answer, example, case_sensitive):
            return example
    return answer


def _score_short_answer(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """short_answer: the best weight among the answers the text matches.

    Moodle qtype_shortanswer::compare_string_with_wildcard: case-insensitive unless
    "case_sensitive"; '*' matches any run of characters, '\\*' a literal star. LearnHub rules
    (issue 4): both sides are trimmed with internal white space folded (and NFC-normalised); the
    best matching weight wins, not the first match as in Moodle, so answer order does not matter.
    A blank or non-string response scores 0 and matches nothing (not even a catch-all "*").
    """
    answers = spec["answers"]
    case_sensitive = bool(spec.get("case_sensitive", False))
    weights = [weight_fraction(a["weight"]) for a in answers]
    best = _best(range(len(weights)), weights)
    correct = None
    if best is not None:
        correct = {"text": _short_answer_example(answers[best]["text"], case_sensitive)}
    text = response.get("text")
    matched: list[int] = []
    if isinstance(text, str) and text.strip():
        patterns = [a["text"] for a in answers]
        matched = [i for i, p in enumerate(patterns) if _text_matches(p, text, case_sensitive)]
    return _graded_answer(_best(matched, weights), weights, answers, max_points, correct)


def _response_number(value: object) -> Fraction | None:
    """A learner's number: "." decimals with an optional sign and surrounding spaces, else None.

    "3,14", "1e3", "1_000", "½" and non-ASCII digits are not numbers (LearnHub rule, issue 4).
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > _MAX_RESPONSE_NUMBER_CHARS or not _RESPONSE_NUMBER.fullmatch(text):
        return None
    return Fraction(Decimal(text))


def _numeric_bounds(answer: Mapping) -> tuple[Fraction, Fraction]:
    """The closed interval an answer accepts, exactly."""
    kind = answer.get("kind")
    if kind == "tolerance":
        value = Fraction(_exact_decimal(answer["value"], "numeric value"))
        tolerance = abs(Fraction(_exact_decimal(answer.get("tolerance", "0"), "tolerance")))
        return value - tolerance, value + tolerance
    if kind == "range":
        low = Fraction(_exact_decimal(answer["min"], "numeric min"))
        high = Fraction(_exact_decimal(answer["max"], "numeric max"))
        return min(low, high), max(low, high)
    raise ValueError(f"unknown numeric answer kind: {kind!r}")


def _score_numeric(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """numeric: the best weight among the answers whose interval holds the number.

    Moodle qtype_numerical with absolute tolerance (GIFT {#3.14:0.01}): |v - value| <= tolerance,
    exactly at the tolerance included; ranges (GIFT {#1..5}): min <= v <= max, bounds included.
    A negative tolerance or a reversed range means the same interval. Exact arithmetic, no floats
    (Moodle compares PHP floats). Best matching weight wins (LearnHub rule, issue 4; Moodle takes
    the first match). An invalid number scores 0.
    """
    answers = spec["answers"]
    weights = [weight_fraction(a["weight"]) for a in answers]
    bounds = [_numeric_bounds(a) for a in answers]
    best = _best(range(len(weights)), weights)
    correct = None if best is None else {"value": _numeric_example(answers[best])}
    value = _response_number(response.get("value"))
    matched = () if value is None else (i for i, (lo, hi) in enumerate(bounds) if lo <= value <= hi)
    return _graded_answer(_best(matched, weights), weights, answers, max_points, correct)


def _numeric_example(answer: Mapping) -> str:
    """The answer's value (or the low end of its range) as a plain decimal a learner can type."""
    if answer["kind"] == "tolerance":
        return format(_exact_decimal(answer["value"], "numeric value"), "f")
    ends = (_exact_decimal(answer["min"], "numeric min"), _exact_decimal(answer["max"], "max"))
    return format(min(ends), "f")


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
    return QuestionScore(None, _ZERO, max_points, "needs_review", [], None)


_SCORERS: dict[str, Callable[[dict, Mapping, Fraction], QuestionScore]] = {
    "single_choice": _score_single_choice,
    "true_false": _score_single_choice,
    "multiple_choice": _score_multiple_choice,
    "short_answer": _score_short_answer,
    "numeric": _score_numeric,
    "matching": _score_matching,
    "essay": _score_essay,
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
    if kind == "description":
        return QuestionScore(None, _ZERO, _ZERO, "not_scored", [], None)
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
    needs_review = any(score.state == "needs_review" for score in scores)
    return AttemptScore(raw, maximum, raw / maximum if maximum else None, needs_review)


def passes(fraction: Fraction, pass_mark_percent: Decimal | str | int) -> bool:
    """Whether an attempt's fraction in [0, 1] reaches a pass mark given in percent.

    Compared exactly, never after rounding (LearnHub rule, issue 4): 8966/10000 against 90 fails
    though a whole-percent display would show 90. Pass at fraction >= mark, as Moodle's grade to
    pass. Raises ValueError for a pass mark that is not an exact decimal (floats included).
    """
    mark = Fraction(_exact_decimal(pass_mark_percent, "pass mark")) / 100
    return Fraction(fraction) >= mark


def percent_floor(fraction: Fraction, places: int = 1) -> Decimal:
    """A fraction as a percentage rounded DOWN to ``places`` decimals (for people and exports).

    LearnHub rule, issue 4: a shown grade never rounds up, so 0.8966 shows "89.6" (not 89.7 or
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
    picks = {"highest": max, "first": lambda fs: fs[0], "last": lambda fs: fs[-1]}
    return picks[method](exact) if method in picks else sum(exact, _ZERO) / len(exact)
