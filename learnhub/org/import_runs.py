"""The history of HR imports: one ``hr_import_runs`` row per import run, whoever ran it.

Written by :mod:`learnhub.org.import_service`, the one place every import goes through (the
``/hr/imports`` pages, ``POST /api/v1/org/imports`` and ``flask org import``): an applied run
in the same transaction as the apply (so the history never claims an import that was rolled
back, nor misses one that committed); a dry run or a refused file after the import's
transaction was rolled back (the row is all that is kept of it).

A page import is one row through its life: ``dry_run`` while its preview waits for a
confirmation (``preview_token`` names the uploaded file kept in the instance folder,
:mod:`learnhub.org.import_staging`), then ``applied``, or ``expired`` (not confirmed in time),
or ``superseded`` (the organisation changed before the confirmation; a new preview replaces
it). ``invalid``: the file was refused with errors; nothing changed.

People are named by ids without foreign keys, like the audit log's: the history outlives the
erasure of a person (GDPR) as a pseudonymous record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.models import enum_column, utcnow
from learnhub.extensions import db
from learnhub.org.models import ImportMode


class RunChannel(StrEnum):
    """Where an import was started."""

    PAGE = "page"
    API = "api"
    CLI = "cli"


class RunStatus(StrEnum):
    """What became of an import run."""

    #: validated and reported, nothing changed (a page preview waits for its confirmation)
    DRY_RUN = "dry_run"
    #: applied and committed
    APPLIED = "applied"
    #: the file was refused (errors by row); nothing changed
    INVALID = "invalid"
    #: a page preview not confirmed before its time ran out (its file was deleted)
    EXPIRED = "expired"
    #: a page preview whose confirmation found the organisation changed (a new preview followed)
    SUPERSEDED = "superseded"
    #: a file over LEARNHUB_HR_IMPORT_JOB_ROWS rows waiting for (or being planned by) a worker
    #: (:mod:`learnhub.org.import_jobs`); then ``dry_run`` or ``invalid`` like any preview
    PLANNING = "planning"
    #: the worker's planning failed (``message`` says why); nothing changed
    FAILED = "failed"


#: errors kept in the run row of a refused file (``issues``)
ISSUES_KEPT = 100

#: the message of a cancelled preview (its run reads ``expired``: it can no longer be confirmed)
CANCELLED_MESSAGE = "Cancelled before the import: the uploaded file was deleted."


class HRImportRun(db.Model):
    """One HR import run: who (``employee_id``, else ``api_token_id``, else the command line:
    ``channel``), when, which file (name, SHA-256 of its bytes, size), how (profile, source,
    mode, encoding) and what it did or would do (counts of people and units, warnings and
    errors). ``options`` keeps what was asked (encoding as given, not as detected; the
    mass-leavers limit) so a confirmation plans exactly as the preview did. ``fingerprint``:
    the SHA-256 of what the preview planned (:func:`learnhub.org.import_preview.fingerprint`).
    ``audit_first_id``/``audit_last_id``/``audit_xid``: the audit events the apply wrote
    (PostgreSQL: those of its transaction id within the range; SQLite: the range)."""

    __tablename__ = "hr_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    channel: Mapped[RunChannel] = mapped_column(enum_column(RunChannel, name="channel", length=10))
    employee_id: Mapped[int | None]
    api_token_id: Mapped[int | None]
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    file_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    profile: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(60))
    mode: Mapped[ImportMode] = mapped_column(enum_column(ImportMode, name="mode", length=10))
    encoding: Mapped[str | None] = mapped_column(String(40))
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    dry_run: Mapped[bool] = mapped_column(default=True)
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus, name="status", length=12))
    rows: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    left: Mapped[int] = mapped_column(default=0)
    units_added: Mapped[int] = mapped_column(default=0)
    units_moved: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    #: the first error's text, for the history list (the preview keeps them all)
    message: Mapped[str | None] = mapped_column(String(500))
    #: a refused file's first ISSUES_KEPT errors, [[where, message]] (the preview file, which
    #: has them all, is deleted when its time runs out; an API job's poll and the run page
    #: read these)
    issues: Mapped[list | None] = mapped_column(JSON)

    @property
    def shown_status(self) -> str:
        """The status as the history says it: "cancelled" for a preview its person cancelled
        (stored as ``expired`` with the message CANCELLED_MESSAGE), else ``status``."""
        if self.status == RunStatus.EXPIRED and self.message == CANCELLED_MESSAGE:
            return "cancelled"
        return str(self.status)

    preview_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    audit_first_id: Mapped[int | None]
    audit_last_id: Mapped[int | None]
    audit_xid: Mapped[int | None] = mapped_column(BigInteger)
    #: a planning job (:mod:`learnhub.org.import_jobs`): times it was queued (a task message
    #: of an older attempt is dropped) and its last sign of life
    job_attempt: Mapped[int] = mapped_column(default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None]

    # the history page lists runs newest first
    __table_args__ = (Index("ix_hr_import_runs_started_at", "started_at", "id"),)

    @property
    def people_changed(self) -> int:
        return self.added + self.updated + self.left

    def __repr__(self) -> str:
        return f"<HRImportRun {self.id} {self.channel} {self.status} {self.file_name}>"
