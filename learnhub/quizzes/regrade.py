"""Key fixes and regrading: a corrected question rescored in every stored attempt, with
evidence, module progress and team summaries following. The essay reviewer's scores are in
``learnhub.quizzes.essay_review`` (they rescore through :func:`rescore`).

Everything here is audited. Flushes, never commits (the request or CLI commits).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from learnhub.core.audit import audit
from learnhub.core.errors import Issue, NotFound, ValidationFailed
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.questionbank.models import Question
from learnhub.questionbank.services import spec_digest
from learnhub.questionbank.spec_check import spec_issues
from learnhub.quizzes import scoring
from learnhub.quizzes.attempt_scoring import score_attempt, settle_evidence
from learnhub.quizzes.models import Attempt, AttemptState
from learnhub.quizzes.question_evidence import settle_question_evidence
from learnhub.quizzes.services import get_quiz
from learnhub.quizzes.signals import attempt_regraded

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One attempt whose stored result a rescore changed; scores are exact Fraction strings."""

    attempt_id: int
    employee_id: int
    score_before: str | None
    score_after: str | None
    passed_before: bool | None
    passed_after: bool | None
    evidence: str | None  # "recorded", "revoked" or None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def rescore(attempt: Attempt) -> Change | None:
    """Score a submitted attempt again from its stored responses and the current question
    specs; when its score or pass decision changed, make evidence follow (pass -> fail revokes,
    fail -> pass records) and send ``attempt_regraded`` (progress recomputes the module). The
    team summaries above the employee are queued with the evidence change. The attempt's
    question-level evidence follows its question scores even when its total did not move (a
    fix may move points between questions of different competences)."""
    before = (attempt.score_exact, attempt.passed, attempt.needs_review)
    questions = score_attempt(attempt)
    db.session.flush()
    settle_question_evidence(attempt, questions)
    if (attempt.score_exact, attempt.passed, attempt.needs_review) == before:
        return None
    attempt.regraded_at = utcnow()
    evidence = settle_evidence(attempt, before[1])
    attempt_regraded.send(attempt)
    return Change(
        attempt.id,
        attempt.employee_id,
        before[0],
        attempt.score_exact,
        before[1],
        attempt.passed,
        evidence,
    )


def regrade_quiz(quiz_id: int, *, dry_run: bool = False) -> dict:
    """Rescore every submitted attempt of one quiz version after a key fix.

    Returns ``{"quiz_id", "attempts": n, "changed": [Change dicts], "dry_run"}``; with
    ``dry_run`` nothing is kept. Audited as ``quizzes.regrade``. Raises NotFound."""
    quiz = get_quiz(quiz_id)
    savepoint = db.session.begin_nested()
    attempts = db.session.scalars(
        select(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.state == AttemptState.SUBMITTED)
        .order_by(Attempt.id)
    ).all()
    changes = [c for c in (rescore(a) for a in attempts) if c is not None]
    report = {
        "quiz_id": quiz.id,
        "attempts": len(attempts),
        "changed": [c.as_dict() for c in changes],
        "dry_run": dry_run,
    }
    if dry_run:
        savepoint.rollback()
        return report
    savepoint.commit()
    audit(
        "quizzes.regrade",
        target=f"quiz:{quiz.id}",
        attempts=len(attempts),
        changed=[c.attempt_id for c in changes],
        passed_to_failed=[c.attempt_id for c in changes if c.evidence == "revoked"],
        failed_to_passed=[c.attempt_id for c in changes if c.evidence == "recorded"],
    )
    logger.info("quiz %s regraded: %d of %d attempts changed", quiz.id, len(changes), len(attempts))
    return report


def fix_question(question_id: int, spec: dict) -> Question:
    """Replace a question's spec in place (a key fix), for the attempts that used it to be
    regraded. The new spec must be whole and pass the importers' validation
    (:func:`learnhub.questionbank.spec_check.spec_issues`: a tester's finding, a true/false
    spec without text, name or stem was stored and every attempt showing it failed), keep the
    type and, for choice and matching questions, the number of options, so stored responses
    (indexes) still mean what the learner chose. ``line`` and ``category`` are kept from the
    stored spec. Raises NotFound, ValidationFailed naming each missing or wrong field (nothing
    changed). Audited as ``quizzes.question_fixed``."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound("No such question.")
    old = question.spec
    issues = spec_issues(spec)
    if spec.get("type") != old.get("type"):
        issues.append(Issue("type", f"a key fix keeps the type {old.get('type')!r}"))
    for key in ("choices", "pairs"):
        if key in old and len(spec.get(key) or []) != len(old[key]):
            issues.append(Issue(key, f"a key fix keeps the {len(old[key])} {key}"))
    if not issues:
        try:
            scoring.score_question(spec, None)
            points = Decimal(spec.get("points", "1"))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            issues.append(Issue("spec", f"the scorer cannot read this spec: {exc}"))
    if issues:
        raise ValidationFailed("The corrected question was refused; nothing changed.", issues)
    new = {**spec, "line": old.get("line", 0), "category": old.get("category")}
    question.spec, question.points, question.name = new, points, new.get("name") or None
    if question.bank_id is not None:
        question.content_sha256 = spec_digest(new)
    audit(
        "quizzes.question_fixed",
        target=f"question:{question.id}",
        before=spec_digest(old),
        after=spec_digest(new),
    )
    db.session.flush()
    return question
