"""Redis down is survivable: a gunicorn server whose Redis (broker and rate-limit store) does not
answer still signs people in, serves pages and saves a quiz pass, whose recompute request waits
in the database; the rate limiter says in the log that it fell back to memory, and /healthz
reports Redis down (200, "degraded": the instance still serves). Needs no real Redis."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import requests
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.skills.models import RecomputeRequest
from tests.auth.conftest import free_port
from tests.conftest import DEMO_PASSWORD
from tests.journeys.helpers import api_answers, first_module


def _csrf(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_sign_in_pages_and_a_quiz_pass_work_with_redis_down(app, demo, database_url, tmp_path):
    port = free_port()
    env = os.environ | {
        "LEARNHUB_DATABASE_URL": database_url,
        "LEARNHUB_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "LEARNHUB_SECRET_KEY": "redis-down",
        "LEARNHUB_INSTANCE_PATH": str(tmp_path),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as handle:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                health = requests.get(f"{base}/healthz", timeout=30)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "degraded" and body["database"] == "ok"
        assert body["redis"].startswith("down")

        browser = requests.Session()
        token = _csrf(browser.get(f"{base}/sign-in", timeout=30).text)
        signed_in = browser.post(
            f"{base}/sign-in",
            data={"email": "employee@example.org", "password": DEMO_PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        dashboard = browser.get(f"{base}/", timeout=30)
        assert dashboard.status_code == 200
        headers = {"X-CSRFToken": _csrf(dashboard.text)}

        _module, quiz_id = first_module(app)
        attempt = browser.post(
            f"{base}/api/v1/quizzes/{quiz_id}/attempts", headers=headers, timeout=30
        )
        assert attempt.status_code in (200, 201), attempt.text
        attempt_id = attempt.json()["id"]
        submitted = browser.post(
            f"{base}/api/v1/attempts/{attempt_id}/submit",
            json={"responses": api_answers(app, attempt_id)},
            headers=headers,
            timeout=30,
        )
        assert submitted.status_code == 200 and submitted.json()["result"]["passed"] is True
        with app.app_context():
            # the recompute is not dropped: its request waits for a worker and the sweep
            assert db.session.scalar(select(func.count(RecomputeRequest.id))) >= 1
    finally:
        server.terminate()
        server.wait(timeout=20)
    text = log.read_text()
    assert "falling back to in-memory storage" in text
    assert "could not wake a worker" in text
