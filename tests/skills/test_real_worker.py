"""A real ``celery -A workers worker`` process on Redis computes team summaries queued after a
commit (STYLE.md: one real-worker test besides the eager ones). Needs LEARNHUB_TEST_REDIS_URL."""

from __future__ import annotations

import time

import redis
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.skills.models import TeamSummary
from learnhub.skills.tasks import FLAG_SCHEDULED
from tests.journeys.helpers import pass_first_module_by_api
from tests.skills.conftest import pending_requests


def _summary(app, manager_id: int) -> tuple[object, dict]:
    with app.app_context():
        row = db.session.scalar(select(TeamSummary).where(TeamSummary.manager_id == manager_id))
        return row.computed_at, row.data


def test_worker_recomputes_after_commit(app, demo, start_worker, production_web, redis_url):
    worker = start_worker()
    with app.app_context():
        manager_id = get_by_email("manager@example.org").id
    before_at, before = _summary(app, manager_id)

    assert pass_first_module_by_api(production_web)["result"]["passed"] is True

    deadline = time.monotonic() + 30
    while True:
        after_at, after = _summary(app, manager_id)
        if after_at > before_at:
            break
        assert worker.process.poll() is None, worker.text()
        assert time.monotonic() < deadline, "no recompute within 30 s:\n" + worker.text()
        time.sleep(0.2)
    competence = {c["code"]: c for c in after["competences"]}["4.1"]
    old = {c["code"]: c for c in before["competences"]}["4.1"]
    assert competence["attained_distribution"]["1"] == old["attained_distribution"]["1"] + 1
    assert "skills.compute_team_summaries" in worker.text()
    client_redis = redis.Redis.from_url(redis_url)
    # the recompute requests were drained by the task, and the wake-up flag cleared
    assert pending_requests(app) == 0
    assert client_redis.get(FLAG_SCHEDULED) is None
    client_redis.close()
