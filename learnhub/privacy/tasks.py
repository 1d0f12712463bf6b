"""Celery task of privacy: the daily retention run (``workers/__init__.py`` schedules it).
One transaction (:class:`learnhub.core.tasks.FlaskTask`); idempotent: a person erased once is
never due again, so a second run or a redelivery erases nobody twice."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from learnhub.privacy.erasure import erase_expired


@shared_task(
    name="privacy.erase_expired",
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def erase_expired_task() -> int:
    """Erase leavers whose retention period has ended; returns how many."""
    return len(erase_expired())
