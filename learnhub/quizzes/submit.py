"""Submitting an attempt: its final answers scored on the server, the attempt closed exactly
once with its score, the responses stored with theirs, and the evidence it gives; then the
``attempt_submitted`` receivers (progress, xAPI, required learning) follow.

The order, and why it is safe: the final responses are scored in memory first (nothing is
written), then ONE conditional UPDATE both claims the attempt (in_progress → submitted, which
only one transaction can win) and stores its score; only the winner writes the responses (one
upsert on (attempt, question), so answers another request saved meanwhile are replaced by the
final ones, never duplicated) and the evidence. A loser writes nothing and shows what the
winner stored. When the final answers cover every question, the responses saved before are
not read (nothing of them is scored).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import (
    CompoundSelect,
    Insert,
    Integer,
    Select,
    String,
    Update,
    bindparam,
    null,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm.attributes import set_committed_value

from learnhub.catalog.models import Module, ModuleCompetence
from learnhub.core.errors import Conflict, DomainError
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.questionbank.models import Question
from learnhub.quizzes.attempt_scoring import attempt_totals, question_score, stored_score
from learnhub.quizzes.layout import attempt_questions
from learnhub.quizzes.models import Attempt, AttemptState, Response
from learnhub.quizzes.question_evidence import competence_levels, tagged_results
from learnhub.quizzes.revisions import ChangedElsewhere, same_as_stored
from learnhub.quizzes.scoring import QuestionScore
from learnhub.quizzes.signals import attempt_submitted
from learnhub.quizzes.timing import is_overdue
from learnhub.skills.models import Competence, EvidenceKind, Framework
from learnhub.skills.recording import NewEvidence, record_evidence_rows

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Final:
    """One question's final response before it is stored (what scoring reads of it)."""

    answer: dict
    saved_at: datetime
    fraction_exact: str | None = None
    reviewed_at: datetime | None = None


#: why answers sent to a submitted attempt are refused (409), as ``PUT …/responses`` does
SUBMITTED_ALREADY = (
    "This attempt is already submitted, so the answers sent were not saved; its result stands. "
    "Start a new attempt to answer again."
)


def _submitted_already(attempt: Attempt, answers: dict[int, dict] | None) -> Attempt:
    """The submitted ``attempt`` for a repeated submit: a bare one (no answers) or one carrying
    the answers stored (a double click, a retry after a lost answer) is idempotent; other
    answers raise Conflict, nothing written (LearnHub choice, README: a client that re-sends
    the same submit gets the same result; new answers are never dropped silently)."""
    if answers and not same_as_stored(attempt.id, answers):
        raise Conflict(SUBMITTED_ALREADY)
    return attempt


def submit_attempt(
    attempt: Attempt, answers: dict[int, dict] | None, revision: int | None = None
) -> Attempt:
    """Save ``answers`` ({question id: response in spec indexes}; ignored when the time is up),
    then score and close the attempt exactly once (the module docstring's order).

    ``revision``: the answer revision of the page that sent them (None: unchecked); the claim
    takes it only while the stored answers are still at it (the check is in the claim's WHERE,
    learnhub.quizzes.revisions), else raises ChangedElsewhere and writes nothing, unless
    answers were sent and they are those stored. When the time is up the revision is not
    checked: the attempt is submitted with what was saved. A second submit (double click,
    retry, another tab) without answers, or with those the first one stored, changes nothing
    and returns the attempt as the first one stored it; one with other answers raises
    Conflict (:data:`SUBMITTED_ALREADY`): they would be dropped silently (a tester's finding).
    Records the ``quiz_passed`` evidence when it passes and the
    question-level evidence of its tagged questions whether it passed or not
    (:mod:`learnhub.quizzes.question_evidence`), both in one INSERT. Raises DomainError for a
    question not in the attempt (before anything is written). Flushes, never commits.
    """
    if attempt.state == AttemptState.SUBMITTED:
        return _submitted_already(attempt, answers)
    now = utcnow()
    final = dict(answers) if answers and not is_overdue(attempt, now) else {}
    questions = attempt_questions(attempt)
    ids = {q.id for q in questions}
    unknown = sorted(set(final) - set(attempt.layout.get("questions", [])))
    if unknown:
        raise DomainError(f"Question(s) {unknown} are not part of attempt {attempt.id}.")
    stored = {} if ids <= set(final) else _stored_responses(attempt.id)
    finals = {q.id: _final(q.id, final, stored, now) for q in questions}
    quiz = attempt.quiz
    scores = [question_score(quiz, q, finals[q.id]) for q in questions]
    totals = attempt_totals(quiz, scores)
    params = {"attempt_id": attempt.id, "now": now, "in_progress": AttemptState.IN_PROGRESS}
    checked = revision is not None and not is_overdue(attempt, now)
    if checked:
        params["revision"] = revision
    claimed = _claim(checked, params | totals)
    if claimed == 0:
        db.session.refresh(attempt)
        if attempt.state == AttemptState.SUBMITTED:  # a twin request submitted it first
            return _submitted_already(attempt, answers)
        if not final or not same_as_stored(attempt.id, final):  # another page saved since
            raise ChangedElsewhere()
        if _claim(False, params | totals) == 0:  # this page's answers are those stored
            db.session.refresh(attempt)  # … and a twin request submitted it meanwhile
            return attempt
    for name, value in {"state": AttemptState.SUBMITTED, "submitted_at": now, **totals}.items():
        set_committed_value(attempt, name, value)
    rows = [
        {
            "attempt_id": attempt.id,
            "question_id": q.id,
            "answer": finals[q.id].answer,
            "saved_at": finals[q.id].saved_at,
            **stored_score(score),
        }
        for q, score in zip(questions, scores, strict=True)
    ]
    dialect = db.session.get_bind().dialect.name
    written = list(db.session.scalars(_upsert_statement(dialect), rows)) if rows else []
    others = [r for qid, r in stored.items() if qid not in ids]  # none: kept if ever there
    responses = sorted(written + others, key=lambda r: r.question_id)
    set_committed_value(attempt, "responses", responses)
    by_question = {q.id: score for q, score in zip(questions, scores, strict=True)}
    db.session.info.setdefault(_SCORED, {})[attempt.id] = (quiz.essays_graded, by_question)
    record_submit_evidence(attempt, questions)
    attempt_submitted.send(attempt)
    return attempt


