"""Question banks, their categories, and questions (a bank's, or one quiz version's own).

``Question`` lives here, below quizzes, because the bank's imports create questions and this
package may not import quizzes; a quiz's own questions point to their quiz by the ``quizzes``
table name only (see the package docstring). Table names are those of the first migration.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db


class QuestionBank(db.Model):
    """A named question bank (what L&D teams keep in Moodle), filled by GIFT or Moodle XML
    imports; quizzes draw questions from its categories."""

    __tablename__ = "question_banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    categories: Mapped[list[QuestionCategory]] = relationship(
        order_by="QuestionCategory.path", lazy="selectin", back_populates="bank"
    )


class QuestionCategory(db.Model):
    """A category of a bank. ``path``: "Security/Phishing" ("" is the bank's top), as GIFT's
    ``$CATEGORY:`` or Moodle's category path reads without context and ``top``."""

    __tablename__ = "question_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id"))
    path: Mapped[str] = mapped_column(String(500), default="")

    bank: Mapped[QuestionBank] = relationship(back_populates="categories")

    __table_args__ = (UniqueConstraint("bank_id", "path"),)


class QuestionType(StrEnum):
    """A question's type: the ``"type"`` of the question-spec contract (learnhub.quizzes.scoring
    scores each; GIFT and Moodle XML imports produce them)."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    NUMERIC = "numeric"
    MATCHING = "matching"
    ESSAY = "essay"
    #: text between questions: shown, never scored
    DESCRIPTION = "description"


#: the types whose learners pick among options
CHOICE_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE)


class Question(db.Model):
    """A question of one quiz version, or of a question-bank category. ``spec`` is the full
    question-spec dict, answer key included (see ``learnhub.quizzes.scoring``); it never leaves
    the server before review. A bank question that a re-import replaces is retired, never
    changed, so the attempts that drew it keep what they were shown."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("question_banks.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id"))
    position: Mapped[int]
    qtype: Mapped[QuestionType] = mapped_column(enum_column(QuestionType, name="qtype", length=30))
    name: Mapped[str | None] = mapped_column(String(255))
    idnumber: Mapped[str | None] = mapped_column(String(100))
    points: Mapped[Decimal] = mapped_column(Numeric(10, 5), default=Decimal(1))
    spec: Mapped[dict] = mapped_column(JSON)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("quiz_id", "position"),
        CheckConstraint("(quiz_id IS NULL) <> (bank_id IS NULL)", name="quiz_or_bank"),
    )


class StagedImport(db.Model):
    """A question-bank file uploaded on the import page and kept until it is confirmed, so
    that the confirmation applies exactly the bytes whose dry run was shown (``sha256`` is
    checked again before applying). ``owner``: the uploader's account id (nobody else sees
    it); ``fmt``: "gift" | "moodle_xml" as chosen or detected; ``applied_at`` and ``report``
    (the import report's dict) once confirmed, when ``data`` is emptied. Rows older than
    :data:`learnhub.questionbank.staging.KEEP_HOURS` are deleted at the next upload."""

    __tablename__ = "staged_bank_imports"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    bank: Mapped[str] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(255))
    fmt: Mapped[str] = mapped_column(String(20))
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    applied_at: Mapped[datetime | None]
    report: Mapped[dict | None] = mapped_column(JSON)
