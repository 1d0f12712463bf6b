"""Tests for learnhub.quizzes.scoring: exact scores for every question type, attempts and grades."""

from decimal import Decimal
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnhub.quizzes.scoring import (
    grade_attempts,
    passes,
    percent_floor,
    score_question,
    total,
    weight_fraction,
)

# Exact arithmetic on long generated inputs can pass the 200 ms default on a busy CI machine.
hyp = settings(deadline=None)


def fmt(text):
    return {"format": "plain", "text": text}


def choice_q(weights, kind="multiple_choice", points="1"):
    choices = [
        {"text": fmt(f"c{i}"), "weight": w, "feedback": fmt(f"fb{i}")}
        for i, w in enumerate(weights)
    ]
    return {"type": kind, "points": points, "choices": choices}


def short_q(*answers, case_sensitive=False):
    items = [{"text": t, "weight": w, "feedback": fmt(f"fb:{t}")} for t, w in answers]
    return {"type": "short_answer", "answers": items, "case_sensitive": case_sensitive}


def tol(value, tolerance, w="100"):
    fb = fmt(f"fb:{value}")
    return {
        "kind": "tolerance",
        "value": value,
        "tolerance": tolerance,
        "weight": w,
        "feedback": fb,
    }


def rng(low, high, weight="100"):
    return {"kind": "range", "min": low, "max": high, "weight": weight, "feedback": None}


def numeric_q(*answers, points="1"):
    return {"type": "numeric", "points": points, "answers": list(answers)}


def matching_q(*pairs):
    items = [{"left": fmt(left) if left else None, "right": right} for left, right in pairs]
    return {"type": "matching", "pairs": items}


def frac(spec, response):
    return score_question(spec, response).fraction


# ---------------------------------------------------------------- strategies

