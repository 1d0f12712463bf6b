"""Question-level evidence: what the questions of one attempt show, competence by competence.

A question may carry competence tags (``spec["competences"]``:
``[{"framework": slug, "competence": code, "level": number}]``, see
:mod:`learnhub.questionbank.competence_tags`). A submitted attempt with a final score gives, for
each competence c named on its questions, evidence of kind ``question_result`` at the highest
level L such that, over the attempt's scored questions tagged c at level L **or above**:

1. there are at least :data:`MIN_QUESTIONS` of them, and
2. the points earned on them reach the quiz's pass mark share of their maximum (compared
   exactly, as the pass decision is: ``scoring.passes``).

Why this rule:

- *At L or above*: DigComp's levels are cumulative (a higher level's statements include doing
  the lower level's tasks), so a harder question answered also shows the lower level, and a
  level is never granted on easier questions alone.
- *The quiz's pass mark*: the same bar the content author set for the whole quiz, so a
  competence is never proved more cheaply by its questions than by the quiz.
- *At least two questions*: one answer proves nothing; a four-option question is guessed one
  time in four, two in a row one time in sixteen.
- *Independent of the attempt's pass*: a failed quiz still shows what was shown (issue 11), and
  a passed quiz does not prove a competence whose questions were mostly missed.

Questions that carry no points (a description, an essay the quiz does not grade) count for
nothing. While an essay waits for its reviewer the attempt has no final score, so it gives no
question-level evidence yet (the review then settles it). Stored with source ``attempt:<id>``
(one row per competence: idempotent, a resubmit adds nothing), dated at the submit, expiring
as the attempt's ``quiz_passed`` evidence does; a regrade or an essay review that changes the
scores makes the rows follow (:func:`settle_question_evidence`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select, tuple_

from learnhub.catalog.models import Module
from learnhub.extensions import db
from learnhub.questionbank.models import Question
from learnhub.quizzes import scoring
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, ResponseState
from learnhub.skills.evidence_sync import sync_evidence
from learnhub.skills.models import Competence, EvidenceKind, Framework
from learnhub.skills.recording import record_evidence_of

logger = logging.getLogger(__name__)

#: the fewest tagged questions that can prove a level (see the module docstring)
MIN_QUESTIONS = 2


@dataclass(frozen=True)
class TaggedResult:
    """One scored question of an attempt: its competence tags ``[(framework slug, code,
    level)]`` and the points earned of its maximum (exact)."""

    tags: tuple[tuple[str, str, int], ...]
    earned: Fraction
    maximum: Fraction


def competence_levels(
    results: Iterable[TaggedResult], pass_mark: Decimal, min_questions: int = MIN_QUESTIONS
) -> dict[tuple[str, str], int]:
    """The rule of the module docstring: {(framework slug, competence code): level shown}
    from the attempt's scored, tagged questions; a competence with no level shown is absent.
    ``pass_mark``: percent (Decimal)."""
    by_competence: dict[tuple[str, str], list[tuple[int, Fraction, Fraction]]] = {}
    for result in results:
        if result.maximum <= 0:
            continue
        for framework, code, level in result.tags:
            by_competence.setdefault((framework, code), []).append(
                (level, result.earned, result.maximum)
            )
    shown = {}
    for key, rows in by_competence.items():
        for level in sorted({lvl for lvl, _e, _m in rows}, reverse=True):
            pool = [(e, m) for lvl, e, m in rows if lvl >= level]
            earned = sum((e for e, _m in pool), Fraction(0))
            maximum = sum((m for _e, m in pool), Fraction(0))
            if len(pool) >= min_questions and scoring.passes(earned / maximum, pass_mark):
                shown[key] = level
                break
    return shown


def tagged_results(attempt: Attempt, questions: list[Question]) -> list[TaggedResult]:
    """The attempt's scored ``questions`` that carry competence tags, with their stored
    scores."""
    responses = {r.question_id: r for r in attempt.responses}
    results = []
    for question in questions:
        tags = question.spec.get("competences") or []
        response = responses.get(question.id)
        if not tags or response is None or response.fraction_exact is None:
            continue
        if response.state in (ResponseState.NOT_SCORED, ResponseState.NEEDS_REVIEW):
            continue
        maximum = Fraction(Decimal(str(question.spec.get("points", "1"))))
        results.append(
            TaggedResult(
                tuple((t["framework"], t["competence"], int(t["level"])) for t in tags),
                Fraction(response.fraction_exact) * maximum,
                maximum,
            )
        )
    return results


def settle_question_evidence(
    attempt: Attempt, questions: list[Question] | None = None, *, fresh: bool = False
) -> bool:
    """Make the attempt's ``question_result`` evidence follow its current scores (the module
    docstring's rule). ``questions``: the attempt's questions when the caller has them (the
    scoring returns them), else they are read. ``fresh``: the attempt was just submitted, so
    nothing is stored for it yet: an attempt without tagged questions costs no statement, one
    with them two (the competences with the expiry, one INSERT) and the recompute request.
    Returns True when evidence changed (then the summaries above the learner are queued for
    after the commit). Flushes, never commits."""
    if questions is None:
        questions = attempt_questions(attempt)
    if fresh and not any(q.spec.get("competences") for q in questions):
        return False
    levels: dict[tuple[str, str], int] = {}
    if attempt.passed is not None and attempt.submitted_at is not None:
        levels = competence_levels(tagged_results(attempt, questions), attempt.quiz.pass_mark)
    if fresh and not levels:
        return False
    ids, months = _competences_and_validity(levels, attempt)
    at = attempt.submitted_at or attempt.started_at
    expires = at + timedelta(days=round(months * 30.4375)) if months else None
    found = {ids[key]: level for key, level in levels.items() if key in ids}
    if fresh:
        changed = bool(
            record_evidence_of(
                employee_id=attempt.employee_id,
                levels=found,
                kind=EvidenceKind.QUESTION_RESULT,
                source=f"attempt:{attempt.id}",
                achieved_at=at,
                expires_at=expires,
            )
        )
    else:
        changed = sync_evidence(
            employee_id=attempt.employee_id,
            kind=EvidenceKind.QUESTION_RESULT,
            source=f"attempt:{attempt.id}",
            levels=found,
            achieved_at=at,
            expires_at=expires,
        )
    if changed:
        logger.info("attempt %s: question-level evidence now %s", attempt.id, levels)
    return changed


def _competences_and_validity(
    keys: Iterable[tuple[str, str]], attempt: Attempt
) -> tuple[dict[tuple[str, str], int], int | None]:
    """({(framework slug, code): competence id}, validity months of the attempt's evidence)
    in one statement. The validity: the module's (a diagnostic quiz: the shortest of the
    modules it covers; None: never expires, DESIGN.md)."""
    quiz = attempt.quiz
    module_ids = [quiz.module_id] if quiz.module_id is not None else list(quiz.covers or [])
    validity = (
        select(func.min(Module.validity_months)).where(Module.id.in_(module_ids)).scalar_subquery()
    )
    keys = list(keys)
    if not keys:
        return {}, db.session.scalar(select(validity)) if module_ids else None
    rows = db.session.execute(
        select(Framework.slug, Competence.code, Competence.id, validity)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(tuple_(Framework.slug, Competence.code).in_(keys))
    ).all()
    months = rows[0][3] if rows else None
    return {(slug, code): cid for slug, code, cid, _m in rows}, months
