"""Attempts: start, save, submit (:mod:`learnhub.quizzes.submit`), score; the review policy
is :mod:`learnhub.quizzes.review_policy`.

Scoring happens here on the server with :mod:`learnhub.quizzes.scoring`; the learner sees
questions through :func:`learnhub.quizzes.render.learner_question`, which never carries a key.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from fractions import Fraction
from functools import cache

from sqlalchemy import Row, Select, and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defaultload, joinedload, lazyload

from learnhub.auth.permissions import User, can_view_attempt
from learnhub.core.errors import Conflict, DomainError, NotFound
from learnhub.core.models import utcnow
from learnhub.extensions import db
from learnhub.questionbank.models import Question
from learnhub.quizzes import scoring
from learnhub.quizzes.layout import build_layout, questions_per_attempt
from learnhub.quizzes.models import Attempt, AttemptState, Quiz, Response
from learnhub.quizzes.review_policy import submitted_count
from learnhub.quizzes.revisions import claim_revision
from learnhub.quizzes.signals import attempt_started
from learnhub.quizzes.submit import submit_attempt
from learnhub.quizzes.timing import DEADLINE_GRACE, deadline_for, is_overdue

logger = logging.getLogger(__name__)


def current_quiz(module_id: int) -> Quiz | None:
    """The current version of the module's quiz, or None when the module has no quiz."""
    return db.session.scalar(
        select(Quiz).where(Quiz.module_id == module_id, Quiz.is_current.is_(True))
    )


def current_quiz_settings(module_id: int) -> Quiz | None:
    """The module's current quiz as the catalogue shows it (its settings and how many questions
    it has), in one statement: its questions come with their ids only, never their specs."""
    return db.session.scalars(_quiz_settings_statement(), {"module_id": module_id}).unique().first()


@cache
def _quiz_settings_statement() -> Select:
    """:func:`current_quiz_settings`' statement (parameter ``module_id``), built once."""
    return (
        select(Quiz)
        .where(Quiz.module_id == bindparam("module_id"), Quiz.is_current.is_(True))
        .options(joinedload(Quiz.questions).load_only(Question.id))
    )


def get_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        raise NotFound("No such quiz.")
    return quiz


def attempts_of(module_id: int, employee_id: int) -> list[Attempt]:
    """Every attempt of the employee at the module's quiz (all versions), oldest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .join(Quiz, Attempt.quiz_id == Quiz.id)
            .where(Quiz.module_id == module_id, Attempt.employee_id == employee_id)
            .order_by(Attempt.started_at, Attempt.id)
        )
    )


def attempt_rows(module_id: int, employee_id: int) -> list[Row]:
    """Every attempt of the employee at the module's quiz (all versions), oldest first, as
    rows of ``(id, number, state, passed)``: what a page lists, in one statement (no quiz,
    questions or responses loaded)."""
    return list(
        db.session.execute(
            select(Attempt.id, Attempt.number, Attempt.state, Attempt.passed)
            .join(Quiz, Attempt.quiz_id == Quiz.id)
            .where(Quiz.module_id == module_id, Attempt.employee_id == employee_id)
            .order_by(Attempt.started_at, Attempt.id)
        )
    )


@cache
def _page_attempts_statement() -> Select:
    """:func:`page_attempts`' statement (parameters ``module_id``, ``employee_id``), built
    once: every module page runs it."""
    here = Quiz.module_id == bindparam("module_id")
    timed_open = and_(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline_at.is_not(None))
    return (
        select(Attempt.id, Attempt.number, Attempt.state, Attempt.passed, Attempt.deadline_at)
        .add_columns(here.label("here"))
        .join(Quiz, Attempt.quiz_id == Quiz.id)
        .where(Attempt.employee_id == bindparam("employee_id"), or_(here, timed_open))
        .order_by(Attempt.started_at, Attempt.id)
    )


def page_attempts(module_id: int, employee_id: int) -> list[Row]:
    """What a module page lists: :func:`attempt_rows`, after closing every overdue attempt of
    the employee (any module: :func:`close_overdue_of`, so a page never shows a stuck
    attempt). One statement reads both the module's attempts and the employee's timed ones
    still open; only when one of those is overdue are they closed and the list read again."""
    rows = db.session.execute(
        _page_attempts_statement(), {"module_id": module_id, "employee_id": employee_id}
    ).all()
    late = utcnow() - timedelta(seconds=DEADLINE_GRACE)
    if any(
        r.state == AttemptState.IN_PROGRESS and r.deadline_at is not None and r.deadline_at < late
        for r in rows
    ):
        close_overdue_of(employee_id)
        return attempt_rows(module_id, employee_id)
    return [r for r in rows if r.here]


@cache
def _record_statement() -> Select:
    """:func:`module_record`'s statement (``module_id``, ``employee_id``), built once."""
    return (
        select(Attempt.state, Attempt.score_exact, Attempt.needs_review)
        .join(Quiz, Attempt.quiz_id == Quiz.id)
        .where(
            Quiz.module_id == bindparam("module_id"),
            Attempt.employee_id == bindparam("employee_id"),
        )
        .order_by(Attempt.started_at, Attempt.id)
    )