def score_held(attempt: Attempt, response: Response | None) -> QuestionScore | None:
    """The score of ``response`` as this session computed it when it submitted ``attempt``
    (the result shown right after a submit is not scored twice), or None: not scored here, or
    stored differently since (a reviewer's mark, a regrade, another essay setting)."""
    held = db.session.info.get(_SCORED, {}).get(attempt.id)
    if held is None or response is None or response.reviewed_at is not None:
        return None
    essays_graded, scores = held
    score = scores.get(response.question_id)
    if score is None or essays_graded != attempt.quiz.essays_graded:
        return None
    fraction = None if score.fraction is None else str(score.fraction)
    if response.state != score.state or response.fraction_exact != fraction:
        return None
    return score


#: ``Session.info`` key: {attempt id: (essays graded?, {question id: QuestionScore})} of the
#: attempts this session submitted
_SCORED = "learnhub.quizzes.scored"


def _final(
    question_id: int, final: dict[int, dict], stored: dict[int, Response], now: datetime
) -> _Final:
    """A question's final response: the answer sent now ({} clears a saved one), else the one
    saved before, else an empty one (every question gets a response row)."""
    saved = stored.get(question_id)
    reviewed = (saved.fraction_exact, saved.reviewed_at) if saved is not None else (None, None)
    if question_id in final:
        return _Final(final[question_id] or {}, now, *reviewed)
    if saved is not None:
        return _Final(saved.answer or {}, saved.saved_at, *reviewed)
    return _Final({}, now)


def _stored_responses(attempt_id: int) -> dict[int, Response]:
    """The attempt's responses as stored now (read again: another request may have saved
    answers since this one loaded the attempt), by question id."""
    return {
        r.question_id: r
        for r in db.session.scalars(_responses_statement(), {"attempt_id": attempt_id})
    }


@cache
def _responses_statement() -> Select:
    """An attempt's responses as stored (``attempt_id``), built once."""
    return (
        select(Response)
        .where(Response.attempt_id == bindparam("attempt_id"))
        .execution_options(populate_existing=True)
    )


def _claim(checked: bool, params: dict) -> int:
    """Run the claim (``_claim_statement``); how many rows it claimed (0 or 1)."""
    return cast(CursorResult, db.session.execute(_claim_statement(checked), params)).rowcount


@cache
def _claim_statement(checked: bool) -> Update:
    """The conditional UPDATE that claims a submit and stores the attempt's score
    (``attempt_id``, ``in_progress``, ``now`` and the columns of ``attempt_totals``; when
    ``checked``, only while the answers are at ``revision``), built once per kind."""
    statement = update(Attempt).where(
        Attempt.id == bindparam("attempt_id"), Attempt.state == bindparam("in_progress")
    )
    if checked:
        statement = statement.where(Attempt.answers_revision == bindparam("revision"))
    return statement.values(
        state=AttemptState.SUBMITTED,
        submitted_at=bindparam("now"),
        raw_points=bindparam("raw_points"),
        max_points=bindparam("max_points"),
        score_exact=bindparam("score_exact"),
        needs_review=bindparam("needs_review"),
        passed=bindparam("passed"),
    ).execution_options(synchronize_session=False)


