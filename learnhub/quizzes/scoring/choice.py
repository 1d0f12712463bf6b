"""Choice questions: single choice and true/false (the chosen option's weight) and multiple
answers (the ticked options' weights added, with LearnHub's penalty for a wrong tick)."""

import logging
from collections.abc import Mapping, Sequence
from fractions import Fraction

from learnhub.quizzes.scoring.base import (
    ZERO,
    QuestionScore,
    answer_feedback,
    best_index,
    choice_index,
    graded,
    graded_answer,
    weight_fraction,
)

logger = logging.getLogger(__name__)


def score_single_choice(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
    """single_choice / true_false: the clamped weight of the chosen option.

    Moodle qtype_multichoice (single) and qtype_truefalse: the chosen answer's fraction. The best
    a learner can do is the best option, never the sum of the positive ones. An index that is
    missing, not an int or out of range scores 0. Feedback: the chosen choice's feedback (for
    true/false the GIFT {T#wrong#right} feedback already sits on the choices).
    """
    choices = spec["choices"]
    weights = [weight_fraction(c["weight"]) for c in choices]
    best = best_index(range(len(weights)), weights)
    correct = None if best is None else {"choice": best}
    chosen = choice_index(response.get("choice"), len(choices))
    return graded_answer(chosen, weights, choices, max_points, correct)


def _multiple_answer_weights(weights: Sequence[Fraction]) -> list[Fraction]:
    """Weights as scored in a multiple-answer question (LearnHub rule: ticking every option
    never earns full marks).

    A wrong option with weight 0 counts -(1 / number of positive options) when ticked. Moodle
    gives 0 there, which lets "tick everything" earn full marks; negative weights written in the
    source are kept as they are.
    """
    positives = sum(1 for w in weights if w > 0)
    penalty = -Fraction(1, positives) if positives else ZERO
    return [penalty if w == 0 else w for w in weights]


def score_multiple_choice(spec: dict, response: Mapping, max_points: Fraction) -> QuestionScore:
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
    ticked = sorted(
        {i for i in (choice_index(v, len(choices)) for v in ticked_raw) if i is not None}
    )
    feedback = [item for i in ticked for item in answer_feedback(choices[i])]
    return graded(sum((weights[i] for i in ticked), ZERO), max_points, feedback, correct)
