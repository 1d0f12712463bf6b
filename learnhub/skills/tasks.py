"""Celery tasks of skills, and the hook that wakes a worker after a commit.

Tasks take ids (JSON), never ORM objects. The work to do is the ``recompute_requests`` table
(:mod:`learnhub.skills.recompute` describes the record, the lock and why nothing is lost); a
message only says "look at the table", so a lost, redelivered or duplicated one does no harm.

Coalescing: after a commit that recorded requests, :func:`schedule_recompute` queues one
``skills.compute_team_summaries`` unless one is already queued (a Redis flag with a TTL, cleared
when the task starts), and the task drains every pending row; a busy team queues one task, not
thousands. Beat sweeps the table every minute and a starting worker drains it
(``workers/__init__.py``), so a wake-up lost with Redis costs at most a minute. Without a
broker the task runs eagerly, right after the commit, in a fresh app context.
"""

from __future__ import annotations

import logging

import redis
from celery import shared_task
from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError

from learnhub.core.broker import redis_client
from learnhub.extensions import db
from learnhub.org.signals import job_codes_planned, people_changed
from learnhub.skills.models import ProfileJobCode
from learnhub.skills.recompute import BATCH, drain_once
from learnhub.skills.services import PENDING_KEY, add_recompute_requests, request_recompute

logger = logging.getLogger(__name__)

#: set while a wake-up is queued; expires so that a lost message cannot mute wake-ups for long
FLAG_SCHEDULED = "learnhub:recompute:scheduled"
WAKE_TTL = 60  # seconds
#: database errors worth another try: deadlock, serialization failure, lock timeout, a dropped
#: connection (all OperationalError), and a duplicate key from two first inserts of one summary
#: written outside the summaries lock (the retry finds the row and updates it)
TRANSIENT = (OperationalError, IntegrityError)


@shared_task(
    name="skills.compute_team_summaries",
    autoretry_for=TRANSIENT,
    retry_backoff=1,  # 1, 2, 4 … seconds
    retry_backoff_max=60,
    retry_jitter=True,  # a random share of each delay: two retried tasks do not collide again
    max_retries=10,
)
def compute_team_summaries(
    employee_ids: list[int] | None = None,
    manager_ids: list[int] | None = None,
    everyone: bool = False,
) -> dict[str, int]:
    """Recompute the team summaries every pending recompute request asks for; first record one
    for the managers above ``employee_ids``, of ``manager_ids``, or of everyone with
    ``everyone`` (the nightly run, ``flask skills recompute``). Idempotent; commits once per
    round of up to BATCH requests (:func:`learnhub.skills.recompute.drain_once`), retried with
    backoff on transient database errors (a retry may record its arguments twice: harmless,
    requests coalesce). Returns ``{"managers": n, "frameworks": n, "requests": n}``."""
    if employee_ids or manager_ids or everyone:
        add_recompute_requests(set(employee_ids or ()), set(manager_ids or ()), everyone=everyone)
        db.session.commit()  # recorded before any work: from here on a crash loses nothing
    _clear_wake_flag()  # a commit from now on queues a new task
    totals = {"managers": 0, "frameworks": 0, "requests": 0}
    while True:
        drained = drain_once()
        db.session.commit()
        if drained is None:
            break
        totals["managers"] += drained.managers
        totals["frameworks"] = drained.frameworks
        totals["requests"] += drained.requests
        if drained.full or drained.requests < BATCH:
            break  # anything committed since was woken up by its own commit
    return totals


def _clear_wake_flag() -> None:
    client = redis_client()
    if client is None:
        return
    try:
        client.delete(FLAG_SCHEDULED)
    except redis.RedisError:
        logger.warning("could not clear the recompute wake-up flag (it expires by itself)")


def schedule_recompute(employee_ids: set[int], manager_ids: set[int]) -> None:
    """Wake a worker after a commit that recorded recompute requests (the ids are informative:
    the rows are the record). With a broker, queue a task unless one is already queued; without
    one, run it now. Raises ``redis.RedisError`` or kombu's errors when Redis is down."""
    client = redis_client()
    if client is not None and not client.set(FLAG_SCHEDULED, "1", nx=True, ex=WAKE_TTL):
        return  # a queued task will find these rows
    # through this Flask app's own Celery (its broker, or eager), whatever app is "current"
    current_app.extensions["celery"].tasks[compute_team_summaries.name].delay()


@event.listens_for(db.session, "after_commit")
def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT was released; the real commit is later
        return
    pending = session.info.pop(PENDING_KEY, None)
    if pending is None:
        return
    try:
        schedule_recompute(pending["employees"], pending["managers"])
    except Exception:
        # The change and its recompute requests are committed: the next wake-up or the beat
        # sweep drains them. Only a failing in-process (eager) run is worth failing a test.
        logger.warning(
            "could not wake a worker for %d team-summary requests; they wait for the sweep",
            len(pending["employees"]) + len(pending["managers"]),
            exc_info=True,
        )
        if current_app.config.get("TESTING") and not current_app.config.get("LEARNHUB_REDIS_URL"):
            raise


@event.listens_for(db.session, "after_rollback")
def _after_rollback(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(PENDING_KEY, None)


@people_changed.connect
def _on_people_changed(_sender: object, employee_ids: list[int], manager_ids: list[int]) -> None:
    # New managers are found from the employees after commit; old ones come from the sender.
    request_recompute(employee_ids, manager_ids)


@job_codes_planned.connect
def _on_job_codes_planned(_sender: object, codes: set[str]) -> list[str]:
    """Warn about job codes no target profile names: their people would get no skill targets
    (and silently vanish from every skill-gap summary)."""
    if not codes:
        return []
    known = set(
        db.session.scalars(
            select(ProfileJobCode.job_code).where(ProfileJobCode.job_code.in_(codes))
        )
    )
    return [
        f"job code {code} has no target profile (content/roles/): its people get no skill targets"
        for code in sorted(codes - known)
    ]
