"""The ``export_jobs`` table: one row per export written by a worker (issue 13)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db


class JobStatus(StrEnum):
    """Where a job is: queued (waiting for a worker), running (rows being written), done (the
    file is there until ``expires_at``), failed (``error`` says why; no file)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(db.Model):
    """An export job. ``report`` and ``format`` name what is written
    (:mod:`learnhub.reports.jobs.catalogue`); ``filters`` is the request as JSON (course slug,
    org unit code, statuses, days as ISO text…), resolved again by the worker;
    ``manager_scope_id``: the manager whose subtree it is limited to (None: the whole
    organisation, HR's). ``rows_done`` / ``rows_estimated``: progress (the estimate is a COUNT
    taken when the job was asked for). ``file_name``: the stored file's name in the export
    folder (``LEARNHUB_EXPORT_DIR``); ``size_bytes`` and ``sha256`` (hex) describe it.
    ``run_token``: the run that owns the job (a redelivered task takes it over; an older run's
    result is dropped). ``file_deleted_at``: when the expired file was deleted.
    ``attempts``: runs started (a claim by a worker); ``retries``: times it was queued again
    (Retry, or the sweep after a stall), a task message queued before the last one is dropped;
    ``heartbeat_at``: the last sign of life (queued again, claimed, a progress tick): no sign
    for ``LEARNHUB_EXPORT_JOB_STALL_SECONDS`` and the job is stalled
    (learnhub.reports.jobs.stalls); ``cancelled_at``: when its requester or HR cancelled it
    (the status is then ``failed``, ``error`` says who)."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    # the API token that asked (integrations); no foreign key: a revoked token keeps its jobs
    requested_by_token_id: Mapped[int | None]
    report: Mapped[str] = mapped_column(
        enum_column(
            ("completions", "requirements", "competence_profiles", "team_gap_summaries"),
            name="report",
            length=40,
        )
    )
    format: Mapped[str] = mapped_column(
        enum_column(("csv", "xlsx", "jsonl"), name="format", length=10)
    )
    excel: Mapped[bool] = mapped_column(default=False)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    manager_scope_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, name="status", length=20), default=JobStatus.QUEUED
    )
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_estimated: Mapped[int | None]
    file_name: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    run_token: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    file_deleted_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    retries: Mapped[int] = mapped_column(default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_export_jobs_requested_by_created", "requested_by_id", "created_at"),
        Index("ix_export_jobs_status_expires", "status", "expires_at"),
    )

    def progress(self) -> float | None:
        """Rows written as a share of the estimate, in [0, 1] (1 when done; None: unknown)."""
        if self.status == JobStatus.DONE:
            return 1.0
        if not self.rows_estimated:
            return None
        return min(1.0, self.rows_done / self.rows_estimated)

    def last_sign(self) -> datetime:
        """The job's last sign of life: its heartbeat, else when it started or was asked for."""
        return self.heartbeat_at or self.started_at or self.created_at

    def stalled(self, now: datetime, seconds: int) -> bool:
        """Queued or running with no sign of life for ``seconds`` (a worker died, or none
        took it): the pages offer Retry and Cancel."""
        waiting = self.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        return waiting and self.last_sign() <= now - timedelta(seconds=seconds)

    def expired(self, now: datetime) -> bool:
        """Whether the file is past its expiry (or already deleted)."""
        return self.file_deleted_at is not None or (
            self.expires_at is not None and self.expires_at <= now
        )
