"""Typed answers: short answer (case, white space, wildcards) and numeric (tolerances,
ranges), each scored exactly."""

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from learnhub.quizzes.scoring.base import (
    QuestionScore,
    best_index,
    exact_decimal,
    graded_answer,
    weight_fraction,
)

logger = logging.getLogger(__name__)

# Learners type "." decimals; longer "numbers" score 0 unparsed, which bounds the cost of a
# hostile response.
_RESPONSE_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_MAX_RESPONSE_NUMBER_CHARS = 100
# Placeholder put where a short-answer wildcard stands when showing an example correct answer.
_WILDCARD_EXAMPLE = "…"
_WILDCARD = re.compile(r"(?<!\\)\*+")


def _normalise_text(text: str, case_sensitive: bool) -> str:
    # Trim and fold internal white space (LearnHub rule: "Paris " and "paris" are the
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


def score_short_answer(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """short_answer: the best weight among the answers the text matches.

    Moodle qtype_shortanswer::compare_string_with_wildcard: case-insensitive unless
    "case_sensitive"; '*' matches any run of characters, '\\*' a literal star. LearnHub rules:
    both sides are trimmed with internal white space folded (and NFC-normalised); the
    best matching weight wins, not the first match as in Moodle, so answer order does not matter.
    A blank or non-string response scores 0 and matches nothing (not even a catch-all "*").
    """
    answers = spec["answers"]
    case_sensitive = bool(spec.get("case_sensitive", False))
    weights = [weight_fraction(a["weight"]) for a in answers]
    best = best_index(range(len(weights)), weights)
    correct = None
    if best is not None:
        correct = {"text": _short_answer_example(answers[best]["text"], case_sensitive)}
    text = response.get("text")
    matched: list[int] = []
    if isinstance(text, str) and text.strip():
        patterns = [a["text"] for a in answers]
        matched = [i for i, p in enumerate(patterns) if _text_matches(p, text, case_sensitive)]
    return graded_answer(best_index(matched, weights), weights, answers, max_points, correct)


def response_number(value: object) -> Fraction | None:
    """A learner's number: "." decimals with an optional sign and surrounding spaces, else None.

    "3,14", "1e3", "1_000", "½" and non-ASCII digits are not numbers (LearnHub rule: one way to
    write a number, so no answer is read two ways).
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
        value = Fraction(exact_decimal(answer["value"], "numeric value"))
        tolerance = abs(Fraction(exact_decimal(answer.get("tolerance", "0"), "tolerance")))
        return value - tolerance, value + tolerance
    if kind == "range":
        low = Fraction(exact_decimal(answer["min"], "numeric min"))
        high = Fraction(exact_decimal(answer["max"], "numeric max"))
        return min(low, high), max(low, high)
    raise ValueError(f"unknown numeric answer kind: {kind!r}")


def score_numeric(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """numeric: the best weight among the answers whose interval holds the number.

    Moodle qtype_numerical with absolute tolerance (GIFT {#3.14:0.01}): |v - value| <= tolerance,
    exactly at the tolerance included; ranges (GIFT {#1..5}): min <= v <= max, bounds included.
    A negative tolerance or a reversed range means the same interval. Exact arithmetic, no floats
    (Moodle compares PHP floats). Best matching weight wins (LearnHub rule, so answer order does
    not matter; Moodle takes the first match). An invalid number scores 0.
    """
    answers = spec["answers"]
    weights = [weight_fraction(a["weight"]) for a in answers]
    bounds = [_numeric_bounds(a) for a in answers]
    best = best_index(range(len(weights)), weights)
    correct = None if best is None else {"value": _numeric_example(answers[best])}
    value = response_number(response.get("value"))
    matched = () if value is None else (i for i, (lo, hi) in enumerate(bounds) if lo <= value <= hi)
    return graded_answer(best_index(matched, weights), weights, answers, max_points, correct)


def _numeric_example(answer: Mapping) -> str:
    """The answer's value (or the low end of its range) as a plain decimal a learner can type."""
    if answer["kind"] == "tolerance":
        return format(exact_decimal(answer["value"], "numeric value"), "f")
    ends = (exact_decimal(answer["min"], "numeric min"), exact_decimal(answer["max"], "max"))
    return format(min(ends), "f")