WEIGHTS = st.one_of(
    st.sampled_from(["100", "50", "33.33333", "-33.33333", "16.66667", "66.66667", "12.5", "150"]),
    st.integers(-100, 100).map(str),
)
KINDS = st.sampled_from(["single_choice", "multiple_choice", "true_false"])
POINTS = st.sampled_from(["1", "2", "0.5", "10"])
CHOICE_SPECS = st.builds(choice_q, st.lists(WEIGHTS, min_size=1, max_size=7), KINDS, POINTS)
MULTI_SPECS = st.builds(choice_q, st.lists(WEIGHTS, min_size=1, max_size=6))
PATTERNS = st.text("ab *\\B", min_size=1, max_size=6).filter(str.strip)
SHORT_SPECS = st.builds(
    lambda answers, cs: short_q(*answers, case_sensitive=cs),
    st.lists(st.tuples(PATTERNS, WEIGHTS), min_size=1, max_size=4),
    st.booleans(),
)
NUMBERS = st.decimals(-1000, 1000, places=3).map(str)
TOLERANCES = st.decimals(0, 10, places=2).map(str)
RANGES = st.builds(rng, NUMBERS, NUMBERS, WEIGHTS)
NUMERIC_ANSWERS = st.builds(tol, NUMBERS, TOLERANCES, WEIGHTS) | RANGES
NUMERIC_SPECS = st.lists(NUMERIC_ANSWERS, min_size=1, max_size=4).map(lambda a: numeric_q(*a))
RIGHTS = st.sampled_from(["1", "2", "3"])
LEFTS = st.sampled_from([None, "a", "b", "c"])
MATCHING_SPECS = st.lists(st.tuples(LEFTS, RIGHTS), max_size=5).map(lambda p: matching_q(*p))
SCORED_SPECS = st.one_of(CHOICE_SPECS, SHORT_SPECS, NUMERIC_SPECS, MATCHING_SPECS)
UNSCORED = st.sampled_from([{"type": "essay", "points": "3"}, {"type": "description"}])
ANY_SPEC = SCORED_SPECS | UNSCORED
GARBAGE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.decimals(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
KEYS = st.sampled_from(["choice", "choices", "text", "value", "matches"])
RESPONSES = st.one_of(
    GARBAGE,
    st.dictionaries(KEYS, GARBAGE),
    st.fixed_dictionaries({"choice": st.integers(-10, 10)}),
    st.fixed_dictionaries({"choices": st.lists(st.integers(-10, 10), max_size=40)}),
    st.fixed_dictionaries({"text": st.text("ab *\\B", max_size=8)}),
    st.fixed_dictionaries({"value": st.text("0123456789.,+- e", max_size=8) | NUMBERS}),
    st.fixed_dictionaries({"matches": st.dictionaries(st.sampled_from("0123x"), GARBAGE | RIGHTS)}),
)


# ---------------------------------------------------------------- properties


@hyp
@given(ANY_SPEC, RESPONSES)
def test_any_response_scores_within_zero_and_max(spec, response):
    score = score_question(spec, response)
    assert 0 <= score.points <= score.max_points
    if score.fraction is None:
        assert score.points == 0 and score.state in {"needs_review", "not_scored"}
    else:
        assert 0 <= score.fraction <= 1 and score.points == score.fraction * score.max_points
        expected = {0: "incorrect", 1: "correct"}.get(score.fraction, "partial")
        assert score.state == expected


@hyp
@given(SCORED_SPECS, RESPONSES)
def test_correct_response_scores_at_least_any_response(spec, response):
    best = score_question(spec, score_question(spec, None).correct_response)
    assert best.fraction >= score_question(spec, response).fraction


@hyp
@given(CHOICE_SPECS.filter(lambda s: len(s["choices"]) <= 6))
def test_correct_response_is_the_best_possible_choice_response(spec):
    n = len(spec["choices"])
    if spec["type"] == "multiple_choice":
        candidates = [{"choices": list(c)} for k in range(n + 1) for c in combinations(range(n), k)]
    else:
        candidates = [{"choice": i} for i in range(n)]
    best = max(frac(spec, c) for c in candidates)
    assert frac(spec, score_question(spec, None).correct_response) == best


@hyp
@given(CHOICE_SPECS, st.data())
def test_score_independent_of_choice_order_in_spec_and_response(spec, data):
    n = len(spec["choices"])
    perm = data.draw(st.permutations(range(n)))
    permuted = {**spec, "choices": [spec["choices"][p] for p in perm]}
    if spec["type"] == "multiple_choice":
        ticked = data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n))
        remapped = data.draw(st.permutations([perm.index(i) for i in ticked]))
        assert frac(spec, {"choices": ticked}) == frac(permuted, {"choices": remapped})
    else:
        chosen = data.draw(st.integers(0, n - 1))
        assert frac(spec, {"choice": chosen}) == frac(permuted, {"choice": perm.index(chosen)})


@hyp
@given(MULTI_SPECS, st.data())
def test_multiple_answer_score_is_monotone(spec, data):
    n = len(spec["choices"])
    extra = data.draw(st.integers(0, n - 1))
    bits = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    ticked = [i for i, ticks in enumerate(bits) if ticks and i != extra]
    before = frac(spec, {"choices": sorted(ticked)})
    after = frac(spec, {"choices": [*ticked, extra]})
    if weight_fraction(spec["choices"][extra]["weight"]) > 0:
        assert after >= before
    else:
        assert after <= before


@hyp
@given(st.integers(1, 20).flatmap(lambda d: st.tuples(st.integers(-d, d), st.just(d))))
def test_simple_fractions_written_to_five_places_snap_back(kd):
    k, d = kd
    percent = (Decimal(100 * k) / Decimal(d)).quantize(Decimal("0.00001"))
    assert weight_fraction(str(percent)) == Fraction(k, d)


@hyp
@given(st.fractions(0, 1))
def test_percent_floor_never_rounds_up(fraction):
    shown = Fraction(percent_floor(fraction))
    assert shown <= fraction * 100 < shown + Fraction(1, 10)


