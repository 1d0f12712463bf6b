"""Celery tasks of progress: forwarding xAPI statements to the LRS, and the hook that wakes a
worker after a commit queued some.

The work is the ``xapi_outbox`` table (:mod:`learnhub.progress.xapi.forwarding`); a message only
says "look at the table", so a lost, redelivered or duplicated one does no harm. After a commit
that queued statements, :func:`wake_forwarder` queues one ``progress.forward_xapi_statements``
unless one is queued already (a Redis flag with a TTL, cleared when the task starts); beat runs
the task every LEARNHUB_XAPI_SWEEP_SECONDS too, which sends what a lost wake-up left and what
waited for its backoff. Without a broker the task runs eagerly, right after the commit.
"""

from __future__ import annotations

import logging

import redis
from celery import shared_task
from flask import current_app

from learnhub.core.broker import redis_client
from learnhub.core.transactions import unit_of_work
from learnhub.progress.xapi.forwarding import BATCH, send_due

logger = logging.getLogger(__name__)

#: set while a wake-up is queued; expires so that a lost message cannot mute wake-ups for long
FLAG_SCHEDULED = "learnhub:xapi:scheduled"
WAKE_TTL = 60  # seconds
#: rounds one task makes at most (then the next wake-up or sweep goes on)
MAX_ROUNDS = 50


@shared_task(name="progress.forward_xapi_statements")
def forward_xapi_statements() -> dict[str, int]:
    """Send every due statement of the outbox to the LRS, a round of up to BATCH at a time,
    each round committed on its own (what the LRS accepted leaves the outbox with that commit).
    Stops at the first failed round (the LRS is down or refusing: the rows wait for their
    backoff). Returns ``{"sent": n, "failed": n, "rounds": n}``."""
    _clear_wake_flag()  # a commit from now on queues a new task
    totals = {"sent": 0, "failed": 0, "rounds": 0}
    for _ in range(MAX_ROUNDS):
        with unit_of_work():
            done = send_due()
        if done is None:
            break
        totals["rounds"] += 1
        totals["sent"] += done.sent
        totals["failed"] += done.failed
        if done.failed or done.sent < BATCH:
            break
    return totals


def _clear_wake_flag() -> None:
    client = redis_client()
    if client is None:
        return
    try:
        client.delete(FLAG_SCHEDULED)
    except redis.RedisError:
        logger.warning("could not clear the xAPI wake-up flag (it expires by itself)")


def wake_forwarder() -> None:
    """After the commit of statements queued for the LRS: queue the forwarding task unless one
    is queued already; without a broker, run it now. A failed wake-up (Redis down) is logged,
    never raised: the rows are committed and the beat sweep sends them."""
    try:
        client = redis_client()
        if client is not None and not client.set(FLAG_SCHEDULED, "1", nx=True, ex=WAKE_TTL):
            return
        current_app.extensions["celery"].tasks[forward_xapi_statements.name].delay()
    except Exception:
        if redis_client() is None:
            raise
        logger.warning("could not wake the xAPI forwarder; the sweep sends later", exc_info=True)
