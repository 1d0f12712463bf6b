"""Quizzes (versioned), attempts and responses; a quiz's questions are
``learnhub.questionbank.models.Question`` rows owned by the quiz version.

A changed quiz gets a new version; every attempt stays pinned to the version it was taken on.
Exact scores are kept as ``"numerator/denominator"`` strings (``Fraction``) so a pass decision
never depends on a rounded display value (89.66% against a 90% pass mark fails).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db
from learnhub.questionbank.models import Question


class GradingMethod(StrEnum):
    """Which attempts make the quiz grade: Moodle's quiz grading methods
    (quiz_calculate_best_grade); see ``scoring.grade_attempts``."""

    HIGHEST = "highest"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"


class ReviewPolicy(StrEnum):
    """When correct answers and per-answer feedback are shown (``review_policy.review_allowed``)."""

    AFTER_PASS_OR_LAST_ATTEMPT = "after_pass_or_last_attempt"
    AFTER_SUBMIT = "after_submit"
    AFTER_PASS = "after_pass"
    AFTER_LAST_ATTEMPT = "after_last_attempt"
    NEVER = "never"


class FeedbackAfterFail(StrEnum):
    """What a learner sees of each question after a failed attempt while the review policy
    still withholds the review (``presentation.attempt_view``); never the correct answers.

    ``none``: the score only; ``correctness``: per question, whether the answer was correct,
    partly correct or incorrect, and its points (Moodle's review options "Whether correct" and
    "Marks"); ``feedback``: that, plus the feedback written for the answer given and the
    question's general feedback (Moodle's "Specific feedback" and "General feedback", without
    "Right answer")."""

    NONE = "none"
    CORRECTNESS = "correctness"
    FEEDBACK = "feedback"


#: the stored strings, for validation messages and choices
GRADING_METHODS = tuple(method.value for method in GradingMethod)
REVIEW_POLICIES = tuple(policy.value for policy in ReviewPolicy)
FEEDBACK_AFTER_FAIL = tuple(level.value for level in FeedbackAfterFail)


class Quiz(db.Model):
    """One version of a module's quiz with its settings.

    ``pass_mark``: percent of the maximum points (Decimal, e.g. 80); ``max_attempts``: 0 means
    unlimited; ``time_limit_seconds``: None means no limit. ``draw_rules``: questions drawn at
    random per attempt from question-bank categories, ``[{"bank": name, "category": path or
    None, "count": n, "subcategories": bool}]``, after the fixed ``questions``.
    ``essays_graded``: a reviewer scores essays (else an answered essay completes the question
    without points). ``feedback_after_fail``: what a failed attempt shows per question before
    the review policy opens the review (:class:`FeedbackAfterFail`).

    A module's quiz has ``module_id``; a course's **diagnostic** quiz (test-out,
    :mod:`learnhub.quizzes.diagnostic`) has ``course_id`` instead, and ``covers``: the ids of
    the course's modules that passing it waives. Exactly one of the two is set.
    """

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    covers: Mapped[list | None] = mapped_column(JSON)
    version: Mapped[int]
    is_current: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    max_attempts: Mapped[int] = mapped_column(default=0)
    grading_method: Mapped[GradingMethod] = mapped_column(
        enum_column(GradingMethod, name="grading_method", length=20), default=GradingMethod.HIGHEST
    )
    review_policy: Mapped[ReviewPolicy] = mapped_column(
        enum_column(ReviewPolicy, name="review_policy", length=40),
        default=ReviewPolicy.AFTER_PASS_OR_LAST_ATTEMPT,
    )
    feedback_after_fail: Mapped[FeedbackAfterFail] = mapped_column(
        enum_column(FeedbackAfterFail, name="feedback_after_fail", length=20),
        default=FeedbackAfterFail.NONE,
        server_default=FeedbackAfterFail.NONE.value,
    )
    time_limit_seconds: Mapped[int | None]
    shuffle_answers: Mapped[bool] = mapped_column(default=True)
    shuffle_questions: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    draw_rules: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    essays_graded: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("module_id", "version"),
        UniqueConstraint("course_id", "version"),
        CheckConstraint("(module_id IS NULL) <> (course_id IS NULL)", name="module_or_course"),
        # one current version per module, and per course's diagnostic: pages and attempts take
        # "the" current quiz (a second one, left by a test, was shown at random); a new version
        # is written after the old one stops being current (content_loader.write_version)
        Index(
            "uq_quizzes_current_module",
            "module_id",
            unique=True,
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
        Index(
            "uq_quizzes_current_course",
            "course_id",
            unique=True,
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
    )

    @property
    def questions_per_attempt(self) -> int:
        """How many questions one attempt holds: every fixed question plus each draw rule's
        ``count`` (what the module page announces; a quiz of bank draws only has no fixed
        ``questions``)."""
        return len(self.questions) + sum(int(r["count"]) for r in self.draw_rules or [])

    @property
    def is_diagnostic(self) -> bool:
        """A course's test-out quiz, not a module's."""
        return self.module_id is None

    def same_place(self) -> ColumnElement[bool]:
        """SQL: a quiz version of the same module (or, for a diagnostic, of the same course's
        test-out), so attempt counts and "passed before" span versions but never places
        (``Quiz.module_id == None`` would match every diagnostic)."""
        if self.module_id is not None:
            return Quiz.module_id == self.module_id
        return Quiz.course_id == self.course_id


class AttemptState(StrEnum):
    """An attempt is open for answers, then submitted (by the learner or at its deadline)."""

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Attempt(db.Model):
    """An employee's attempt at one quiz version.

    ``state``: ``in_progress`` or ``submitted``; at most one in progress per employee and quiz,
    enforced by a partial unique index. ``score_exact`` is raw/max as a Fraction
    string; ``raw_points``/``max_points`` are exact decimals for display and SQL.
    ``answers_revision``: how many times its answers were saved; a save or submit from a page
    that shows an older revision is refused (:mod:`learnhub.quizzes.revisions`).
    """

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    number: Mapped[int]
    state: Mapped[AttemptState] = mapped_column(
        enum_column(AttemptState, name="state", length=20), default=AttemptState.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # display order: [question_id, ...] and {str(question_id): [choice index, ...]}
    layout: Mapped[dict] = mapped_column(JSON, default=dict)
    raw_points: Mapped[Decimal | None] = mapped_column(Numeric(14, 7))
    max_points: Mapped[Decimal | None] = mapped_column(Numeric(14, 7))
    score_exact: Mapped[str | None] = mapped_column(String(80))
    passed: Mapped[bool | None]
    needs_review: Mapped[bool] = mapped_column(default=False)
    regraded_at: Mapped[datetime | None]
    answers_revision: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    quiz: Mapped[Quiz] = relationship(lazy="joined")
    responses: Mapped[list[Response]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Response.question_id"
    )

    __table_args__ = (
        UniqueConstraint("employee_id", "quiz_id", "number"),
        Index(
            "uq_attempts_one_in_progress",
            "employee_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("state = 'in_progress'"),
            postgresql_where=text("state = 'in_progress'"),
        ),
    )


class ResponseState(StrEnum):
    """How a scored response fared (``scoring.QuestionScore.state``)."""

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    #: an answered essay waiting for a reviewer
    NEEDS_REVIEW = "needs_review"
    #: a description: nothing to score
    NOT_SCORED = "not_scored"


class Response(db.Model):
    """A learner's answer to one question of an attempt, and its exact score once submitted."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    fraction_exact: Mapped[str | None] = mapped_column(String(80))
    points: Mapped[Decimal | None] = mapped_column(Numeric(14, 7))
    state: Mapped[ResponseState | None] = mapped_column(
        enum_column(ResponseState, name="state", length=20)
    )
    feedback: Mapped[list | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    # an essay scored by a reviewer keeps that score through regrades
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    reviewed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)


class QuizTimeAdjustment(db.Model):
    """Extra time on timed quizzes for one employee, an accessibility adjustment (WCAG 2.2.1:
    a time limit can be adjusted). ``extra_percent``: added to every time limit (100 doubles
    it); ``no_time_limit``: the employee's attempts have no deadline at all. ``reason``: HR's
    note of why (often health data: kept here, read by HR only, never put in the audit log)."""

    __tablename__ = "quiz_time_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), unique=True)
    extra_percent: Mapped[int] = mapped_column(default=0)
    no_time_limit: Mapped[bool] = mapped_column(default=False)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