@cache
def _upsert_statement(dialect_name: str) -> Insert:
    """The responses' INSERT … ON CONFLICT (attempt, question) DO UPDATE of the answer and its
    score, returning the rows as Responses (those the session holds are refreshed), built once
    per dialect. A reviewer's mark and comment are never touched (none before a submit)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(Response)
    columns = ("answer", "saved_at", "fraction_exact", "points", "state", "feedback")
    return (
        statement.on_conflict_do_update(
            index_elements=["attempt_id", "question_id"],
            set_={name: statement.excluded[name] for name in columns},
        )
        .returning(Response)
        .execution_options(populate_existing=True)
    )


def record_submit_evidence(attempt: Attempt, questions: list[Question]) -> int:
    """The evidence a just-submitted, scored attempt gives, in one read and one INSERT (and
    one recompute request when any row is new): ``quiz_passed`` when it passed, as
    ``attempt_scoring.record_attempt_evidence`` records it, and ``question_result`` as
    ``question_evidence.settle_question_evidence`` does for a fresh attempt (the same rules,
    expiries and source ``attempt:<id>``). No statement when it gives none (failed, no tagged
    question shown). Returns how many rows were new."""
    quiz = attempt.quiz
    module_ids = [quiz.module_id] if quiz.module_id is not None else list(quiz.covers or [])
    levels: dict[tuple[str, str], int] = {}
    if attempt.passed is not None and any(q.spec.get("competences") for q in questions):
        levels = competence_levels(tagged_results(attempt, questions), quiz.pass_mark)
    if not (levels or (attempt.passed and module_ids)):
        return 0
    rows = db.session.execute(
        _sources_statement(), {"module_ids": module_ids, "keys": sorted(levels)}
    ).all()
    at = attempt.submitted_at or attempt.started_at
    new: list[NewEvidence] = []
    mappings = [r for r in rows if r.slug is None and r.competence_id is not None]
    if attempt.passed and mappings:
        by_competence: dict[int, int] = {}
        for m in mappings:
            by_competence[m.competence_id] = max(by_competence.get(m.competence_id, 0), m.level)
        validity = min((m.validity for m in mappings if m.validity), default=None)
        expires = _expiry(at, validity)
        new += [
            NewEvidence(c, level, EvidenceKind.QUIZ_PASSED, expires)
            for c, level in sorted(by_competence.items())
        ]
    if levels:
        months = min((r.validity for r in rows if r.slug is None and r.validity), default=None)
        ids = {(r.slug, r.code): r.competence_id for r in rows if r.slug is not None}
        found = {ids[key]: level for key, level in levels.items() if key in ids}
        new += [
            NewEvidence(c, level, EvidenceKind.QUESTION_RESULT, _expiry(at, months))
            for c, level in sorted(found.items())
        ]
        logger.info("attempt %s: question-level evidence now %s", attempt.id, levels)
    return record_evidence_rows(
        employee_id=attempt.employee_id, rows=new, source=f"attempt:{attempt.id}", achieved_at=at
    )


def _expiry(at: datetime, months: int | None) -> datetime | None:
    """Evidence dated ``at`` expires ``months`` later (None or 0: never, DESIGN.md)."""
    return at + timedelta(days=round(months * 30.4375)) if months else None


@cache
def _sources_statement() -> CompoundSelect:
    """What the evidence of a submit needs (``module_ids``, ``keys``: [(framework slug,
    competence code)]), built once: the modules' validity with the competences they map (one
    row per module at least; ``slug`` NULL), then the tagged competences' ids (``validity`` and
    ``level`` NULL)."""
    no_int, no_text = sql_cast(null(), Integer), sql_cast(null(), String)
    modules = (
        select(
            Module.validity_months.label("validity"),
            ModuleCompetence.competence_id.label("competence_id"),
            ModuleCompetence.level_number.label("level"),
            no_text.label("slug"),
            no_text.label("code"),
        )
        .select_from(Module)
        .outerjoin(ModuleCompetence, ModuleCompetence.module_id == Module.id)
        .where(Module.id.in_(bindparam("module_ids", expanding=True)))
    )
    tags = (
        select(no_int, Competence.id, no_int, Framework.slug, Competence.code)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(tuple_(Framework.slug, Competence.code).in_(bindparam("keys", expanding=True)))
    )
    return union_all(modules, tags)
