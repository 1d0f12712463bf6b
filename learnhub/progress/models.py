"""Enrolments, module progress and the xAPI statement log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db


class EnrolmentSource(StrEnum):
    """How an employee came to be enrolled: they enrolled themself, or were assigned it."""

    SELF = "self"
    ASSIGNMENT = "assignment"


class ProgressStatus(StrEnum):
    """Where an employee stands in a module."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    #: the learner tested out of it (passed the course's diagnostic quiz): not completed, but
    #: the course can complete without it (``learnhub.progress.test_out``)
    WAIVED = "waived"


class Enrolment(db.Model):
    """An employee enrolled in a course; ``completed_at`` is set when every module is done."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    source: Mapped[EnrolmentSource] = mapped_column(
        enum_column(EnrolmentSource, name="source", length=40), default=EnrolmentSource.SELF
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("employee_id", "course_id"),)


class ModuleProgress(db.Model):
    """Where an employee stands in one module, kept up to date at every submitted attempt so
    that exports are one join, never a per-employee computation.

    ``grade_exact``: the quiz grade under its grading method as a Fraction string of the
    maximum (``"269/300"``); ``grade_points``/``max_points``: the same in points.
    """

    __tablename__ = "module_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    status: Mapped[ProgressStatus] = mapped_column(
        enum_column(ProgressStatus, name="status", length=20), default=ProgressStatus.NOT_STARTED
    )
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    grade_exact: Mapped[str | None] = mapped_column(String(80))
    grade_points: Mapped[Decimal | None] = mapped_column(Numeric(14, 7))
    max_points: Mapped[Decimal | None] = mapped_column(Numeric(14, 7))
    passed: Mapped[bool | None]
    #: when a passed diagnostic quiz waived the module (status ``waived``)
    waived_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("employee_id", "module_id"),
        Index("ix_module_progress_module", "module_id"),
    )


class XapiStatement(db.Model):
    """An xAPI 2.0 statement LearnHub issued (readable by xAPI 1.0.3 LRSs), kept as sent.

    ``ref``: what the statement is about, for corrections (``attempt:12:result``,
    ``attempt:12:question:55``, ``course:3:7:completed``; internal, never sent); ``voided_by``:
    the id of the voiding statement once a correction replaced it (the statement stays, as in
    an LRS). ``employee_id``: the learner the statement is about (a voiding statement's too).
    """

    __tablename__ = "xapi_statements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    verb: Mapped[str] = mapped_column(String(200))
    object_id: Mapped[str] = mapped_column(String(500))
    timestamp: Mapped[datetime]
    stored: Mapped[datetime] = mapped_column(default=utcnow)
    statement: Mapped[dict] = mapped_column(JSON)
    ref: Mapped[str | None] = mapped_column(String(160))
    voided_by: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        Index("ix_xapi_statements_ref", "ref"),
        Index("ix_xapi_statements_timestamp", "timestamp"),
    )


class XapiOutbox(db.Model):
    """A statement waiting to be sent to the configured LRS, written in the transaction that
    stored the statement and deleted only after the LRS accepted it (at least once: a resend
    carries the same statement id, which the LRS treats as the same statement).

    ``attempts``: failed sends so far; ``next_attempt_at``: not sent before (exponential
    backoff after each failure); ``last_error``: the last failure, for ``flask xapi status``."""

    __tablename__ = "xapi_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(ForeignKey("xapi_statements.id"), unique=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

    # the unit of work inserts the statement first only when it knows of this relationship
    statement: Mapped[XapiStatement] = relationship(lazy="raise")

    __table_args__ = (Index("ix_xapi_outbox_next_attempt_at", "next_attempt_at"),)
