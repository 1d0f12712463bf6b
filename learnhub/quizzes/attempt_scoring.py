"""Scoring a whole attempt on the server, and what follows from its outcome (evidence).

Shared by submit, the essay reviewer and regrading, so the three can never disagree. Flushes,
never commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cache
from typing import Protocol

from sqlalchemy import Select, bindparam, select

from learnhub.catalog.models import Module, ModuleCompetence
from learnhub.extensions import db
from learnhub.questionbank.models import Question, QuestionType
from learnhub.quizzes import scoring
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, Quiz, Response, ResponseState
from learnhub.skills.models import EvidenceKind
from learnhub.skills.recording import record_evidence_of
from learnhub.skills.services import revoke_evidence

logger = logging.getLogger(__name__)

_ZERO = Fraction(0)


class Answered(Protocol):
    """What scoring reads of a response: a stored Response, or a final answer not stored yet."""

    @property
    def answer(self) -> dict: ...
    @property
    def fraction_exact(self) -> str | None: ...
    @property
    def reviewed_at(self) -> datetime | None: ...


def question_score(quiz: Quiz, question: Question, response: Answered | None):
    """The QuestionScore of one response (see ``learnhub.quizzes.scoring``).

    Essays: an essay a reviewer scored keeps the reviewer's fraction; otherwise, when
    the quiz has no essay grading (``essays_graded`` false), an essay is stored, counts as
    complete and carries no points (max 0, state "not_scored"); with essay grading an answered
    essay waits for a reviewer ("needs_review").
    """
    spec = question.spec
    if spec.get("type") == QuestionType.ESSAY:
        max_points = Fraction(Decimal(spec.get("points", "1")))
        if response is not None and response.reviewed_at is not None and response.fraction_exact:
            fraction = Fraction(response.fraction_exact)
            state = (
                ResponseState.CORRECT
                if fraction == 1
                else ResponseState.INCORRECT
                if fraction == 0
                else ResponseState.PARTIAL
            )
            return scoring.QuestionScore(
                fraction, fraction * max_points, max_points, state, [], None
            )
        if not quiz.essays_graded:
            return scoring.QuestionScore(None, _ZERO, _ZERO, ResponseState.NOT_SCORED, [], None)
    return scoring.score_question(spec, response.answer if response is not None else None)


def score_attempt(attempt: Attempt) -> list[Question]:
    """(Re)compute every response's score and the attempt's totals and pass decision; returns
    the attempt's questions in display order (read once: question-level evidence reuses them).

    ``passed`` is None while an essay waits for a reviewer (no final grade yet, as Moodle's "not
    yet graded"); otherwise the exact fraction against the pass mark (scoring.passes). A
    question without a response gets an empty one, so reviews and exports see every question.
    """
    quiz = attempt.quiz
    responses = {r.question_id: r for r in attempt.responses}
    questions = attempt_questions(attempt)
    results = []
    for question in questions:
        response = responses.get(question.id)
        result = question_score(quiz, question, response)
        results.append(result)
        if response is None:
            response = Response(attempt_id=attempt.id, question_id=question.id, answer={})
            attempt.responses.append(response)
        for name, value in stored_score(result).items():
            setattr(response, name, value)
    for name, value in attempt_totals(quiz, results).items():
        setattr(attempt, name, value)
    return questions


def stored_score(result: scoring.QuestionScore) -> dict:
    """The columns of a response that hold its score (``fraction_exact``, ``points``,
    ``state``, ``feedback``), from its QuestionScore."""
    return {
        "fraction_exact": None if result.fraction is None else str(result.fraction),
        "points": to_decimal(result.points),
        "state": result.state,
        "feedback": result.feedback,
    }


def attempt_totals(quiz: Quiz, results: list[scoring.QuestionScore]) -> dict:
    """The columns of an attempt that hold its score (``raw_points``, ``max_points``,
    ``score_exact``, ``needs_review``, ``passed``) from its questions' scores: ``passed`` is
    None while an essay waits for a reviewer, else the exact fraction against the quiz's pass
    mark (``scoring.passes``)."""
    totals = scoring.total(results)
    passed = None
    if not totals.needs_review:
        passed = totals.fraction is not None and scoring.passes(totals.fraction, quiz.pass_mark)
    return {
        "raw_points": to_decimal(totals.raw),
        "max_points": to_decimal(totals.maximum),
        "score_exact": None if totals.fraction is None else str(totals.fraction),
        "needs_review": totals.needs_review,
        "passed": passed,
    }


def to_decimal(value: Fraction) -> Decimal:
    """An exact fraction as a decimal of 7 places, rounded down (for display and SQL sums)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.0000001"), rounding=ROUND_FLOOR
    )


def settle_evidence(attempt: Attempt, was_passed: bool | None) -> str | None:
    """Make the evidence of ``attempt`` follow its outcome after scoring.

    A pass records evidence (or reinstates evidence an earlier regrade revoked); a pass that
    became a fail or "waiting for a reviewer" revokes it. The team summaries above the employee
    are queued by the skills services. Returns "recorded", "revoked" or None (no change).
    """
    source = f"attempt:{attempt.id}"
    if attempt.passed and not was_passed:
        record_attempt_evidence(attempt)
        revoke_evidence(source, revoked=False, kind=EvidenceKind.QUIZ_PASSED)
        return "recorded"
    if was_passed and not attempt.passed:
        revoke_evidence(source, kind=EvidenceKind.QUIZ_PASSED)
        return "revoked"
    return None


@cache
def _mappings_statement() -> Select:
    """The competences of modules (``module_ids``, a list) with their validity, built once."""
    return (
        select(
            ModuleCompetence.competence_id, ModuleCompetence.level_number, Module.validity_months
        )
        .join(Module, Module.id == ModuleCompetence.module_id)
        .where(ModuleCompetence.module_id.in_(bindparam("module_ids", expanding=True)))
    )


def record_attempt_evidence(attempt: Attempt) -> None:
    """Evidence of every competence the module maps, at its level, dated at the submit and
    expiring after the module's validity period (DESIGN.md). A course's diagnostic quiz
    (test-out) gives what passing each module it covers would: every competence of those
    modules at the highest level they map it to, expiring after the shortest validity among
    them. Two statements: the modules' competences with their validity, then one INSERT of every
    row (and the recompute request)."""
    quiz = attempt.quiz
    module_ids = [quiz.module_id] if quiz.module_id is not None else list(quiz.covers or [])
    if not module_ids:
        return
    mappings = db.session.execute(_mappings_statement(), {"module_ids": module_ids}).all()
    if not mappings:
        return
    levels: dict[int, int] = {}
    for m in mappings:
        levels[m.competence_id] = max(levels.get(m.competence_id, 0), m.level_number)
    expires = None
    validity = min((m.validity_months for m in mappings if m.validity_months), default=None)
    if validity:
        expires = attempt.submitted_at + timedelta(days=round(validity * 30.4375))
    record_evidence_of(
        employee_id=attempt.employee_id,
        levels=levels,
        kind=EvidenceKind.QUIZ_PASSED,
        source=f"attempt:{attempt.id}",
        achieved_at=attempt.submitted_at,
        expires_at=expires,
    )
