"""Celery tasks of skills, and how the recompute is queued after a commit.

Tasks take ids (JSON), never ORM objects. Requests are coalesced: with a broker, the employee and
manager ids of every commit go into two Redis sets and at most one task is queued while one is
pending, so a busy team does not queue thousands of tasks (DESIGN.md). Without a broker the task
runs eagerly, right after the commit, in a fresh app context.
"""

from __future__ import annotations

import logging

import redis
from celery import shared_task
from flask import current_app

from learnhub.org.services import managers_bottom_up
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import frameworks_with_profiles
from learnhub.skills.summaries import store_summary

logger = logging.getLogger(__name__)

#: above this many managers to recompute, the whole-tree roll-up is cheaper than one aggregate
#: per manager (bench/team_summaries.py: ~9 ms a manager vs ~10 s for 12,500 managers at 100k)
ROLLUP_ABOVE = 200
SET_EMPLOYEES = "learnhub:recompute:employees"
SET_MANAGERS = "learnhub:recompute:managers"
FLAG_SCHEDULED = "learnhub:recompute:scheduled"


@shared_task(name="skills.compute_team_summaries")
def compute_team_summaries(
    employee_ids: list[int] | None = None,
    manager_ids: list[int] | None = None,
    everyone: bool = False,
) -> dict[str, int]:
    """Recompute and store the team summaries of every manager above ``employee_ids``, of
    ``manager_ids``, of managers waiting in the coalescing sets, or of all managers when
    ``everyone`` (the nightly run). Idempotent: each summary is an upsert. Commits once (as
    every task: :mod:`learnhub.core.transactions`).
    Returns ``{"managers": n, "frameworks": n}``."""
    employees = set(employee_ids or ())
    managers = set(manager_ids or ())
    url = current_app.config.get("LEARNHUB_REDIS_URL")
    if url and not everyone:
        client = redis.Redis.from_url(url)
        client.delete(FLAG_SCHEDULED)  # a commit from now on queues a new task
        with client.pipeline() as pipe:  # MULTI/EXEC: read and clear the sets atomically
            pipe.smembers(SET_EMPLOYEES).smembers(SET_MANAGERS)
            pipe.delete(SET_EMPLOYEES, SET_MANAGERS)
            waiting_employees, waiting_managers, _ = pipe.execute()
        employees |= {int(i) for i in waiting_employees}
        managers |= {int(i) for i in waiting_managers}
    frameworks = frameworks_with_profiles()
    targets = [] if everyone else managers_bottom_up(employees, managers)
    if everyone or len(targets) > ROLLUP_ABOVE:
        # the nightly run, or a change touching many teams (a large HR import): one
        # bottom-up roll-up costs less than an aggregate per manager
        stored = store_all_summaries()
        logger.info("all team summaries recomputed: %d", stored)
        return {"managers": stored // max(1, len(frameworks)), "frameworks": len(frameworks)}
    # bottom-up along the chains: each summary adds up its reports' fresh summaries, so the
    # cost is the number of direct reports, not the size of the organisation below
    for manager_id in targets:
        for framework in frameworks:
            store_summary(manager_id, framework, composed=True)
    logger.info("team summaries recomputed for %d managers", len(targets))
    return {"managers": len(targets), "frameworks": len(frameworks)}


def schedule_recompute(employee_ids: set[int], manager_ids: set[int]) -> None:
    """Queue (with a broker: coalesce) a recompute for these ids. Called after the commit
    that made their summaries stale (:class:`learnhub.skills.services.RecomputeRequest`). A
    failure is logged (and raised under TESTING); the nightly run recomputes everything."""
    app = current_app._get_current_object()
    url = app.config.get("LEARNHUB_REDIS_URL")
    if not url:
        compute_team_summaries.delay(
            employee_ids=sorted(employee_ids), manager_ids=sorted(manager_ids)
        )
        return
    client = redis.Redis.from_url(url)
    with client.pipeline() as pipe:
        if employee_ids:
            pipe.sadd(SET_EMPLOYEES, *employee_ids)
        if manager_ids:
            pipe.sadd(SET_MANAGERS, *manager_ids)
        pipe.set(FLAG_SCHEDULED, "1", nx=True, ex=300)
        *_, first = pipe.execute()
    if first:
        compute_team_summaries.delay()
