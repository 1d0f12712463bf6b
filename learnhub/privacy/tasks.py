"""Celery tasks of privacy, thin wrappers in one transaction each
(:class:`learnhub.core.tasks.FlaskTask`):

- ``privacy.erase_expired``: the daily retention run (``workers/__init__.py`` schedules it);
  idempotent: a person erased once is never due again;
- ``privacy.subject_access_export``: produce one subject access export; idempotent by request
  id (:func:`learnhub.privacy.subject_access.produce`);
- ``privacy.purge_subject_access_exports``: daily, delete the exports past their expiry.
"""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from learnhub.privacy import subject_access
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


@shared_task(
    name="privacy.subject_access_export",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def subject_access_export(request_id: int) -> str:
    """Produce the ZIP of subject access request ``request_id``; returns its status."""
    return subject_access.produce(request_id).status.value


@shared_task(name="privacy.purge_subject_access_exports")
def purge_subject_access_exports() -> int:
    """Delete the subject access exports past their expiry; returns how many."""
    return subject_access.purge_expired()
