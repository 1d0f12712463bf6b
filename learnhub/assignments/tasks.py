"""Celery tasks of assignments: the hourly reminders run and the weekly manager digest.

Thin wrappers (``workers/__init__.py`` schedules them): each runs in one transaction
(:class:`learnhub.core.tasks.FlaskTask`), so its ``sent_reminders``/``sent_digests`` rows and
its outbox emails commit together, and the emails go after that commit. Both are idempotent
(keyed rows, :mod:`learnhub.assignments.reminders`): a task run twice, by two beat processes or
redelivered after a worker died (acks_late), sends nothing the second time. A transient
database error (a deadlock, a dropped connection) rolls the run back and retries it.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from sqlalchemy.exc import OperationalError

from learnhub.assignments.digest import send_digests
from learnhub.assignments.reminders import send_reminders

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="assignments.send_reminders", **RETRY)
def send_reminders_task(now: str | None = None) -> dict[str, int]:
    """Queue every reminder due now (``now``: an ISO 8601 instant with its offset, for a
    replay; default the current time). Returns the number sent by kind."""
    run = send_reminders(datetime.fromisoformat(now) if now else None)
    return dict(run.sent)


@shared_task(name="assignments.send_digests", **RETRY)
def send_digests_task(now: str | None = None) -> int:
    """Queue this ISO week's manager digests not yet sent; returns how many."""
    return send_digests(datetime.fromisoformat(now) if now else None).managers
