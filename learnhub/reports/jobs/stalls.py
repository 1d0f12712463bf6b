"""Stalled export jobs (tester report item 2): a worker killed mid-export (``kill -9``) leaves
its job "running" with no progress, and Redis gives the task back only after the visibility
timeout (an hour). What a job has instead:

- **A heartbeat** (``heartbeat_at``): set when the job is queued again, claimed, and at each
  progress tick (every 5,000 rows on PostgreSQL). No sign of life for
  ``LEARNHUB_EXPORT_JOB_STALL_SECONDS`` (default 300) and a queued or running job is
  **stalled**: its page says so and offers Retry and Cancel to its requester and HR.
- **Retry** (:func:`retry_job`): the same job id is queued again (``retries`` + 1); the run
  that picks it up starts from zero, counts the estimate again and writes a new file. The
  stalled run's ``.part`` file is deleted once the retry commits, and a run that claims the job
  deletes any other run's (a redelivered task taking over), so a killed worker's partial file
  does not wait for the beat sweep. Idempotent:
  a job already queued again and not stalled is left as it is, and a task message queued
  before the last Retry is dropped when it arrives. A run still alive somewhere finds the job
  no longer its own at its next tick, stops and deletes its ``.part`` file.
- **Cancel** (:func:`cancel_job`): the job becomes ``failed`` with "Cancelled by …"; a run
  still going stops at its next tick; its ``.part`` file is deleted after the commit.
  Cancelling twice changes nothing.
- **The beat sweep** (:func:`sweep_stalled`, with the expired-file deletion, every
  ``LEARNHUB_EXPORT_JOB_STALL_SECONDS``): a stalled *running* job is **queued again** while it
  has been started fewer than ``LEARNHUB_EXPORT_JOB_MAX_ATTEMPTS`` times (default 3; a worker
  crash is usually passing), else **marked failed** with a message saying so (an export that
  kills its worker each time must not loop). Then ``.part`` files older than the stall time
  whose run is not a live one are deleted (a killed run never cleans up after itself). A stalled
  *queued* job is left to its page's Retry and Cancel: it may only be waiting behind other
  exports, and queueing it again would put it at the back of the queue.

Progress never shows more than the estimate: a tick past it raises the estimate (the
organisation grew since the COUNT), and the model caps the share at 1.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from learnhub.core.audit import audit
from learnhub.core.errors import Conflict
from learnhub.core.models import utcnow
from learnhub.core.transactions import after_commit, queue_after_commit, unit_of_work
from learnhub.extensions import db
from learnhub.reports.formats import STREAM_PREFIX
from learnhub.reports.jobs.models import ExportJob, JobStatus
from learnhub.reports.jobs.services import discard_parts, export_dir

logger = logging.getLogger(__name__)


def stall_seconds() -> int:
    """Seconds without a sign of life after which a job is stalled
    (``LEARNHUB_EXPORT_JOB_STALL_SECONDS``, default 300)."""
    return int(current_app.config.get("LEARNHUB_EXPORT_JOB_STALL_SECONDS", 300))


def max_attempts() -> int:
    """Runs the sweep allows a job before it marks it failed
    (``LEARNHUB_EXPORT_JOB_MAX_ATTEMPTS``, default 3)."""
    return int(current_app.config.get("LEARNHUB_EXPORT_JOB_MAX_ATTEMPTS", 3))


def is_stalled(job: ExportJob, now: datetime | None = None) -> bool:
    """Whether ``job`` is queued or running with no sign of life for the stall time."""
    return job.stalled(now or utcnow(), stall_seconds())


def may_retry(job: ExportJob, now: datetime | None = None) -> bool:
    """Retry is offered for a stalled job and a failed (or cancelled) one."""
    return job.status == JobStatus.FAILED or is_stalled(job, now)


def may_cancel(job: ExportJob) -> bool:
    """Cancel is offered while the job is queued or running (stalled or not)."""
    return job.status in (JobStatus.QUEUED, JobStatus.RUNNING)


def who(user: object) -> str:
    """How the audit and a cancelled job's message name ``user``: a person's full name, else
    "an API token"."""
    employee = getattr(user, "employee", None)
    return employee.full_name if employee is not None else "an API token"


def _drop_part_after_commit(job: ExportJob) -> None:
    """Once the job is no longer its current run's (committed), delete that run's ``.part``
    file: a stalled run's is a killed worker's leftover, and a cancelled run stops anyway."""
    job_id, token = job.id, job.run_token
    if token:
        after_commit(lambda: discard_parts(job_id, only=token))


def _queue_again(job: ExportJob, now: datetime) -> None:
    from learnhub.reports.jobs.tasks import run_export

    _drop_part_after_commit(job)
    job.retries += 1
    job.status = JobStatus.QUEUED
    job.run_token = None  # a run still alive stops at its next tick
    job.rows_done = 0
    job.error = None
    job.cancelled_at = None
    job.finished_at = None
    job.heartbeat_at = now
    queue_after_commit(run_export, job_id=job.id, retry=job.retries)


def retry_job(job: ExportJob, by: str) -> bool:
    """Queue ``job`` again (same id), audited ``export_job_retried``; ``by`` says who (for the
    audit). True when queued; False when it was already queued again and is not stalled (a
    second click). Conflict (409) for a done job, or one running with signs of life.
    Flushes; the caller commits (the task is queued after the commit)."""
    now = utcnow()
    if job.status == JobStatus.DONE:
        raise Conflict(f"Export job {job.id} is done: there is nothing to retry.")
    if job.status == JobStatus.QUEUED and not job.stalled(now, stall_seconds()):
        return False
    if not may_retry(job, now):
        raise Conflict(
            f"Export job {job.id} is running and writing rows: it can be retried only when "
            "it has stalled."
        )
    _queue_again(job, now)
    audit("export_job_retried", target=f"export-job:{job.id}", by=by, retries=job.retries)
    db.session.flush()
    return True


def cancel_job(job: ExportJob, by: str) -> bool:
    """Cancel a queued or running job (its status becomes failed, ``error`` names ``by``),
    audited ``export_job_cancelled``. True when cancelled; False when it already was (or had
    failed). Conflict (409) for a done job. Flushes; the caller commits."""
    if job.status == JobStatus.DONE:
        raise Conflict(
            f"Export job {job.id} had already finished, so it was not cancelled: download "
            "the file, or let it expire."
        )
    if job.status == JobStatus.FAILED:
        return False
    now = utcnow()
    _drop_part_after_commit(job)
    job.status = JobStatus.FAILED
    job.run_token = None
    job.cancelled_at = job.finished_at = now
    job.error = f"Cancelled by {by}."
    audit("export_job_cancelled", target=f"export-job:{job.id}", rows_done=job.rows_done)
    db.session.flush()
    return True


def _give_up(job: ExportJob, now: datetime) -> None:
    minutes = max(1, stall_seconds() // 60)
    job.status = JobStatus.FAILED
    job.run_token = None
    job.finished_at = now
    job.error = (
        f"The worker stopped (no progress for {minutes} minutes) in each of "
        f"{job.attempts} attempts, so the export was given up. Retry it, or export less "
        "(a course or an org unit)."
    )
    audit("export_job_given_up", target=f"export-job:{job.id}", attempts=job.attempts)


def sweep_stalled(now: datetime | None = None) -> dict[str, int]:
    """Queue again or fail every stalled running job (module docstring), then delete orphaned
    ``.part`` files older than the stall time. Returns the counts ``requeued``, ``failed``,
    ``parts_deleted``. Commits (a task's step)."""
    now = now or utcnow()
    seconds = stall_seconds()
    counts = {"requeued": 0, "failed": 0, "parts_deleted": 0}
    with unit_of_work():
        waiting = db.session.scalars(
            select(ExportJob)
            .where(ExportJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
            .with_for_update(skip_locked=True)
        ).all()
        for job in waiting:
            if job.status != JobStatus.RUNNING or not job.stalled(now, seconds):
                continue  # a queued job may only wait behind others: its page offers Retry
            if job.attempts < max_attempts():
                _queue_again(job, now)
                audit("export_job_retried", target=f"export-job:{job.id}", by="sweep")
                counts["requeued"] += 1
            else:
                _give_up(job, now)
                counts["failed"] += 1
    counts["parts_deleted"] = delete_orphaned_parts(now)
    if any(counts.values()):
        logger.info("export job sweep: %s", counts)
    return counts


def delete_orphaned_parts(now: datetime | None = None) -> int:
    """Delete the ``.part`` files (``<job id>-<run token>.<format>.part``) not written for the
    stall time and not of a live run (the job running under that token, not stalled), and the
    files of streamed XLSX downloads (``stream-…``, :func:`learnhub.reports.formats.stream_part`)
    not written for the stall time (their process died: a live download deletes its own, and
    reads on from its open handle if this comes first); how many. A file whose name is neither
    is left alone."""
    now = now or utcnow()
    seconds = stall_seconds()
    deleted = 0
    for part in export_dir().glob("*.part"):
        job_id, _, rest = part.name.partition("-")
        token = rest.split(".", 1)[0]
        stream = part.name.startswith(STREAM_PREFIX)
        if not stream and (not job_id.isdigit() or not token):
            continue
        try:
            written = part.stat().st_mtime
        except FileNotFoundError:
            continue  # its run just finished or cleaned up
        if now.timestamp() - written < seconds:
            continue
        if stream:
            part.unlink(missing_ok=True)
            deleted += 1
            continue
        job = db.session.get(ExportJob, int(job_id))
        live = (
            job is not None
            and job.run_token == token
            and job.status == JobStatus.RUNNING
            and not job.stalled(now, seconds)
        )
        if not live:
            part.unlink(missing_ok=True)
            deleted += 1
    db.session.rollback()  # reads only
    return deleted