# ---------------------------------------------------------------- weights, pass mark, display


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        ("33.33333", Fraction(1, 3)),
        ("16.66667", Fraction(1, 6)),
        ("14.28571", Fraction(1, 7)),
        ("-33.33333", Fraction(-1, 3)),
        ("66.66667", Fraction(2, 3)),
        ("11.11111", Fraction(1, 9)),
        ("83.33333", Fraction(5, 6)),
        ("37", Fraction(37, 100)),
        ("-100", Fraction(-1)),
        ("33.333", Fraction(33333, 100000)),  # fewer than 5 places: exact as written
        ("12.34567", Fraction(1234567, 10000000)),  # not near a simple fraction
    ],
)
def test_weight_fraction(weight, expected):
    assert weight_fraction(weight) == expected


@pytest.mark.parametrize("weight", ["abc", "1,5", "", "nan", "1_0", 50.0])
def test_weight_fraction_rejects_non_decimals(weight):
    with pytest.raises(ValueError):
        weight_fraction(weight)


def test_8966_against_90_fails_and_shows_89_6():
    assert passes(Fraction(8966, 10000), 90) is False
    assert percent_floor(Fraction(8966, 10000)) == Decimal("89.6")
    assert passes(Fraction(9, 10), "90") and passes(Fraction(8966, 10000), Decimal("89.66"))
    with pytest.raises(ValueError):
        passes(Fraction(1), 89.5)


def test_percent_floor_shapes():
    assert str(percent_floor(Fraction(1, 3))) == "33.3"
    assert str(percent_floor(Fraction(2, 3))) == "66.6"
    assert str(percent_floor(Fraction(1))) == "100.0"
    assert str(percent_floor(Fraction(0))) == "0.0"
    assert str(percent_floor(Fraction(2, 3), places=2)) == "66.66"
    assert str(percent_floor(Fraction(8966, 10000), places=0)) == "89"


def test_grading_methods_and_exact_average():
    attempts = [Fraction(1, 3), Fraction(2, 3), Fraction(1, 2)]
    assert grade_attempts(attempts, "highest") == Fraction(2, 3)
    assert grade_attempts(attempts, "first") == Fraction(1, 3)
    assert grade_attempts(attempts, "last") == grade_attempts(attempts, "average") == Fraction(1, 2)
    assert grade_attempts([Fraction(1, 3), Fraction(2, 3)], "average") == Fraction(1, 2)
    assert grade_attempts([], "highest") is None
    with pytest.raises(ValueError):
        grade_attempts([Fraction(1)], "best")


# ---------------------------------------------------------------- choice questions


def test_single_choice_scores_chosen_weight_and_best_option_is_the_maximum():
    spec = choice_q(["50", "100", "-50"], "single_choice", points="2")
    assert score_question(spec, {"choice": 1}).points == 2
    half = score_question(spec, {"choice": 0})
    assert (half.fraction, half.points, half.state) == (Fraction(1, 2), 1, "partial")
    assert half.feedback == [fmt("fb0")]
    low = score_question(choice_q(["50", "30"], "single_choice"), None)
    assert low.correct_response == {"choice": 0}  # the best option, not the positives' sum
    assert frac(choice_q(["50", "30"], "single_choice"), low.correct_response) == Fraction(1, 2)


@pytest.mark.parametrize("choice", [3, -1, True, "1", 1.0, None, [1]])
def test_single_choice_out_of_range_or_wrong_type_scores_zero(choice):
    score = score_question(choice_q(["0", "100", "0"], "single_choice"), {"choice": choice})
    assert (score.fraction, score.state, score.feedback) == (0, "incorrect", [])


def test_negative_weights_never_take_a_question_below_zero():
    assert frac(choice_q(["100", "-50"], "single_choice"), {"choice": 1}) == 0
    assert frac(choice_q(["50", "50", "-100", "-100"]), {"choices": [0, 2, 3]}) == 0
    assert frac(choice_q(["50", "50", "-100"]), {"choices": [0, 1, 2]}) == 0


