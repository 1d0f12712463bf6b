"""Celery tasks of export jobs: thin wrappers (ids in, the services do the work).

``acks_late``: a worker that dies mid-export gives the task back to the broker, and the next
run takes the job over (learnhub.reports.jobs.services.run_job is idempotent by job id).
"""

from __future__ import annotations

from celery import shared_task

from learnhub.reports.jobs.services import delete_expired, run_job
from learnhub.reports.jobs.stalls import sweep_stalled


@shared_task(name="reports.run_export", acks_late=True)
def run_export(job_id: int, retry: int | None = None) -> str:
    """Write export job ``job_id``'s file (:func:`run_job`; ``retry``: the job's retries when
    queued, None in messages queued before it existed); returns the job's status."""
    return run_job(job_id, retry)


@shared_task(name="reports.delete_expired_exports", acks_late=True)
def delete_expired_exports() -> int:
    """Delete the files of expired export jobs (:func:`delete_expired`), then deal with
    stalled jobs and orphaned ``.part`` files (:func:`sweep_stalled`); how many files
    expired."""
    expired = delete_expired()
    sweep_stalled()
    return expired
