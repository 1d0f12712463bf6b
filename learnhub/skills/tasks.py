"""Celery tasks of skills, and the hook that wakes a worker after a commit.

Tasks take ids (JSON), never ORM objects. The work to do is the ``recompute_requests`` table
(:mod:`learnhub.skills.recompute` describes the record, the lock and why nothing is lost); a
message only says "look at the table", so a lost, redelivered or duplicated one does no harm.

Coalescing: after a commit that recorded requests, :func:`wake_worker` queues one
``skills.compute_team_summaries`` unless one is already queued (a Redis flag with a TTL, cleared
when the task starts), and the task drains every pending row; a busy team queues one task, not
thousands. Beat sweeps the table every minute (``workers/__init__.py``), so a wake-up lost with
Redis costs at most a minute once workers and beat run. Without a
broker the task runs eagerly, right after the commit, in a fresh app context.
"""

from __future__ import annotations

import logging

import redis
from celery import shared_task
from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError

from learnhub.core.broker import redis_client
from learnhub.core.transactions import unit_of_work
from learnhub.skills.recompute import BATCH, drain_once
from learnhub.skills.services import add_recompute_requests
from learnhub.skills.trends import snapshot_team_summaries

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
    # The task's commit points, on purpose more than the one commit of every task
    # (learnhub.core.transactions; FlaskTask's own commit at the end then finds nothing left):
    # the arguments are recorded before any work, and each round commits its summaries together
    # with the deletion of the requests it covered. A worker killed in a round rolls back that
    # round only: its rows are pending again, the rounds before stay done.
    if employee_ids or manager_ids or everyone:
        with unit_of_work():  # from here on a crash loses nothing
            add_recompute_requests(
                set(employee_ids or ()), set(manager_ids or ()), everyone=everyone
            )
    _clear_wake_flag()  # a commit from now on queues a new task
    totals = {"managers": 0, "frameworks": 0, "requests": 0}
    while True:
        with unit_of_work():  # one round: claimed rows gone with the summaries they asked for
            drained = drain_once()
        if drained is None:
            break
        totals["managers"] += drained.managers
        totals["frameworks"] = drained.frameworks
        totals["requests"] += drained.requests
        if drained.full or drained.requests < BATCH:
            break  # anything committed since was woken up by its own commit
    return totals


@shared_task(
    name="skills.snapshot_team_summaries",
    autoretry_for=TRANSIENT,
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=10,
)
def snapshot_summaries() -> int:
    """Today's trend snapshot of every team summary, and the pruning of snapshots past the
    retention (:func:`learnhub.skills.trends.snapshot_team_summaries`; daily by beat). An
    upsert per (manager, framework, day): a rerun or a redelivery the same day replaces that
    day's rows. Returns how many rows were written."""
    return snapshot_team_summaries()


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


def wake_worker(employee_ids: set[int], manager_ids: set[int]) -> None:
    """After the commit of a transaction that recorded recompute requests (the
    :class:`learnhub.skills.services.RecomputeWakeUp` that
    :func:`learnhub.core.transactions.after_commit` runs): :func:`schedule_recompute`.

    With a broker a failed wake-up (Redis down) is logged and never raised: the change and its
    requests are committed, and the next wake-up or the beat sweep drains them. Without one the
    drain ran in-process and its error is raised (after_commit logs it; TESTING raises it)."""
    try:
        schedule_recompute(employee_ids, manager_ids)
    except Exception:
        if redis_client() is None:
            raise
        logger.warning(
            "could not wake a worker for %d team-summary requests; they wait for the sweep",
            len(employee_ids) + len(manager_ids),
            exc_info=True,
        )
