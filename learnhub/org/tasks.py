"""Celery tasks of the organisation: thin wrappers (ids in, the services do the work).

``acks_late``: a worker that dies while planning gives the task back to the broker; the next
delivery plans again (nothing was recorded: the planning's transaction never committed), and a
delivery of a planning already recorded, or of an older attempt, does nothing
(:func:`learnhub.org.import_jobs.run_planning`).
"""

from __future__ import annotations

from celery import shared_task

from learnhub.org.import_apply_jobs import run_applying
from learnhub.org.import_jobs import run_planning


@shared_task(name="org.plan_hr_import", acks_late=True)
def plan_hr_import(run_id: int, attempt: int) -> str:
    """Plan (and, for an API import, apply) HR import run ``run_id`` queued at ``attempt``;
    returns the run's status, or "dropped" for a message that is not its current planning."""
    return run_planning(run_id, attempt)


@shared_task(name="org.apply_hr_import", acks_late=True)
def apply_hr_import(run_id: int, attempt: int) -> str:
    """Apply the confirmed preview of HR import run ``run_id`` (a large file) for ``attempt``:
    "applied", "superseded", "refused" or "dropped"
    (:func:`learnhub.org.import_apply_jobs.run_applying`)."""
    return run_applying(run_id, attempt)
