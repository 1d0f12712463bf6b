"""Celery tasks of quizzes. Thin: the logic is in services; tasks take ids, never objects."""

from __future__ import annotations

import logging

from celery import shared_task

from learnhub.extensions import db
from learnhub.quizzes.models import Attempt
from learnhub.quizzes.services import close_if_overdue
from learnhub.quizzes.timing import overdue_attempt_ids

logger = logging.getLogger(__name__)


@shared_task(name="quizzes.close_overdue_attempts")
def close_overdue_attempts(limit: int = 500) -> int:
    """Submit, with what was saved, every attempt past its deadline and grace (never
    a stuck attempt, even if the learner never comes back). Run every minute by beat; also
    done on access. Each attempt is closed in its own SAVEPOINT, so one failure does not hold
    back the rest (the task commits once); an attempt a learner submits meanwhile is scored
    once (conditional UPDATE). Returns how many attempts it closed."""
    closed = 0
    for attempt_id in overdue_attempt_ids(limit):
        try:
            with db.session.begin_nested():
                attempt = db.session.get(Attempt, attempt_id)
                done = attempt is not None and close_if_overdue(attempt)
            closed += done
        except Exception:
            logger.exception("could not close overdue attempt %s", attempt_id)
    if closed:
        logger.info("closed %d overdue attempt(s)", closed)
    return closed
