"""A real ``celery -A workers worker`` process on Redis computes team summaries queued after a
commit (STYLE.md: one real-worker test besides the eager ones). Needs LEARNHUB_TEST_REDIS_URL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from learnhub.app import create_app
from learnhub.extensions import db
from learnhub.org.services import get_by_email
from learnhub.skills.models import TeamSummary
from learnhub.skills.tasks import FLAG_SCHEDULED, SET_EMPLOYEES, SET_MANAGERS
from tests.conftest import CONTENT_DIR, PROJECT_ROOT, require_service
from tests.journeys.helpers import pass_first_module_by_api


def _summary(app, manager_id: int) -> tuple[object, dict]:
    with app.app_context():
        row = db.session.scalar(select(TeamSummary).where(TeamSummary.manager_id == manager_id))
        return row.computed_at, row.data


@pytest.fixture
def redis_url() -> str:
    url = require_service("Redis", "LEARNHUB_TEST_REDIS_URL")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def worker(app, redis_url, database_url, tmp_path):
    env = os.environ | {
        "LEARNHUB_DATABASE_URL": database_url,
        "LEARNHUB_REDIS_URL": redis_url,
        "LEARNHUB_INSTANCE_PATH": str(tmp_path),
        "LEARNHUB_CONTENT_DIR": str(CONTENT_DIR),
        "LEARNHUB_SECRET_KEY": "worker-test",
    }
    celery = Path(sys.executable).with_name("celery")
    log = (tmp_path / "worker.log").open("w+")
    process = subprocess.Popen(
        [
            str(celery),
            "-A",
            "workers",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while "ready." not in (tmp_path / "worker.log").read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("worker did not start:\n" + (tmp_path / "worker.log").read_text())
        time.sleep(0.2)
    yield process, tmp_path / "worker.log"
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def test_worker_recomputes_after_commit(
    app, demo, worker, redis_url, database_url, tmp_path, monkeypatch
):
    process, log_path = worker
    with app.app_context():
        manager_id = get_by_email("manager@example.org").id
    before_at, before = _summary(app, manager_id)

    # a web app configured like production: tasks go to Redis, never run in-process
    monkeypatch.setenv("LEARNHUB_REDIS_URL", redis_url)
    web = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "LEARNHUB_PASSWORD_METHOD": "pbkdf2:sha256:1000",
            "LEARNHUB_CONTENT_DIR": str(CONTENT_DIR),
        }
    )
    assert web.extensions["celery"].conf.task_always_eager is False
    try:
        assert pass_first_module_by_api(web)["result"]["passed"] is True

        deadline = time.monotonic() + 30
        while True:
            after_at, after = _summary(app, manager_id)
            if after_at > before_at:
                break
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "no recompute within 30 s:\n" + log_path.read_text()
            time.sleep(0.2)
        competence = {c["code"]: c for c in after["competences"]}["4.1"]
        old = {c["code"]: c for c in before["competences"]}["4.1"]
        assert competence["attained_distribution"]["1"] == old["attained_distribution"]["1"] + 1
        assert "skills.compute_team_summaries" in log_path.read_text()
        client_redis = redis.Redis.from_url(redis_url)
        # the coalescing sets were drained by the task
        assert client_redis.scard(SET_EMPLOYEES) == 0 and client_redis.scard(SET_MANAGERS) == 0
        assert client_redis.get(FLAG_SCHEDULED) is None
        client_redis.close()
    finally:
        # give the other tests their eager Celery back (default and current for this thread)
        app.extensions["celery"].set_default()
        app.extensions["celery"].set_current()
        with web.app_context():
            db.engine.dispose()