def test_true_false_gives_the_chosen_choices_feedback():
    spec = choice_q(["0", "100"], "true_false")  # GIFT {F#...#...}: "False" is right
    assert score_question(spec, {"choice": 0}).feedback == [fmt("fb0")]
    right = score_question(spec, {"choice": 1})
    assert (right.fraction, right.feedback) == (1, [fmt("fb1")])
    assert right.correct_response == {"choice": 1}


def test_multiple_choice_thirds_are_full_credit_and_tick_all_is_not():
    spec = choice_q(["33.33333", "33.33333", "33.33333", "0", "0"])
    full = score_question(spec, {"choices": [2, 0, 1]})
    assert (full.fraction, full.state) == (1, "correct")
    assert full.feedback == [fmt("fb0"), fmt("fb1"), fmt("fb2")]
    assert full.correct_response == {"choices": [0, 1, 2]}
    # LearnHub rule: a 0-weight wrong option costs 1/3 here (Moodle would give 1 for tick-all).
    assert frac(spec, {"choices": [0, 1, 2, 3, 4]}) == Fraction(1, 3)
    assert frac(spec, {"choices": [0, 1, 2, 3]}) == Fraction(2, 3)
    assert frac(spec, {"choices": [0, 0, 0, 3]}) == 0


def test_multiple_choice_duplicates_count_once_and_garbage_is_ignored():
    spec = choice_q(["50", "50", "0"])
    assert frac(spec, {"choices": [0, 0, 0]}) == Fraction(1, 2)
    assert frac(spec, {"choices": [1, "0", None, True, 9, -1, [0]]}) == Fraction(1, 2)
    huge = {"choices": [*range(-100_000, 100_000), "x", None] * 3}
    assert frac(spec, huge) == frac(spec, {"choices": [0, 1, 2]}) == Fraction(1, 2)
    assert frac(spec, {"choices": "01"}) == frac(spec, {"choice": 0}) == 0


# ---------------------------------------------------------------- short answer


def test_short_answer_case_and_white_space():
    spec = short_q(("New York", "100"))
    for text in ["new york", "  NEW   York ", "New\tYork\n"]:
        assert frac(spec, {"text": text}) == 1
    assert frac(spec, {"text": "NewYork"}) == 0
    sensitive = short_q(("Paris", "100"), case_sensitive=True)
    assert frac(sensitive, {"text": " Paris "}) == 1 and frac(sensitive, {"text": "paris"}) == 0


def test_short_answer_wildcards_and_literal_star():
    spec = short_q(("*berg", "100"), ("5\\*3", "50"), ("a*c*e", "25"))
    assert frac(spec, {"text": "Heidelberg"}) == 1 and frac(spec, {"text": "berg"}) == 1
    assert frac(spec, {"text": "Bergen"}) == 0
    assert frac(spec, {"text": "5*3"}) == Fraction(1, 2) and frac(spec, {"text": "5x3"}) == 0
    assert frac(spec, {"text": "ace"}) == frac(spec, {"text": "a-b-c-d-e"}) == Fraction(1, 4)
    assert frac(spec, {"text": "a" * 50_000 + "c"}) == 0  # no pathological backtracking


def test_short_answer_best_weight_wins_and_catch_all_feedback():
    spec = short_q(("*", "0"), ("Paris*", "50"), ("paris", "100"))
    best = score_question(spec, {"text": "PARIS"})
    assert (best.fraction, best.feedback) == (1, [fmt("fb:paris")])
    assert frac(spec, {"text": "Paris, France"}) == Fraction(1, 2)
    wrong = score_question(spec, {"text": "London"})
    assert (wrong.fraction, wrong.feedback) == (0, [fmt("fb:*")])
    for blank in ["", "   ", None, 42, ["Paris"]]:
        assert score_question(spec, {"text": blank}).feedback == []
    assert best.correct_response == {"text": "paris"}


@pytest.mark.parametrize("pattern", ["Paris *", "* Paris", "*", "a * * b", "5\\*3"])
def test_short_answer_correct_response_matches_its_own_pattern(pattern):
    spec = short_q((pattern, "100"))
    assert frac(spec, score_question(spec, None).correct_response) == 1


# ---------------------------------------------------------------- numeric


