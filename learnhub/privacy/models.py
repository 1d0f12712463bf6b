"""Subject access requests (GDPR articles 15 and 20): one row per export HR asked for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db


class RequestStatus(StrEnum):
    """Where a subject access export stands."""

    #: asked for; the job has not produced the file yet
    QUEUED = "queued"
    #: the ZIP is on disk (``file_name``, ``sha256``) until ``expires_at``
    READY = "ready"
    #: the job failed (``error`` says why); asking again makes a new request
    FAILED = "failed"
    #: past ``expires_at``: the file was deleted (the row stays as the record of the request)
    EXPIRED = "expired"


class SubjectAccessRequest(db.Model):
    """HR's request for everything LearnHub holds about one person
    (:mod:`learnhub.privacy.subject_access`).

    ``requested_by_id``: the employee id of the HR person (None from the CLI or an API token,
    ``requested_by_token_id`` then); kept without a foreign key, like the audit log's actor, so
    the record outlives an erasure of the requester. ``file_name``: under
    ``<instance>/subject-access/``; ``sha256``: hex digest of the ZIP; ``size_bytes``: its size.
    """

    __tablename__ = "subject_access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    requested_by_id: Mapped[int | None]
    requested_by_token_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, name="status", length=20), default=RequestStatus.QUEUED
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    produced_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    file_name: Mapped[str | None] = mapped_column(String(120))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    downloads: Mapped[int] = mapped_column(default=0)
    last_downloaded_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_subject_access_requests_status", "status", "expires_at"),)