def module_record(module_id: int, employee_id: int, method: str) -> tuple[int, Fraction | None]:
    """(submitted attempts, grade) of the employee at the module's quiz over all its versions,
    in one statement: the count :func:`~learnhub.quizzes.review_policy.submitted_count` gives
    and the grade :func:`grade` gives."""
    rows = db.session.execute(
        _record_statement(), {"module_id": module_id, "employee_id": employee_id}
    ).all()
    submitted = [r for r in rows if r.state == AttemptState.SUBMITTED]
    fractions = [
        Fraction(r.score_exact)
        for r in submitted
        if r.score_exact is not None and not r.needs_review
    ]
    return len(submitted), scoring.grade_attempts(fractions, method)


def in_progress(quiz: Quiz, employee_id: int) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(
            Attempt.quiz_id == quiz.id,
            Attempt.employee_id == employee_id,
            Attempt.state == AttemptState.IN_PROGRESS,
        )
    )


def _open_on_module(quiz: Quiz, employee_id: int) -> Attempt | None:
    return db.session.scalar(
        select(Attempt)
        .join(Quiz, Attempt.quiz_id == Quiz.id)
        .where(
            quiz.same_place(),
            Attempt.employee_id == employee_id,
            Attempt.state == AttemptState.IN_PROGRESS,
        )
        .limit(1)
    )


def _passed_before(quiz: Quiz, employee_id: int) -> bool:
    """True when the employee has a submitted, passed attempt at ``quiz``."""
    return bool(
        db.session.scalar(
            select(Attempt.id)
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.employee_id == employee_id,
                Attempt.state == AttemptState.SUBMITTED,
                Attempt.passed.is_(True),
            )
            .limit(1)
        )
    )


