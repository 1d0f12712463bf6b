"""Celery tasks of skills, and the hook that queues them after a commit.

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
from sqlalchemy import event, select

from learnhub.extensions import db
from learnhub.org.services import managers_bottom_up
from learnhub.org.signals import job_codes_planned, people_changed
from learnhub.skills.models import ProfileJobCode
from learnhub.skills.rollup import store_all_summaries
from learnhub.skills.services import PENDING_KEY, frameworks_with_profiles, request_recompute
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
    ``everyone`` (the nightly run). Idempotent: each summary is an upsert. Commits once.
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
        db.session.commit()
        logger.info("all team summaries recomputed: %d", stored)
        return {"managers": stored // max(1, len(frameworks)), "frameworks": len(frameworks)}
    # bottom-up along the chains: each summary adds up its reports' fresh summaries, so the
    # cost is the number of direct reports, not the size of the organisation below
    for manager_id in targets:
        for framework in frameworks:
            store_summary(manager_id, framework, composed=True)
    db.session.commit()
    logger.info("team summaries recomputed for %d managers", len(targets))
    return {"managers": len(targets), "frameworks": len(frameworks)}


def schedule_recompute(employee_ids: set[int], manager_ids: set[int]) -> None:
    """Queue (with a broker: coalesce) a recompute for these ids. Called after a commit."""
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


@event.listens_for(db.session, "after_commit")
def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT was released; the real commit is later
        return
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not (pending["employees"] or pending["managers"]):
        return
    try:
        schedule_recompute(pending["employees"], pending["managers"])
    except Exception:
        # The learner's change is committed; a failed summary is recomputed nightly.
        logger.exception("could not queue team summary recompute")
        if current_app.config.get("TESTING"):
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