def test_numeric_tolerance_edges():
    spec = numeric_q(tol("3.14", "0.01"))
    for value in ["3.13", "3.15", " +3.14 ", "3.140000"]:  # floats: |3.15 - 3.14| > 0.01
        assert frac(spec, {"value": value}) == 1, value
    for value in ["3.1500001", "3.1299999", "3,14", "314e-2", "", "pi", "3.14.1", None, 3.14]:
        assert frac(spec, {"value": value}) == 0, value
    assert score_question(spec, {"value": "3.135"}).feedback == [fmt("fb:3.14")]
    huge = numeric_q(rng("0", "1e200"))
    assert frac(huge, {"value": "1" * 100}) == 1
    assert frac(huge, {"value": "1" * 101}) == 0  # absurdly long input is not a number


def test_numeric_negatives_ranges_and_partial_credit():
    negative = numeric_q(tol("-2", "0.5"))
    assert frac(negative, {"value": "-2.5"}) == frac(negative, {"value": "-1.5"}) == 1
    assert frac(negative, {"value": "-2.51"}) == frac(negative, {"value": "2"}) == 0
    ranged = numeric_q(rng("-10", "-5"))
    assert frac(ranged, {"value": "-10"}) == frac(ranged, {"value": "-5.0"}) == 1
    assert frac(ranged, {"value": "-4.9999"}) == frac(ranged, {"value": "-10.001"}) == 0
    assert score_question(ranged, None).correct_response == {"value": "-10"}
    partial = numeric_q(tol("3.14", "0.1", "50"), tol("3.14", "0.01"), points="4")
    assert score_question(partial, {"value": "3.2"}).points == 2
    assert score_question(partial, {"value": "3.14"}).points == 4  # best match, not first
    assert score_question(partial, None).correct_response == {"value": "3.14"}


# ---------------------------------------------------------------- matching, essay, totals


def test_matching_counts_items_not_distractors():
    spec = matching_q(("cat", "meow"), ("dog", "woof"), ("cow", "moo"), (None, "quack"))
    correct = score_question(spec, None).correct_response
    assert correct == {"matches": {"0": "meow", "1": "woof", "2": "moo"}}
    assert frac(spec, correct) == 1
    assert frac(spec, {"matches": {"0": "meow", "1": "woof", "2": "quack"}}) == Fraction(2, 3)
    assert frac(spec, {"matches": {"0": "meow", "3": "quack", "1": 7}}) == Fraction(1, 3)
    assert frac(spec, {"matches": [["0", "meow"]]}) == 0


def test_essay_needs_review_and_description_is_not_scored():
    essay = {"type": "essay", "points": "5"}
    answered = score_question(essay, {"text": "My answer"})
    assert (answered.fraction, answered.points, answered.max_points) == (None, 0, 5)
    assert (answered.state, answered.correct_response) == ("needs_review", None)
    assert score_question(essay, {"text": "  "}).state == "incorrect"  # blank scores 0
    info = score_question({"type": "description", "points": "1"}, {"choice": 0})
    assert (info.fraction, info.max_points, info.state) == (None, 0, "not_scored")


def test_total_is_exact_and_flags_review():
    scores = [
        score_question(choice_q(["100", "0"], "single_choice"), {"choice": 0}),
        score_question(choice_q(["33.33333"] * 3, points="2"), {"choices": [0]}),
        score_question({"type": "description"}, None),
    ]
    attempt = total(scores)
    assert (attempt.raw, attempt.maximum, attempt.fraction) == (Fraction(5, 3), 3, Fraction(5, 9))
    assert attempt.needs_review is False
    reviewed = total([*scores, score_question({"type": "essay"}, {"text": "x"})])
    assert reviewed.needs_review and reviewed.maximum == 4 and reviewed.raw == Fraction(5, 3)
    assert total([]).fraction is None


def test_malformed_spec_raises():
    with pytest.raises(ValueError):
        score_question({"type": "ranking"}, None)
    with pytest.raises(ValueError):
        score_question(choice_q(["lots"]), {"choices": [0]})
