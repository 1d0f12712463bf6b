"""Fixtures for team-summary tests with real services: a Redis database, real
``celery -A workers worker`` processes (started, killed, restarted), a web app configured like
production (its tasks go to Redis), and a check of every stored summary against a recompute from
scratch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from learnhub.app import create_app
from learnhub.extensions import db, limiter
from learnhub.org.services import all_manager_ids
from learnhub.skills.models import RecomputeRequest, TeamSummary
from learnhub.skills.services import frameworks_with_profiles
from learnhub.skills.summaries import compute_summary
from tests.conftest import CONTENT_DIR, PROJECT_ROOT, require_service


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = require_service("Redis", "LEARNHUB_TEST_REDIS_URL")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def postgres(database_url: str) -> str:
    """The test database's URL when it is PostgreSQL (the kill tests need its locks)."""
    url = require_service("PostgreSQL", "LEARNHUB_TEST_DATABASE_URL")
    assert url == database_url
    return url


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        """SIGKILL, to the worker and any process it started: no clean-up runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(app, redis_url, database_url, tmp_path) -> Iterator[Callable[..., Worker]]:
    """``start_worker(beat=False)`` starts a ``celery -A workers worker --pool solo`` (the task
    runs in the process a test may kill; with ``beat``, an embedded beat sweeps the recompute
    requests every second) and waits until it is ready; every one still running is stopped at
    the end."""
    started: list[Worker] = []
    env = os.environ | {
        "LEARNHUB_DATABASE_URL": database_url,
        "LEARNHUB_REDIS_URL": redis_url,
        "LEARNHUB_INSTANCE_PATH": str(tmp_path),
        "LEARNHUB_CONTENT_DIR": str(CONTENT_DIR),
        "LEARNHUB_SECRET_KEY": "worker-test",
        "LEARNHUB_RECOMPUTE_SWEEP_SECONDS": "1",
    }
    celery = Path(sys.executable).with_name("celery")

    def start(beat: bool = False) -> Worker:
        log = tmp_path / f"worker-{len(started) + 1}.log"
        embedded_beat = ["--beat", "--schedule", str(tmp_path / "beat-schedule")] if beat else []
        with log.open("w") as handle:
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
                    *embedded_beat,
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # kill() takes its embedded beat along
            )
        worker = Worker(process, log)
        started.append(worker)
        deadline = time.monotonic() + 60
        while "ready." not in worker.text():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("worker did not start:\n" + worker.text())
            time.sleep(0.2)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def make_web(app, database_url, monkeypatch) -> Iterator[Callable[[str], Flask]]:
    """``make_web(redis_url)``: a web app configured like production, its tasks sent to that
    Redis (never run in-process). The test's own app gets its eager Celery back at the end."""
    made: list[Flask] = []

    def make(redis_url: str) -> Flask:
        monkeypatch.setenv("LEARNHUB_REDIS_URL", redis_url)
        web = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "test-secret",
                "LEARNHUB_PASSWORD_METHOD": "pbkdf2:sha256:1000",
                "LEARNHUB_CONTENT_DIR": str(CONTENT_DIR),
                # the rate limiter is one object shared by every app of the process: keep it
                # in memory so the other tests' limits do not move to this test's Redis
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        monkeypatch.delenv("LEARNHUB_REDIS_URL")
        assert web.extensions["celery"].conf.task_always_eager is False
        made.append(web)
        return web

    yield make
    # give the other tests their eager Celery back (default and current for this thread)
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()
    limiter.init_app(app)
    for web in made:
        with web.app_context():
            db.engine.dispose()


@pytest.fixture
def production_web(make_web, redis_url) -> Flask:
    """A web app configured like production on the test Redis."""
    return make_web(redis_url)


def pending_requests(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(RecomputeRequest.id)))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)


def stale_summaries(app: Flask, only: set[int] | None = None) -> list[int]:
    """Managers (of ``only`` when given) whose stored summary, or its absence, differs from a
    recompute from scratch."""
    with app.app_context():
        stale = []
        for framework in frameworks_with_profiles():
            stored = {
                s.manager_id: s.data
                for s in db.session.scalars(
                    select(TeamSummary).where(TeamSummary.framework_id == framework.id)
                )
            }
            managers = [m for m in all_manager_ids() if only is None or m in only]
            stale += [m for m in managers if stored.get(m) != compute_summary(m, framework)]
        db.session.rollback()
        return stale
