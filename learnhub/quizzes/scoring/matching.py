"""Matching questions: the share of left-hand items matched to their own right-hand text."""

from collections.abc import Mapping
from fractions import Fraction

from learnhub.quizzes.scoring.base import ZERO, QuestionScore, graded


def score_matching(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
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
        return graded(ZERO, max_points, [], correct)
    right = sum(1 for key, text in items if isinstance(v := matches.get(key), str) and v == text)
    return graded(Fraction(right, len(items)), max_points, [], correct)
