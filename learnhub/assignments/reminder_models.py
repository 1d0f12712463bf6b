"""The record of reminders and manager digests sent, which is also what makes each one go once.

A reminder is keyed by (requirement, kind, days, effective due instant) and a digest by
(manager, ISO week): the runs insert these rows with ``INSERT … SELECT … ON CONFLICT DO
NOTHING`` in the same transaction as the outbox emails, and build emails only for the rows
their own insert added (``run_id``), so two beat processes or a retried task never send one
twice (issue 10). Rows of a requirement go with it (``ON DELETE CASCADE`` on PostgreSQL, the
delete hook of :mod:`learnhub.assignments.materialise` on SQLite).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db


class ReminderKind(StrEnum):
    """Which reminder of a requirement an email was."""

    #: ``days`` days before the due date (LEARNHUB_REMINDER_DAYS_BEFORE)
    BEFORE = "before"
    #: on the due day, in the person's time zone
    DUE_TODAY = "due_today"
    #: the due date passed (or the completion expired) without a completion
    OVERDUE = "overdue"
    #: to the person's direct manager, ``days`` days after the due date
    #: (LEARNHUB_REMINDER_MANAGER_AFTER_DAYS)
    MANAGER = "manager"


class SentReminder(db.Model):
    """One reminder email queued in the outbox: of which requirement, which kind, for which
    effective due instant (``due_at``, UTC: the expiry for a renewal), to whom
    (``recipient_id``: the person, or their manager for ``manager``) and when."""

    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id", ondelete="CASCADE"))
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, name="kind", length=20))
    #: days before the due date (``before``) or after it (``manager``); 0 for the others
    days: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    #: the run that inserted the row: only that run builds its email
    run_id: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("requirement_id", "kind", "days", "due_at"),
        Index("ix_sent_reminders_recipient_id", "recipient_id", "sent_at"),
        Index("ix_sent_reminders_run_id", "run_id"),
    )


class SentDigest(db.Model):
    """One weekly digest email to a manager: the ISO week it belongs to (``week_of``, its
    Monday), how many people and requirements it counted, when it was queued."""

    __tablename__ = "sent_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    week_of: Mapped[date]
    people: Mapped[int]
    items: Mapped[int]
    run_id: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("manager_id", "week_of"),
        Index("ix_sent_digests_run_id", "run_id"),
    )