def start_attempt(quiz_id: int, employee_id: int) -> Attempt:
    """Start an attempt, or return the one already in progress (resume).

    The new attempt's layout (questions drawn from banks, shuffled questions and options) is
    fixed now and stored (learnhub.quizzes.layout); its deadline follows the quiz's time limit
    and the employee's extra time (learnhub.quizzes.timing, WCAG 2.2.1). An overdue attempt in
    progress is submitted first, with what was saved. Raises NotFound for an unknown quiz,
    Conflict when the quiz version is no longer current, the attempt limit is used up, a
    diagnostic (test-out) is already passed, the quiz has no question or a bank category is
    too small (no attempt row then). The
    one-in-progress rule is a partial unique index, so two simultaneous starts give one
    attempt.
    """
    quiz = get_quiz(quiz_id)
    # one attempt in progress per module: an attempt open on an older version is resumed there
    existing = in_progress(quiz, employee_id) or _open_on_module(quiz, employee_id)
    if existing is not None:
        if close_if_overdue(existing):
            return start_attempt(quiz_id, employee_id)
        return existing
    if not quiz.is_current:
        raise Conflict("This quiz has a newer version; start the current one.")
    used = submitted_count(quiz, employee_id)
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise Conflict(f"All {quiz.max_attempts} attempts at this quiz are used.")
    if quiz.is_diagnostic and used and _passed_before(quiz, employee_id):
        # a test-out is passed once: a retry could only fail and withdraw the waivers
        raise Conflict("You have already passed this check.")
    if not questions_per_attempt(quiz):
        # Moodle refuses too ("No questions have been added yet"): an attempt could only fail
        raise Conflict(NO_QUESTIONS)
    now = utcnow()
    attempt = Attempt(
        quiz_id=quiz.id,
        employee_id=employee_id,
        number=used + 1,
        started_at=now,
        deadline_at=deadline_for(quiz, employee_id, now),
        layout=build_layout(quiz, employee_id, random.SystemRandom()),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a twin request started one first
        existing = in_progress(quiz, employee_id)
        if existing is None:
            raise
        return existing
    attempt_started.send(attempt)
    return attempt


@cache
def _lazy_responses() -> tuple:
    """Options of a submit's attempt: its responses and its quiz's own questions left to load
    when first read (the questions come with the drawn ones: ``layout.attempt_questions``)."""
    return (lazyload(Attempt.responses), defaultload(Attempt.quiz).lazyload(Quiz.questions))


def get_attempt(attempt_id: int, viewer: User, *, responses: bool = True) -> Attempt:
    """The attempt if ``viewer`` may see it (its owner: ``permissions.can_view_attempt``);
    NotFound for anyone else (no hint that it exists). ``responses=False`` leaves its
    responses, and its quiz's questions, to load when first read (a submit reads the
    responses only when the answers sent do not cover every question)."""
    attempt = db.session.get(Attempt, attempt_id, options=() if responses else _lazy_responses())
    if attempt is None or not can_view_attempt(viewer, attempt):
        raise NotFound("No such attempt.")
    return attempt


#: why an attempt at a quiz without questions is not started (Moodle refuses it too)
NO_QUESTIONS = (
    "This quiz has no questions yet, so it cannot be attempted. Ask a content admin to add "
    "some; no attempt was counted."
)
TIME_UP = "Time is up: the attempt was submitted with the answers saved before the end."


class TimeUp(Conflict):
    """The attempt's time (plus grace) is up: it was submitted with what was saved before, and
    the late answers are refused. The closing stays (``keep_changes``): the request, task or
    command commits it before answering 409."""

    keep_changes = True

    def __init__(self) -> None:
        super().__init__(TIME_UP)


def save_responses(attempt: Attempt, answers: dict[int, dict], revision: int | None = None) -> None:
    """Store (replace) responses of an in-progress attempt; ``answers`` = {question_id:
    response dict}, sent from a page showing answer ``revision`` (None: unchecked;
    learnhub.quizzes.revisions). Raises Conflict when submitted, TimeUp (after submitting the
    attempt with what was saved) when its time is up, ChangedElsewhere when another page saved
    since, DomainError for a question not in it."""
    if attempt.state != AttemptState.IN_PROGRESS:
        raise Conflict("This attempt is already submitted.")
    if close_if_overdue(attempt):  # late answers are never stored
        raise TimeUp()
    _check_questions(attempt, answers)
    claim_revision(attempt, revision, answers)
    _write_responses(attempt, answers)


def _check_questions(attempt: Attempt, answers: dict[int, dict]) -> None:
    unknown = sorted(set(answers) - set(attempt.layout.get("questions", [])))
    if unknown:
        raise DomainError(f"Question(s) {unknown} are not part of attempt {attempt.id}.")


def _write_responses(attempt: Attempt, answers: dict[int, dict]) -> None:
    by_question = {r.question_id: r for r in attempt.responses}
    now = utcnow()
    for question_id, answer in answers.items():
        response = by_question.get(question_id)
        if response is None and not answer:
            continue  # nothing saved and nothing to save
        if response is None:
            response = Response(attempt_id=attempt.id, question_id=question_id)
            attempt.responses.append(response)
        response.answer, response.saved_at = answer or {}, now
    db.session.flush()


def close_if_overdue(attempt: Attempt) -> bool:
    """Submit an in-progress attempt whose deadline (plus grace) passed, with what was saved
    (an attempt is never left stuck open past its time). Returns True when it did."""
    if not is_overdue(attempt):
        return False
    submit_attempt(attempt, None)
    return True


def close_overdue_of(employee_id: int) -> int:
    """Submit every overdue attempt of one employee (their pages list attempts). Returns how
    many were closed."""
    attempts = db.session.scalars(
        select(Attempt).where(
            Attempt.employee_id == employee_id,
            Attempt.state == AttemptState.IN_PROGRESS,
            Attempt.deadline_at.is_not(None),
        )
    ).all()
    return sum(1 for attempt in attempts if close_if_overdue(attempt))


def exact(value: str | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def grade(module_id: int, employee_id: int, method: str) -> Fraction | None:
    """The module quiz grade under ``method`` over submitted attempts with a final score (all
    versions); an attempt waiting for an essay reviewer has none yet (one statement)."""
    return module_record(module_id, employee_id, method)[1]


def current_quiz_ids() -> dict[int, int]:
    """{module_id: current quiz id} for every module with a quiz (one query)."""
    rows = db.session.execute(
        select(Quiz.module_id, Quiz.id).where(
            Quiz.is_current.is_(True), Quiz.module_id.is_not(None)
        )
    ).all()
    return {module_id: quiz_id for module_id, quiz_id in rows if module_id is not None}
