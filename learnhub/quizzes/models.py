"""Quizzes (versioned), their questions, attempts and responses.

A changed quiz gets a new version; every attempt stays pinned to the version it was taken on.
Exact scores are kept as ``"numerator/denominator"`` strings (``Fraction``) so a pass decision
never depends on a rounded display value (issue 4: 89.66% against a 90% pass mark fails).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.models import utcnow
from learnhub.extensions import db

GRADING_METHODS = ("highest", "last", "first", "average")
REVIEW_POLICIES = ("after_pass_or_last_attempt", "after_submit", "never")


class Quiz(db.Model):
    """One version of a module's quiz with its settings.

    ``pass_mark``: percent of the maximum points (Decimal, e.g. 80); ``max_attempts``: 0 means
    unlimited; ``time_limit_seconds``: None means no limit.
    """

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    version: Mapped[int]
    is_current: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    max_attempts: Mapped[int] = mapped_column(default=0)
    grading_method: Mapped[str] = mapped_column(String(20), default="highest")
    review_policy: Mapped[str] = mapped_column(String(40), default="after_pass_or_last_attempt")
    time_limit_seconds: Mapped[int | None]
    shuffle_answers: Mapped[bool] = mapped_column(default=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("module_id", "version"),)


class Question(db.Model):
    """A question of one quiz version. ``spec`` is the full question-spec dict, answer key
    included (see ``learnhub.quizzes.scoring``); it never leaves the server before review."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    position: Mapped[int]
    qtype: Mapped[str] = mapped_column(String(30))
    name: Mapped[str | None] = mapped_column(String(255))
    points: Mapped[Decimal] = mapped_column(Numeric(10, 5), default=Decimal(1))
    spec: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("quiz_id", "position"),)


class Attempt(db.Model):
    """An employee's attempt at one quiz version.

    ``state``: ``in_progress`` or ``submitted``; at most one in progress per employee and quiz,
    enforced by a partial unique index (issue 4). ``score_exact`` is raw/max as a Fraction
    string; ``raw_points``/``max_points`` are exact decimals for display and SQL.
    """

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default="in_progress")
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
    state: Mapped[str | None] = mapped_column(String(20))
    feedback: Mapped[list | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)
